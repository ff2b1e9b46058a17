//! The finalization workflow with injected port failures.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::executor::block_on;

use super::*;
use crate::account::Role;
use crate::ids::JobId;
use crate::jobs::{ClaimedJob, Job, backoff};
use crate::mail::MailMessage;
use crate::order::OrderStatus;
use crate::payment::{PaymentRecord, PaymentStatus};
use crate::test_support::{Mocks, SharedOrder, TestClock, order, settings, t0, user};

fn completed() -> PaymentRecord {
    PaymentRecord {
        payment_id: "pay-1".into(),
        status: PaymentStatus::Completed,
        delayed_until: None,
    }
}

fn claim(attempts: u32) -> ClaimedJob {
    let mut job = Job::finalize_order(&OrderId::new("order-1"), t0());
    job.attempts = attempts;
    ClaimedJob {
        job,
        claim_token: "claim-1".into(),
    }
}

/// A store that keeps one order and records transitions, notification marks.
fn order_store(m: &mut Mocks, shared: &SharedOrder) {
    shared.serve_get(&mut m.orders);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .returning(move |_, from, entry, effects| s.apply(from, entry, effects));
    let s = shared.clone();
    m.orders
        .expect_mark_customer_notified()
        .returning(move |_| {
            s.0.lock().unwrap().customer_notified = true;
            Ok(())
        });
    let s = shared.clone();
    m.orders.expect_mark_admins_notified().returning(move |_| {
        s.0.lock().unwrap().admins_notified = true;
        Ok(())
    });
}

fn admins(m: &mut Mocks) {
    m.accounts
        .expect_get()
        .returning(|id| Ok(Some(user(id.as_str(), "ann@example.com", Role::Customer))));
    m.accounts.expect_list_active_admins().returning(|| {
        Ok(vec![
            user("admin-1", "admin1@example.com", Role::Admin),
            user("admin-2", "admin2@example.com", Role::Admin),
        ])
    });
}

fn record_mail(m: &mut Mocks) -> Arc<Mutex<Vec<MailMessage>>> {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let s = sent.clone();
    m.mailer.expect_send().returning(move |msg| {
        s.lock().unwrap().push(msg.clone());
        Ok(())
    });
    sent
}

#[test]
fn authorized_order_is_captured_marked_paid_and_announced_once() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    admins(&mut m);
    m.payments
        .expect_complete()
        .withf(|id| id == "pay-1")
        .times(1)
        .returning(|_| Ok(completed()));
    let sent = record_mail(&mut m);
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());

    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Ok(StepOutcome::Done)
    );
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(o.payment.status, "COMPLETED");
    assert_eq!(o.history.last().map(|h| h.by.clone()), Some(Actor::System));
    assert!(o.customer_notified && o.admins_notified);
    let to: Vec<_> = sent
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.to.to_string())
        .collect();
    assert_eq!(
        to,
        [
            "ann@example.com",
            "admin1@example.com",
            "admin2@example.com"
        ]
    );

    // Running it again repeats nothing: no capture (times(1)), no mail.
    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Ok(StepOutcome::Done)
    );
    assert_eq!(sent.lock().unwrap().len(), 3);
}

#[test]
fn configured_recipients_replace_the_admin_list() {
    let mut m = Mocks::default();
    let mut o = order(OrderStatus::Paid);
    o.customer_notified = true;
    let shared = SharedOrder::new(o);
    order_store(&mut m, &shared);
    let sent = record_mail(&mut m);
    let settings = Arc::new(ShopSettings {
        admin_notify: vec![Email::trusted("orders@example.com")],
        ..(*settings()).clone()
    });
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings);
    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Ok(StepOutcome::Done)
    );
    let to: Vec<_> = sent
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.to.to_string())
        .collect();
    assert_eq!(to, ["orders@example.com"]);
}

