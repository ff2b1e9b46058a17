//! `QuoteStore`, `PromotionStore`, `TaxRateStore` and `ContactStore`.

use rust_decimal::Decimal;
use shop_domain::DomainError;
use shop_domain::account::{AccountStore, Email};
use shop_domain::business::TaxExemption;
use shop_domain::contact::{ContactMessage, ContactStatus, ContactStore};
use shop_domain::ids::{ContactMessageId, QuoteId, UserId};
use shop_domain::jobs::{Job, JobQueue};
use shop_domain::mail::{MailMessage, MailOutbox};
use shop_domain::pricing::{Quote, QuoteStore, TaxRate, TaxRateStore};
use shop_sql::SqlStore;
use shop_testkit::fixtures::{contact, customer, dollars, new_id, product, quote, unique};

use crate::all_pages;

pub async fn quotes_round_trip_exactly(s: SqlStore) {
    let u = customer();
    AccountStore::insert(&s, &u).await.unwrap();
    let a = product(&unique("QA-"), "Lamp", 5);
    let b = product(&unique("QB-"), "Shade", 5);
    let plain = quote(&u.id, &[(&a, 2), (&b, 1)]);
    QuoteStore::insert(&s, &plain).await.unwrap();
    assert_eq!(
        QuoteStore::get(&s, &plain.id).await.unwrap(),
        Some(plain.clone())
    );
    let mut rich = Quote {
        id: QuoteId::new(new_id()),
        promo_code: Some("SAVE10".into()),
        discount_total: dollars(301),
        tax_total: Decimal::new(1, 2),
        shipping_total: dollars(499),
        total: plain.subtotal - dollars(301) + dollars(499) + Decimal::new(1, 2),
        tax_exemption: Some(TaxExemption {
            certificate_number: "EX-9".into(),
            region: "CA".into(),
            expires_on: chrono::NaiveDate::from_ymd_opt(2031, 6, 30).unwrap(),
            approved_by: Some(UserId::new(new_id())),
        }),
        ..plain.clone()
    };
    rich.lines[0].discount = Decimal::new(2005, 3);
    rich.ship_to.line2 = Some("Suite 5".into());
    QuoteStore::insert(&s, &rich).await.unwrap();
    let got = QuoteStore::get(&s, &rich.id).await.unwrap().unwrap();
    assert_eq!(got, rich);
    assert_eq!(got.lines[0].discount.to_string(), "2.005");
    assert_eq!(got.total.to_string(), rich.total.to_string());
    assert_eq!(
        QuoteStore::insert(&s, &rich).await,
        Err(DomainError::AlreadyExists("quote"))
    );
    assert_eq!(
        QuoteStore::get(&s, &QuoteId::new(new_id())).await.unwrap(),
        None
    );
}

pub async fn tax_rates_replace_as_a_whole(s: SqlStore) {
    let rate = |c: &str, r: &str, v: Decimal| TaxRate {
        country: c.into(),
        region: r.into(),
        rate: v,
    };
    assert!(TaxRateStore::list(&s).await.unwrap().is_empty());
    let first = vec![
        rate("US", "CA", Decimal::new(72_525, 6)),
        rate("DE", "", Decimal::new(19, 2)),
        rate("US", "", Decimal::new(5, 2)),
    ];
    s.replace_all(&first, &[]).await.unwrap();
    let got = TaxRateStore::list(&s).await.unwrap();
    assert_eq!(
        got,
        vec![first[1].clone(), first[2].clone(), first[0].clone()]
    );
    assert_eq!(got[2].rate.to_string(), "0.072525");
    let dup = vec![
        rate("US", "NY", Decimal::new(4, 2)),
        rate("US", "NY", Decimal::new(5, 2)),
    ];
    assert!(matches!(
        s.replace_all(&dup, &[]).await,
        Err(DomainError::Validation(_))
    ));
    assert_eq!(
        TaxRateStore::list(&s).await.unwrap().len(),
        3,
        "a failed replace changes nothing"
    );
    s.replace_all(&[], &[]).await.unwrap();
    assert!(TaxRateStore::list(&s).await.unwrap().is_empty());
}

/// A new message whose text is not all ASCII: it must come back unchanged.
fn new_contact(user_id: Option<&UserId>) -> ContactMessage {
    ContactMessage {
        message: "Do you ship to Canada? ✈".into(),
        ..contact(user_id, ContactStatus::New)
    }
}

pub async fn contact_messages_triage(s: SqlStore) {
    let u = customer();
    let mut all = Vec::new();
    for i in 0..9 {
        let m = new_contact((i % 3 == 0).then_some(&u.id));
        ContactStore::insert(&s, &m, &[]).await.unwrap();
        all.push(m);
    }
    assert_eq!(
        ContactStore::get(&s, &all[0].id).await.unwrap(),
        Some(all[0].clone())
    );
    // A refused insert records none of its mails.
    let notice = MailMessage {
        message_id: format!("<contact.{}@shop.test>", all[0].id),
        from: Email::parse("shop@example.test").unwrap(),
        to: Email::parse("admin@example.test").unwrap(),
        subject: "New contact message".into(),
        text: "text".into(),
        html: "<p>html</p>".into(),
    };
    assert_eq!(
        ContactStore::insert(&s, &all[0], std::slice::from_ref(&notice)).await,
        Err(DomainError::AlreadyExists("contact message"))
    );
    assert_eq!(MailOutbox::get(&s, &notice.message_id).await.unwrap(), None);
    assert_eq!(
        JobQueue::get(&s, &Job::deliver_mail_id(&notice.message_id))
            .await
            .unwrap(),
        None
    );
    for m in &all[..4] {
        ContactStore::set_status(&s, &m.id, ContactStatus::Read, &[])
            .await
            .unwrap();
    }
    assert_eq!(
        ContactStore::set_status(
            &s,
            &ContactMessageId::new(new_id()),
            ContactStatus::Read,
            &[]
        )
        .await,
        Err(DomainError::NotFound("contact message"))
    );
    let list = |status: Option<ContactStatus>, limit| {
        let s = s.clone();
        async move {
            all_pages(limit, |p| {
                let s = s.clone();
                async move { ContactStore::list(&s, status, &p).await }
            })
            .await
            .into_iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
        }
    };
    let newest_first: Vec<_> = all.iter().rev().map(|m| m.id.clone()).collect();
    for limit in [1, 2, 9, 10] {
        assert_eq!(list(None, limit).await, newest_first, "limit {limit}");
    }
    assert_eq!(
        list(Some(ContactStatus::Read), 3).await,
        newest_first[5..].to_vec()
    );
    assert!(list(Some(ContactStatus::Archived), 3).await.is_empty());
}
