//! `ContactStore`.

use shop_domain::DomainError;
use shop_domain::contact::{ContactMessage, ContactStatus};
use shop_domain::ids::{ContactMessageId, UserId};

use shop_domain::audit::AuditAction;

use super::assert_unique;
use super::audit::{entry_on, trail};
use crate::fixtures::{contact, customer, new_id};
use crate::{Stores, flatten_pages};

async fn listed(s: &Stores, status: Option<ContactStatus>, limit: u32) -> Vec<ContactMessage> {
    flatten_pages(limit, |p| {
        let s = s.clone();
        async move { s.contacts.list(status, &p).await }
    })
    .await
}

async fn signed_up(s: &Stores) -> UserId {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    u.id
}

pub async fn insert_then_get_and_set_status(s: Stores) {
    let user_id = signed_up(&s).await;
    let visitor = contact(None, ContactStatus::New);
    let member = contact(Some(&user_id), ContactStatus::New);
    s.contacts.insert(&visitor, &[]).await.unwrap();
    s.contacts.insert(&member, &[]).await.unwrap();
    assert_eq!(
        s.contacts.get(&visitor.id).await.unwrap(),
        Some(visitor.clone())
    );
    assert_eq!(
        s.contacts.get(&member.id).await.unwrap(),
        Some(member.clone())
    );
    let admin = UserId::new(new_id());
    let archived = entry_on(
        &admin,
        AuditAction::ContactMessageUpdate,
        "contact_message",
        member.id.as_str(),
    );
    s.contacts
        .set_status(
            &member.id,
            ContactStatus::Archived,
            std::slice::from_ref(&archived),
        )
        .await
        .unwrap();
    assert_eq!(
        s.contacts.get(&member.id).await.unwrap(),
        Some(ContactMessage {
            status: ContactStatus::Archived,
            ..member
        })
    );
    assert_eq!(s.contacts.get(&visitor.id).await.unwrap(), Some(visitor));
    let ghost = ContactMessageId::new(new_id());
    assert_eq!(s.contacts.get(&ghost).await.unwrap(), None);
    let refused = entry_on(
        &admin,
        AuditAction::ContactMessageUpdate,
        "contact_message",
        ghost.as_str(),
    );
    let r = s
        .contacts
        .set_status(&ghost, ContactStatus::Read, &[refused])
        .await;
    assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
    // The change's entry is written with it; the refused one's is not.
    assert_eq!(trail(&s).await, vec![archived]);
}

pub async fn list_is_newest_first_and_filters(s: Stores) {
    let a = contact(None, ContactStatus::New);
    let b = contact(None, ContactStatus::Read);
    let c = contact(None, ContactStatus::New);
    for m in [&a, &b, &c] {
        s.contacts.insert(m, &[]).await.unwrap();
    }
    let ids = |v: Vec<ContactMessage>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(listed(&s, None, 100).await),
        vec![c.id.clone(), b.id.clone(), a.id.clone()]
    );
    assert_eq!(
        ids(listed(&s, Some(ContactStatus::New), 100).await),
        vec![c.id.clone(), a.id.clone()]
    );
    assert_eq!(
        ids(listed(&s, Some(ContactStatus::Read), 100).await),
        vec![b.id.clone()]
    );
    assert!(
        listed(&s, Some(ContactStatus::Archived), 100)
            .await
            .is_empty()
    );
}

pub async fn list_paginates_without_gaps_or_duplicates(s: Stores) {
    let mut inserted = Vec::new();
    for _ in 0..21 {
        let m = contact(None, ContactStatus::New);
        s.contacts.insert(&m, &[]).await.unwrap();
        inserted.push(m.id);
    }
    inserted.reverse();
    for limit in [1, 5, 21, 100] {
        let got = listed(&s, Some(ContactStatus::New), limit).await;
        assert_unique(&got, |m| m.id.clone());
        let ids: Vec<ContactMessageId> = got.into_iter().map(|m| m.id).collect();
        assert_eq!(ids, inserted, "limit {limit}");
    }
}