#[test]
fn capture_transient_then_declined_ends_payment_failed_with_stock_released() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, from, entry, effects| {
            from == [OrderStatus::PendingPayment, OrderStatus::Authorized]
                && entry.status == OrderStatus::PaymentFailed
                && entry.note.as_deref() == Some("capture declined: GENERIC_DECLINE")
                && effects.release_stock
                && effects
                    .payment
                    .as_ref()
                    .and_then(|p| p.failure_code.as_deref())
                    == Some("GENERIC_DECLINE")
        })
        .times(1)
        .returning(move |_, from, entry, effects| s.apply(from, entry, effects));
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    m.payments.expect_complete().times(2).returning(move |_| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Err(PaymentError::Transient("timeout".into()))
        } else {
            Err(PaymentError::Declined {
                code: "GENERIC_DECLINE".into(),
            })
        }
    });
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());

    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Err(DomainError::PaymentUnavailable("timeout".into()))
    );
    assert_eq!(shared.snapshot().status, OrderStatus::Authorized);
    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Ok(StepOutcome::Done)
    );
    assert_eq!(shared.snapshot().status, OrderStatus::PaymentFailed);
}

#[test]
fn capture_rejected_fails_the_payment_too() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Rejected("expired authorization".into())));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Ok(StepOutcome::Done)
    );
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.failure_code.as_deref(), Some("CAPTURE_REJECTED"));
}

#[test]
fn a_failing_mailer_is_retried_with_backoff_and_marks_nothing() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Paid));
    shared.serve_get(&mut m.orders);
    admins(&mut m);
    m.mailer
        .expect_send()
        .times(1)
        .returning(|_| Err(crate::mail::MailError::Transient("smtp down".into())));
    m.jobs.expect_claim().times(1).returning(|_, lease, token| {
        assert_eq!(lease, JOB_LEASE);
        assert_eq!(token, "claim-1");
        Ok(Some(claim(3)))
    });
    m.jobs
        .expect_retry()
        .withf(|c, at, err| {
            c.job.id == JobId::new("finalize-order-1")
                && *at == t0() + backoff(3, 0.0)
                && *at == t0() + Duration::seconds(4)
                && err.contains("smtp down")
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
    assert!(!shared.snapshot().customer_notified);
}

#[test]
fn the_job_is_buried_after_max_attempts() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Paid));
    shared.serve_get(&mut m.orders);
    admins(&mut m);
    m.mailer
        .expect_send()
        .returning(|_| Err(crate::mail::MailError::Transient("smtp down".into())));
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(MAX_ATTEMPTS))));
    m.jobs
        .expect_bury()
        .withf(|c, err| c.job.attempts == MAX_ATTEMPTS && err.contains("smtp down"))
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.5)), Ok(true));
}

#[test]
fn one_attempt_short_of_the_limit_still_retries() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Paid));
    shared.serve_get(&mut m.orders);
    admins(&mut m);
    m.mailer
        .expect_send()
        .returning(|_| Err(crate::mail::MailError::Transient("smtp down".into())));
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(MAX_ATTEMPTS - 1))));
    m.jobs
        .expect_retry()
        .withf(|_, at, _| *at == t0() + Duration::minutes(10) + Duration::minutes(5))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.5)), Ok(true));
}

#[test]
fn an_admin_mail_failure_does_not_resend_the_customer_mail() {
    let mut m = Mocks::default();
    let mut o = order(OrderStatus::Paid);
    o.customer_notified = true;
    let shared = SharedOrder::new(o);
    shared.serve_get(&mut m.orders);
    admins(&mut m);
    let sent = Arc::new(Mutex::new(Vec::new()));
    let s = sent.clone();
    m.mailer.expect_send().returning(move |msg: &MailMessage| {
        s.lock().unwrap().push(msg.to.to_string());
        if msg.to.as_str() == "admin2@example.com" {
            Err(crate::mail::MailError::Transient("mailbox full".into()))
        } else {
            Ok(())
        }
    });
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert!(block_on(svc.run(&OrderId::new("order-1"))).is_err());
    // No mark_admins_notified (it is not expected: the mock would fail).
    assert_eq!(
        *sent.lock().unwrap(),
        ["admin1@example.com", "admin2@example.com"]
    );
}

#[test]
fn no_due_job_means_no_work() {
    let mut m = Mocks::default();
    m.jobs.expect_claim().returning(|_, _, _| Ok(None));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(false));
}

