//! `MailOutbox`, and the outbox rows other stores write in their own
//! transactions (order transitions, business profiles, contact messages):
//! those are the only way mails are recorded.

use chrono::{DateTime, Duration, Utc};
use shop_domain::DomainError;
use shop_domain::business::BusinessStatus;
use shop_domain::contact::{ContactMessage, ContactStatus};
use shop_domain::jobs::{Job, JobKind, JobState};
use shop_domain::mail::{MailMessage, OutboxMail};
use shop_domain::order::{Actor, Order, OrderStatus, StatusChange};

use shop_domain::audit::AuditAction;
use shop_domain::ids::UserId;

use super::audit::{entry_on, trail};
use super::concurrently;
use crate::fixtures::{
    at, contact, customer, mail, mail_with_id, new_id, new_order, product, profile, quote, unique,
};
use crate::{Stores, flatten_pages};

fn lease() -> Duration {
    Duration::seconds(30)
}

/// The outbox row `mails` should have become, unsent.
fn recorded(mail: &MailMessage, created_at: DateTime<Utc>) -> Option<OutboxMail> {
    Some(OutboxMail {
        message: mail.clone(),
        created_at,
        sent_at: None,
    })
}

/// Asserts that `mail` is in the outbox, unsent since `now`, with its
/// delivery job queued and due at `now`.
async fn assert_recorded(s: &Stores, mail: &MailMessage, now: DateTime<Utc>) {
    assert_eq!(
        s.outbox.get(&mail.message_id).await.unwrap(),
        recorded(mail, now),
        "outbox row of {}",
        mail.message_id
    );
    assert_eq!(
        s.jobs
            .get(&Job::deliver_mail_id(&mail.message_id))
            .await
            .unwrap(),
        Some(Job::deliver_mail(&mail.message_id, now)),
        "delivery job of {}",
        mail.message_id
    );
}

/// Asserts that neither `mail` nor its delivery job was recorded.
async fn assert_not_recorded(s: &Stores, mail: &MailMessage) {
    assert_eq!(s.outbox.get(&mail.message_id).await.unwrap(), None);
    assert_eq!(
        s.jobs
            .get(&Job::deliver_mail_id(&mail.message_id))
            .await
            .unwrap(),
        None
    );
}

/// Records `mails` as a store's own transaction does, due at `now`: with a
/// new contact message created at `now`.
async fn record(s: &Stores, mails: &[MailMessage], now: DateTime<Utc>) -> Result<(), DomainError> {
    let message = ContactMessage {
        created_at: now,
        ..contact(None, ContactStatus::New)
    };
    s.contacts.insert(&message, mails).await
}

/// Claims every job due at `now`, returning their kinds (each claimed job
/// is completed).
async fn drain(s: &Stores, now: DateTime<Utc>) -> Vec<JobKind> {
    let mut kinds = Vec::new();
    while let Some(claim) = s.jobs.claim(now, lease(), &unique("w-")).await.unwrap() {
        kinds.push(claim.job.kind.clone());
        s.jobs.complete(&claim).await.unwrap();
        assert!(kinds.len() < 1000, "claims never run out");
    }
    kinds
}

/// A placed order (pending payment) with its finalization job due at
/// `at(120)`.
async fn placed_order(s: &Stores) -> Order {
    let user = customer();
    s.accounts.insert(&user).await.unwrap();
    let p = product(&unique("M-"), "Mailed thing", 5);
    s.catalog.insert_product(&p, None, &[]).await.unwrap();
    let q = quote(&user.id, &[(&p, 1)]);
    s.quotes.insert(&q).await.unwrap();
    s.orders.create(&new_order(&user, &q)).await.unwrap()
}

/// `order` moved to `status` at `t0 + seconds`, recording `mails`.
fn change(order: &Order, status: OrderStatus, seconds: i64, mails: &[MailMessage]) -> StatusChange {
    order
        .change_to(status, Actor::System, at(seconds), None)
        .unwrap()
        .with_mails(mails.to_vec())
}

