//! `AccountStore`.

use shop_domain::account::{AccountStatus, Role, User, UserFilter};
use shop_domain::audit::AuditAction;
use shop_domain::ids::UserId;
use shop_domain::{DomainError, PageRequest};

use super::audit::{entry_on, trail};
use super::{assert_unique, concurrently};
use crate::fixtures::{admin, customer, email, name, unique, user};
use crate::{Stores, flatten_pages};

async fn insert_all(s: &Stores, users: &[User]) {
    for u in users {
        s.accounts.insert(u).await.expect("insert user");
    }
}

async fn get(s: &Stores, id: &UserId) -> User {
    s.accounts.get(id).await.unwrap().expect("user exists")
}

pub async fn insert_then_get_and_find_by_email(s: Stores) {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    assert_eq!(s.accounts.get(&u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(s.accounts.find_by_email(&u.email).await.unwrap(), Some(u));
    let other = email("nobody@example.test");
    assert_eq!(s.accounts.find_by_email(&other).await.unwrap(), None);
}

pub async fn missing_user_is_none_and_updates_are_not_found(s: Stores) {
    let ghost = UserId::new(crate::fixtures::new_id());
    assert_eq!(s.accounts.get(&ghost).await.unwrap(), None);
    let not_found = |r: Result<(), DomainError>| {
        assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
    };
    let entry = |action| entry_on(&ghost, action, "user", ghost.as_str());
    not_found(s.accounts.set_name(&ghost, &name("X")).await);
    not_found(
        s.accounts
            .set_password_hash(&ghost, "h", &[entry(AuditAction::PasswordChange)])
            .await,
    );
    not_found(s.accounts.set_role(&ghost, Role::Admin).await);
    not_found(
        s.accounts
            .set_status(
                &ghost,
                AccountStatus::Inactive,
                &[entry(AuditAction::UserInactivate)],
            )
            .await,
    );
    not_found(s.accounts.bump_session_version(&ghost).await);
    // A refused change writes no entry.
    assert_eq!(trail(&s).await, vec![]);
}

pub async fn email_is_unique(s: Stores) {
    let first = customer();
    s.accounts.insert(&first).await.unwrap();
    let twin = User {
        name: name("Someone Else"),
        ..user(first.email.as_str())
    };
    assert_eq!(s.accounts.insert(&twin).await, Err(DomainError::EmailTaken));
    assert_eq!(s.accounts.get(&twin.id).await.unwrap(), None);
    assert_eq!(
        s.accounts.find_by_email(&first.email).await.unwrap(),
        Some(first)
    );
}

pub async fn concurrent_inserts_of_one_email_admit_exactly_one(s: Stores) {
    let address = format!("{}@example.test", unique("race"));
    let candidates: Vec<User> = (0..20).map(|_| user(&address)).collect();
    let results = concurrently(20, |i| {
        let (s, u) = (s.clone(), candidates[i].clone());
        async move { s.accounts.insert(&u).await }
    })
    .await;
    let winners: Vec<usize> = (0..20).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in &results {
        assert!(matches!(r, Ok(()) | Err(DomainError::EmailTaken)), "{r:?}");
    }
    let stored = s.accounts.find_by_email(&email(&address)).await.unwrap();
    assert_eq!(
        stored.map(|u| u.id),
        Some(candidates[winners[0]].id.clone())
    );
}

pub async fn field_updates_change_only_their_field(s: Stores) {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    s.accounts
        .set_name(&u.id, &name("Renamed Person"))
        .await
        .unwrap();
    let mut expected = User {
        name: name("Renamed Person"),
        ..u.clone()
    };
    assert_eq!(get(&s, &u.id).await, expected);
    // A new password also ends every access token issued before it.
    s.accounts
        .set_password_hash(&u.id, "$new$hash", &[])
        .await
        .unwrap();
    expected.password_hash = "$new$hash".into();
    expected.session_version += 1;
    assert_eq!(get(&s, &u.id).await, expected);
    s.accounts.set_role(&u.id, Role::Admin).await.unwrap();
    expected.role = Role::Admin;
    assert_eq!(get(&s, &u.id).await, expected);
}

pub async fn set_status_bumps_the_session_version(s: Stores) {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    s.accounts
        .set_status(&u.id, AccountStatus::Inactive, &[])
        .await
        .unwrap();
    let after = get(&s, &u.id).await;
    assert_eq!(after.status, AccountStatus::Inactive);
    assert_eq!(after.session_version, u.session_version + 1);
    s.accounts
        .set_status(&u.id, AccountStatus::Active, &[])
        .await
        .unwrap();
    let after = get(&s, &u.id).await;
    assert_eq!(after.status, AccountStatus::Active);
    assert_eq!(after.session_version, u.session_version + 2);
    s.accounts.bump_session_version(&u.id).await.unwrap();
    let after = get(&s, &u.id).await;
    assert_eq!(after.session_version, u.session_version + 3);
    assert_eq!(after.status, AccountStatus::Active);
}

/// The audited changes (status, password) write their entries with them,
/// and only theirs; the other updates write none.
pub async fn audited_changes_write_their_entries(s: Stores) {
    let u = customer();
    let admin = UserId::new(crate::fixtures::new_id());
    s.accounts.insert(&u).await.unwrap();
    let inactivated = entry_on(&admin, AuditAction::UserInactivate, "user", u.id.as_str());
    s.accounts
        .set_status(
            &u.id,
            AccountStatus::Inactive,
            std::slice::from_ref(&inactivated),
        )
        .await
        .unwrap();
    assert_eq!(trail(&s).await, vec![inactivated.clone()]);
    let changed = entry_on(&u.id, AuditAction::PasswordChange, "user", u.id.as_str());
    s.accounts
        .set_password_hash(&u.id, "$changed$", std::slice::from_ref(&changed))
        .await
        .unwrap();
    s.accounts
        .set_name(&u.id, &name("Quiet Rename"))
        .await
        .unwrap();
    s.accounts.bump_session_version(&u.id).await.unwrap();
    assert_eq!(trail(&s).await, vec![changed, inactivated]);
    let after = get(&s, &u.id).await;
    assert_eq!(after.status, AccountStatus::Inactive);
    assert_eq!(after.password_hash, "$changed$");
    assert_eq!(after.session_version, u.session_version + 3);
}

/// Atomic updates: twenty concurrent bumps and a rename all land.
pub async fn concurrent_bumps_are_all_counted(s: Stores) {
    let u = customer();
    s.accounts.insert(&u).await.unwrap();
    let results = concurrently(21, |i| {
        let (s, id) = (s.clone(), u.id.clone());
        async move {
            if i == 20 {
                s.accounts.set_name(&id, &name("Concurrent Rename")).await
            } else {
                s.accounts.bump_session_version(&id).await
            }
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let after = get(&s, &u.id).await;
    assert_eq!(after.session_version, u.session_version + 20);
    assert_eq!(after.name.as_str(), "Concurrent Rename");
}

pub async fn list_is_newest_first_and_filters(s: Stores) {
    let ann = User {
        name: name("Ann Archer"),
        ..user(&format!("{}@alpha.test", unique("ann")))
    };
    let bob = User {
        name: name("Bob Builder"),
        ..user(&format!("{}@beta.test", unique("bob")))
    };
    let cy = User {
        name: name("Cy Alphabet"),
        status: AccountStatus::Inactive,
        ..user(&format!("{}@gamma.test", unique("cy")))
    };
    insert_all(&s, &[ann.clone(), bob.clone(), cy.clone()]).await;
    let list = |filter: UserFilter| {
        let s = s.clone();
        async move {
            flatten_pages(100, |p| {
                let (s, f) = (s.clone(), filter.clone());
                async move { s.accounts.list(&f, &p).await }
            })
            .await
            .into_iter()
            .map(|u| u.id)
            .collect::<Vec<_>>()
        }
    };
    let all = list(UserFilter::default()).await;
    assert_eq!(all, vec![cy.id.clone(), bob.id.clone(), ann.id.clone()]);
    // Case-insensitive substring of the e-mail or the name.
    let alpha = UserFilter {
        query: Some("ALPHA".into()),
        status: None,
    };
    assert_eq!(list(alpha).await, vec![cy.id.clone(), ann.id.clone()]);
    let builder = UserFilter {
        query: Some(" bUiLd ".into()),
        status: None,
    };
    assert_eq!(list(builder).await, vec![bob.id.clone()]);
    let inactive = UserFilter {
        query: None,
        status: Some(AccountStatus::Inactive),
    };
    assert_eq!(list(inactive).await, vec![cy.id.clone()]);
    let active_alpha = UserFilter {
        query: Some("alpha".into()),
        status: Some(AccountStatus::Active),
    };
    assert_eq!(list(active_alpha).await, vec![ann.id.clone()]);
    let none = UserFilter {
        query: Some("zzz-no-such-user".into()),
        status: None,
    };
    assert!(list(none).await.is_empty());
    // A query is text, never a pattern.
    let wildcard = UserFilter {
        query: Some("%".into()),
        status: None,
    };
    assert!(list(wildcard).await.is_empty());
    let garbage = PageRequest::new(Some(5), Some("not a cursor!".into()));
    assert!(matches!(
        s.accounts.list(&UserFilter::default(), &garbage).await,
        Err(DomainError::Validation(_))
    ));
}

pub async fn list_paginates_without_gaps_or_duplicates(s: Stores) {
    let users: Vec<User> = (0..25).map(|_| customer()).collect();
    insert_all(&s, &users).await;
    for limit in [1, 7, 25, 100] {
        let listed = flatten_pages(limit, |p| {
            let s = s.clone();
            async move { s.accounts.list(&UserFilter::default(), &p).await }
        })
        .await;
        assert_unique(&listed, |u| u.id.clone());
        let ids: Vec<UserId> = listed.into_iter().map(|u| u.id).collect();
        let expected: Vec<UserId> = users.iter().rev().map(|u| u.id.clone()).collect();
        assert_eq!(ids, expected, "limit {limit}");
    }
}

pub async fn list_active_admins_only(s: Stores) {
    let a1 = admin();
    let a2 = admin();
    let retired = User {
        status: AccountStatus::Inactive,
        ..admin()
    };
    insert_all(&s, &[a1.clone(), customer(), a2.clone(), retired]).await;
    let mut ids: Vec<UserId> = s
        .accounts
        .list_active_admins()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    ids.sort();
    assert_eq!(ids, vec![a1.id, a2.id]);
}

pub use super::account_tokens::set_email_verified_keeps_the_first_time;