#[test]
fn a_pending_order_waits_for_the_checkout_grace() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    shared.serve_get(&mut m.orders);
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(1))));
    m.jobs
        .expect_retry()
        .withf(|_, at, err| *at == t0() + CHECKOUT_GRACE && err == "waiting for the checkout")
        .times(1)
        .returning(|_, _, _| Ok(()));
    let clock = TestClock::at(t0() + Duration::seconds(30));
    let svc = FinalizationService::new(m.ports(clock), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
    assert_eq!(shared.snapshot().status, OrderStatus::PendingPayment);
}

#[test]
fn after_the_grace_the_job_authorizes_with_the_checkout_key_then_captures() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    order_store(&mut m, &shared);
    admins(&mut m);
    let sent = record_mail(&mut m);
    m.payments
        .expect_authorize()
        .withf(|r| {
            r.idempotency_key
                == crate::payment::idempotency_key(&OrderId::new("order-1"), "authorize")
                && r.amount.amount == rust_decimal::Decimal::new(1073, 2)
                && r.source_id == "cnon:card-nonce-ok"
                && r.reference_id == "SO-000042"
        })
        .times(1)
        .returning(|_| {
            Ok(PaymentRecord {
                payment_id: "pay-9".into(),
                status: PaymentStatus::Approved,
                delayed_until: None,
            })
        });
    m.payments
        .expect_complete()
        .withf(|id| id == "pay-9")
        .times(1)
        .returning(|_| Ok(completed()));
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(1))));
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    let clock = TestClock::at(t0() + CHECKOUT_GRACE);
    let svc = FinalizationService::new(m.ports(clock), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(o.payment.payment_id.as_deref(), Some("pay-9"));
    let statuses: Vec<_> = o.history.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [
            OrderStatus::PendingPayment,
            OrderStatus::Authorized,
            OrderStatus::Paid
        ]
    );
    assert_eq!(sent.lock().unwrap().len(), 3);
}

#[test]
fn after_the_grace_a_transient_authorization_is_retried() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    shared.serve_get(&mut m.orders);
    m.payments
        .expect_authorize()
        .returning(|_| Err(PaymentError::Transient("503".into())));
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(2))));
    let now = t0() + Duration::minutes(5);
    m.jobs
        .expect_retry()
        .withf(move |_, at, _| *at == now + Duration::seconds(2))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(now)), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn after_the_grace_a_declined_card_fails_the_order_and_ends_the_job() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    order_store(&mut m, &shared);
    m.payments.expect_authorize().returning(|_| {
        Err(PaymentError::Declined {
            code: "CVV_FAILURE".into(),
        })
    });
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(1))));
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    let svc = FinalizationService::new(
        m.ports(TestClock::at(t0() + Duration::hours(1))),
        settings(),
    );
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.failure_code.as_deref(), Some("CVV_FAILURE"));
}

#[test]
fn closed_orders_need_nothing() {
    for status in [OrderStatus::Canceled, OrderStatus::PaymentFailed] {
        let mut m = Mocks::default();
        let shared = SharedOrder::new(order(status));
        shared.serve_get(&mut m.orders);
        m.jobs
            .expect_claim()
            .returning(|_, _, _| Ok(Some(claim(1))));
        m.jobs.expect_complete().times(1).returning(|_| Ok(()));
        let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
        assert_eq!(
            block_on(svc.work_once("claim-1", 0.0)),
            Ok(true),
            "{status:?}"
        );
    }
}

#[test]
fn a_missing_order_is_an_error() {
    let mut m = Mocks::default();
    m.orders.expect_get().returning(|_| Ok(None));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.run(&OrderId::new("nope"))),
        Err(DomainError::NotFound("order"))
    );
}

#[test]
fn an_authorized_order_without_payment_id_is_an_internal_error() {
    let mut m = Mocks::default();
    let mut o = order(OrderStatus::Authorized);
    o.payment.payment_id = None;
    let shared = SharedOrder::new(o);
    shared.serve_get(&mut m.orders);
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert!(matches!(
        block_on(svc.run(&OrderId::new("order-1"))),
        Err(DomainError::Internal(_))
    ));
}