/// `mark_sent` sets `sent_at` once: marking again keeps the first time. An
/// unknown Message-ID is `NotFound`.
pub async fn recorded_mail_then_get_and_mark_sent(s: Stores) {
    let a = mail("confirmation");
    let b = mail("notice");
    assert_eq!(s.outbox.get(&a.message_id).await.unwrap(), None);
    record(&s, &[a.clone(), b.clone()], at(5)).await.unwrap();
    assert_recorded(&s, &a, at(5)).await;
    assert_recorded(&s, &b, at(5)).await;

    s.outbox.mark_sent(&a.message_id, at(7)).await.unwrap();
    let sent = s.outbox.get(&a.message_id).await.unwrap().unwrap();
    assert_eq!(sent.sent_at, Some(at(7)));
    assert_eq!(sent.created_at, at(5));
    assert_eq!(sent.message, a);
    s.outbox.mark_sent(&a.message_id, at(9)).await.unwrap();
    assert_eq!(
        s.outbox.get(&a.message_id).await.unwrap().unwrap().sent_at,
        Some(at(7)),
        "the first time stays"
    );
    assert_eq!(
        s.outbox.get(&b.message_id).await.unwrap().unwrap().sent_at,
        None,
        "other mails are untouched"
    );

    let r = s.outbox.mark_sent("<nobody@shop.test>", at(7)).await;
    assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
}

/// Recording a Message-ID again keeps the first mail and its one job,
/// whatever the job's state: a mail recorded twice is sent once.
pub async fn recording_twice_keeps_one_mail_and_one_job(s: Stores) {
    let first = mail("twice");
    record(&s, std::slice::from_ref(&first), at(1))
        .await
        .unwrap();
    let changed = MailMessage {
        subject: "A different rendering".into(),
        ..first.clone()
    };
    record(&s, &[changed.clone(), changed.clone()], at(2))
        .await
        .unwrap();
    assert_recorded(&s, &first, at(1)).await;

    assert_eq!(
        drain(&s, at(2)).await,
        [JobKind::DeliverMail(first.message_id.clone())]
    );
    s.outbox.mark_sent(&first.message_id, at(3)).await.unwrap();
    record(&s, &[changed], at(4)).await.unwrap();
    let job = s
        .jobs
        .get(&Job::deliver_mail_id(&first.message_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Done, "the finished job stays finished");
    assert_eq!(drain(&s, at(10)).await, []);
    let kept = s.outbox.get(&first.message_id).await.unwrap().unwrap();
    assert_eq!((kept.message, kept.sent_at), (first, Some(at(3))));
}

/// Concurrent recordings of one mail all succeed and leave one job.
pub async fn concurrent_recordings_of_one_mail_keep_one_job(s: Stores) {
    let m = mail("race");
    let results = concurrently(8, |i| {
        let (s, m) = (s.clone(), m.clone());
        async move { record(&s, &[m], at(1 + i as i64)).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let kept = s.outbox.get(&m.message_id).await.unwrap().unwrap();
    assert_eq!(kept.message, m);
    assert_eq!(
        drain(&s, at(100)).await,
        [JobKind::DeliverMail(m.message_id.clone())]
    );
}

/// A transition's mails are recorded with it, their delivery jobs due at
/// the entry's time and claimable as `DeliverMail`.
pub async fn transition_records_its_mails_and_delivery_jobs(s: Stores) {
    let order = placed_order(&s).await;
    let customer_mail = mail("confirmation");
    let admin_mail = mail("new-order");
    let mails = [customer_mail.clone(), admin_mail.clone()];
    s.orders
        .transition(
            &order.id,
            &change(&order, OrderStatus::Authorized, 10, &mails),
        )
        .await
        .unwrap();
    assert_recorded(&s, &customer_mail, at(10)).await;
    assert_recorded(&s, &admin_mail, at(10)).await;

    assert_eq!(drain(&s, at(9)).await, [], "not due before the change");
    let mut kinds = drain(&s, at(10)).await;
    kinds.sort_by_key(|k| format!("{k:?}"));
    let mut expected = vec![
        JobKind::DeliverMail(customer_mail.message_id),
        JobKind::DeliverMail(admin_mail.message_id),
    ];
    expected.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(kinds, expected, "the finalization job is not due yet");
}

/// A transition refused by its compare-and-set records none of its mails.
pub async fn a_failed_transition_records_no_mail(s: Stores) {
    let order = placed_order(&s).await;
    let order_id = order.id.clone();
    let m = mail("confirmation");
    // A change read from a copy of the order that is stale by now.
    let authorized = Order {
        status: OrderStatus::Authorized,
        ..order.clone()
    };
    let r = s
        .orders
        .transition(
            &order_id,
            &change(&authorized, OrderStatus::Paid, 10, std::slice::from_ref(&m)),
        )
        .await;
    assert!(
        matches!(r, Err(DomainError::InvalidOrderState { .. })),
        "{r:?}"
    );
    assert_not_recorded(&s, &m).await;
    let order = s.orders.get(&order_id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.history.len(), 1);
}

/// A later transition naming an already recorded Message-ID keeps the first
/// mail and job, and still applies its own change.
pub async fn a_transition_repeating_a_mail_keeps_the_first(s: Stores) {
    let order = placed_order(&s).await;
    let m = mail("status");
    let mails = [m.clone()];
    let authorized = s
        .orders
        .transition(
            &order.id,
            &change(&order, OrderStatus::Authorized, 10, &mails),
        )
        .await
        .unwrap();
    let moved = s
        .orders
        .transition(
            &order.id,
            &change(&authorized, OrderStatus::Paid, 20, &mails),
        )
        .await
        .unwrap();
    assert_eq!(moved.status, OrderStatus::Paid);
    assert_recorded(&s, &m, at(10)).await;
}

/// A profile's mails are recorded with it, due at its review time (or its
/// submission time before any review).
pub async fn profile_put_records_its_mails(s: Stores) {
    let user = customer();
    s.accounts.insert(&user).await.unwrap();
    let pending = profile(&user.id, BusinessStatus::Pending, at(5));
    let received = mail("business-received");
    s.profiles
        .put(&pending, std::slice::from_ref(&received), &[])
        .await
        .unwrap();
    assert_recorded(&s, &received, at(5)).await;

    let approved = shop_domain::business::BusinessProfile {
        status: BusinessStatus::Approved,
        reviewed_at: Some(at(60)),
        reviewed_by: Some(user.id.clone()),
        ..pending
    };
    let welcome = mail("business-approved");
    s.profiles
        .put(&approved, &[welcome.clone(), received.clone()], &[])
        .await
        .unwrap();
    assert_eq!(s.profiles.get(&user.id).await.unwrap(), Some(approved));
    assert_recorded(&s, &welcome, at(60)).await;
    assert_recorded(&s, &received, at(5)).await;
}

/// A contact message's mails are recorded with it, due at its creation; a
/// refused insert (a duplicate id) records none.
pub async fn contact_insert_records_its_mails(s: Stores) {
    let message = contact(None, ContactStatus::New);
    let notices = [mail("contact"), mail("contact")];
    s.contacts.insert(&message, &notices).await.unwrap();
    for notice in &notices {
        assert_recorded(&s, notice, message.created_at).await;
    }
    let late = mail("contact");
    let r = s
        .contacts
        .insert(&message, std::slice::from_ref(&late))
        .await;
    assert!(matches!(r, Err(DomainError::AlreadyExists(_))), "{r:?}");
    assert_not_recorded(&s, &late).await;
}

/// Message-IDs longer than any index key round-trip whole, and two that
/// differ only at the end are two mails.
pub async fn long_message_ids_round_trip(s: Stores) {
    let stem = format!("<{}", "x".repeat(880));
    let a = mail_with_id(&format!("{stem}.{}@shop.test>", unique("a")));
    let b = mail_with_id(&format!("{stem}.{}@shop.test>", unique("b")));
    assert!(a.message_id.len() >= 900, "{}", a.message_id.len());
    record(&s, std::slice::from_ref(&a), at(1)).await.unwrap();
    record(&s, std::slice::from_ref(&b), at(2)).await.unwrap();
    assert_recorded(&s, &a, at(1)).await;
    assert_recorded(&s, &b, at(2)).await;
    s.outbox.mark_sent(&a.message_id, at(3)).await.unwrap();
    assert_eq!(
        s.outbox.get(&b.message_id).await.unwrap().unwrap().sent_at,
        None
    );
    let claim = s.jobs.claim(at(1), lease(), "w").await.unwrap().unwrap();
    assert_eq!(claim.job.kind, JobKind::DeliverMail(a.message_id.clone()));
}

/// `unsent` lists mails not yet sent, oldest first (ties by Message-ID),
/// at most `limit` of them; mails recorded by other stores' transactions
/// are listed too, and a sent mail never is.
pub async fn unsent_lists_the_oldest_unsent_first(s: Stores) {
    assert_eq!(s.outbox.unsent(10).await.unwrap(), []);
    let late = mail("late");
    let early = mail("early");
    let sent = mail("sent");
    let (tie_a, tie_b) = (
        mail_with_id(&format!("<a.{}@shop.test>", unique("tie"))),
        mail_with_id(&format!("<b.{}@shop.test>", unique("tie"))),
    );
    record(&s, std::slice::from_ref(&late), at(30))
        .await
        .unwrap();
    record(&s, &[early.clone(), sent.clone()], at(10))
        .await
        .unwrap();
    record(&s, &[tie_b.clone(), tie_a.clone()], at(20))
        .await
        .unwrap();
    s.outbox.mark_sent(&sent.message_id, at(11)).await.unwrap();
    let contact_notice = mail("contact");
    let message = contact(None, ContactStatus::New);
    s.contacts
        .insert(&message, std::slice::from_ref(&contact_notice))
        .await
        .unwrap();

    let mut expected = vec![
        recorded(&early, at(10)).unwrap(),
        recorded(&tie_a, at(20)).unwrap(),
        recorded(&tie_b, at(20)).unwrap(),
        recorded(&late, at(30)).unwrap(),
        recorded(&contact_notice, message.created_at).unwrap(),
    ];
    expected.sort_by(|a, b| {
        (a.created_at, &a.message.message_id).cmp(&(b.created_at, &b.message.message_id))
    });
    assert_eq!(s.outbox.unsent(100).await.unwrap(), expected);
    assert_eq!(s.outbox.unsent(2).await.unwrap(), expected[..2].to_vec());
    assert_eq!(s.outbox.unsent(0).await.unwrap(), []);

    s.outbox.mark_sent(&early.message_id, at(40)).await.unwrap();
    let rest = s.outbox.unsent(100).await.unwrap();
    assert_eq!(rest.len(), expected.len() - 1);
    assert!(
        rest.iter()
            .all(|m| m.message.message_id != early.message_id)
    );
}

/// Admins find a mail by its id and list sent or unsent mail, newest first.
pub async fn find_and_list_newest_first_by_sent(s: Stores) {
    let mails: Vec<MailMessage> = (0..5).map(|i| mail(&format!("list{i}"))).collect();
    for (i, m) in mails.iter().enumerate() {
        record(&s, std::slice::from_ref(m), at(10 + i as i64))
            .await
            .unwrap();
    }
    s.outbox
        .mark_sent(&mails[1].message_id, at(30))
        .await
        .unwrap();
    s.outbox
        .mark_sent(&mails[3].message_id, at(31))
        .await
        .unwrap();
    let listed = |sent: bool| {
        let s = s.clone();
        async move {
            flatten_pages(2, |p| {
                let s = s.clone();
                async move { s.outbox.list(sent, &p).await }
            })
            .await
            .into_iter()
            .map(|m| m.message.message_id)
            .collect::<Vec<_>>()
        }
    };
    let ids = |idx: &[usize]| {
        idx.iter()
            .map(|i| mails[*i].message_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(false).await, ids(&[4, 2, 0]));
    assert_eq!(listed(true).await, ids(&[3, 1]));
    let found = s.outbox.get(&mails[2].message_id).await.unwrap().unwrap();
    assert_eq!(s.outbox.find(&found.id()).await.unwrap(), Some(found));
    assert_eq!(s.outbox.find(&"0".repeat(64)).await.unwrap(), None);
}

/// An admin's resend: the unsent mail's delivery runs again due `now` (a
/// dead one as its next generation, a queued one woken) with the audit
/// entry; a sent or unknown mail writes nothing.
pub async fn resend_requeues_the_delivery_with_its_entry(s: Stores) {
    let admin = UserId::new(new_id());
    let entry = |target: &str| entry_on(&admin, AuditAction::MailResend, "mail", target);
    let dead = mail("resend-dead");
    record(&s, std::slice::from_ref(&dead), at(10))
        .await
        .unwrap();
    let claim = s
        .jobs
        .claim(at(20), lease(), "worker-1")
        .await
        .unwrap()
        .expect("the delivery is due");
    s.jobs.bury(&claim, "550 refused").await.unwrap();
    let dead_id = s.outbox.get(&dead.message_id).await.unwrap().unwrap().id();
    let first = entry(&dead_id);
    let (resent, job) = s
        .outbox
        .resend(&dead_id, at(50), std::slice::from_ref(&first))
        .await
        .unwrap();
    assert_eq!(Some(resent), recorded(&dead, at(10)));
    assert_eq!(
        (job.state, job.run_after, job.attempts, job.generation),
        (JobState::Queued, at(50), 0, 1)
    );
    assert_eq!(
        s.jobs
            .get(&Job::deliver_mail_id(&dead.message_id))
            .await
            .unwrap(),
        Some(job)
    );
    assert_eq!(trail(&s).await, vec![first.clone()]);

    // A queued delivery is woken.
    let waiting = mail("resend-waiting");
    record(&s, std::slice::from_ref(&waiting), at(100))
        .await
        .unwrap();
    let waiting_id = s
        .outbox
        .get(&waiting.message_id)
        .await
        .unwrap()
        .unwrap()
        .id();
    let second = entry(&waiting_id);
    let (_, job) = s
        .outbox
        .resend(&waiting_id, at(60), std::slice::from_ref(&second))
        .await
        .unwrap();
    assert_eq!(
        (job.state, job.run_after, job.generation),
        (JobState::Queued, at(60), 0)
    );

    // A sent mail, an unknown one: refused, nothing written.
    let sent = mail("resend-sent");
    record(&s, std::slice::from_ref(&sent), at(110))
        .await
        .unwrap();
    s.outbox.mark_sent(&sent.message_id, at(120)).await.unwrap();
    let sent_id = s.outbox.get(&sent.message_id).await.unwrap().unwrap().id();
    let job_before = s
        .jobs
        .get(&Job::deliver_mail_id(&sent.message_id))
        .await
        .unwrap();
    assert_eq!(
        s.outbox.resend(&sent_id, at(130), &[entry(&sent_id)]).await,
        Err(DomainError::MailAlreadySent)
    );
    assert_eq!(
        s.jobs
            .get(&Job::deliver_mail_id(&sent.message_id))
            .await
            .unwrap(),
        job_before
    );
    let unknown = "0".repeat(64);
    assert!(matches!(
        s.outbox.resend(&unknown, at(130), &[entry(&unknown)]).await,
        Err(DomainError::NotFound(_))
    ));
    assert_eq!(trail(&s).await, vec![second, first]);
}
