//! The finalization workflow with injected port failures.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::executor::block_on;

use super::*;
use crate::account::Email;
use crate::account::Role;
use crate::ids::JobId;
use crate::jobs::{ClaimedJob, Job, backoff};
use crate::mail::{MailError, MailMessage, OutboxMail};
use crate::order::{OrderStatus, PaymentState};
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

/// A store that keeps one order and records its transitions and mails.
fn order_store(m: &mut Mocks, shared: &SharedOrder) {
    shared.serve_get(&mut m.orders);
    shared.serve_transition(&mut m.orders);
}

fn canceled() -> PaymentRecord {
    PaymentRecord {
        payment_id: "pay-1".into(),
        status: PaymentStatus::Canceled,
        delayed_until: None,
    }
}

fn run(svc: &FinalizationService) -> Result<StepOutcome, DomainError> {
    block_on(svc.run(&OrderId::new("order-1"), 0, 0.0))
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

fn recipients(mails: &[MailMessage]) -> Vec<String> {
    mails.iter().map(|m| m.to.to_string()).collect()
}

#[test]
fn authorized_order_is_captured_and_marked_paid_with_its_mails_in_one_step() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    admins(&mut m);
    m.payments
        .expect_complete()
        .withf(|id| id == "pay-1")
        .times(1)
        .returning(|_| Ok(completed()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());

    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(o.payment.status, PaymentState::Completed);
    assert_eq!(o.history.last().map(|h| h.by.clone()), Some(Actor::System));
    let mails = shared.mails();
    assert_eq!(
        recipients(&mails),
        [
            "ann@example.com",
            "admin1@example.com",
            "admin2@example.com"
        ]
    );
    assert!(mails[0].subject.contains("order SO-000042 confirmed"));
    assert!(mails[1].subject.starts_with("New order SO-000042"));

    // Running it again repeats nothing: no capture (times(1)), no mail.
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    assert_eq!(shared.mails().len(), 3);
}

#[test]
fn configured_recipients_replace_the_admin_list() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    m.accounts
        .expect_get()
        .returning(|id| Ok(Some(user(id.as_str(), "ann@example.com", Role::Customer))));
    m.payments.expect_complete().returning(|_| Ok(completed()));
    let settings = Arc::new(ShopSettings {
        admin_notify: vec![Email::trusted("orders@example.com")],
        ..(*settings()).clone()
    });
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings);
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    assert_eq!(
        recipients(&shared.mails()),
        ["ann@example.com", "orders@example.com"]
    );
}

#[test]
fn capture_transient_then_declined_voids_and_fails_the_order_mailing_customer_and_admins() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    admins(&mut m);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, change| {
            let effects = change.effects();
            change.from() == OrderStatus::Authorized
                && change.to() == OrderStatus::PaymentFailed
                && change.entry().note.as_deref()
                    == Some("capture declined: GENERIC_DECLINE (authorization voided)")
                && effects.stock.len() == 1
                && effects.stock[0].delta == 2
                && effects.release_quote
                && effects
                    .payment
                    .as_ref()
                    .map(|p| (p.failure_code.as_deref(), p.status))
                    == Some((Some("GENERIC_DECLINE"), PaymentState::Canceled))
        })
        .times(1)
        .returning(move |_, change| s.apply(change));
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
    // Funds may still be held: the authorization is voided first.
    m.payments
        .expect_cancel()
        .withf(|id| id == "pay-1")
        .times(1)
        .returning(|_| Ok(canceled()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());

    assert_eq!(
        run(&svc),
        Ok(StepOutcome::Retry {
            at: t0() + Duration::seconds(1),
            error: "timeout".into()
        })
    );
    assert_eq!(shared.snapshot().status, OrderStatus::Authorized);
    assert!(shared.mails().is_empty());
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    assert_eq!(shared.snapshot().status, OrderStatus::PaymentFailed);
    let mails = shared.mails();
    assert_eq!(
        recipients(&mails),
        [
            "ann@example.com",
            "admin1@example.com",
            "admin2@example.com"
        ]
    );
    assert!(
        mails[0]
            .subject
            .contains("payment for order SO-000042 failed")
    );
    assert!(mails[0].text.contains("nothing was charged"));
    assert!(mails[1].subject.contains("needs attention"));
}

#[test]
fn capture_rejected_voids_and_fails_the_payment_too() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    admins(&mut m);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Rejected("expired authorization".into())));
    m.payments
        .expect_cancel()
        .times(1)
        .returning(|_| Ok(canceled()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.failure_code.as_deref(), Some("CAPTURE_REJECTED"));
    assert_eq!(o.payment.status, PaymentState::Canceled);
    assert_eq!(shared.mails().len(), 3);
}

#[test]
fn a_void_refused_because_the_payment_was_captured_marks_the_order_paid() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    admins(&mut m);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Rejected("VERSION_MISMATCH".into())));
    m.payments
        .expect_cancel()
        .returning(|_| Err(PaymentError::Rejected("payment is COMPLETED".into())));
    m.payments.expect_status().returning(|_| Ok(completed()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(o.payment.status, PaymentState::Completed);
    assert!(
        o.history
            .last()
            .and_then(|h| h.note.as_deref())
            .is_some_and(|n| n.contains("had captured"))
    );
}

#[test]
fn square_out_of_reach_is_retried_until_the_deadline_then_voided_and_failed() {
    let deadline = t0() + Duration::days(7) - RetryPolicy::default().void_margin;
    // Long before the deadline: retried, however many failures came before.
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    m.orders
        .expect_raise_alert()
        .returning(|_, _, _, _| Ok(false));
    admins(&mut m);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Transient("503".into())));
    let now = t0() + Duration::days(3);
    let svc = FinalizationService::new(m.ports(TestClock::at(now)), settings());
    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"), 500, 0.0)),
        Ok(StepOutcome::Retry {
            at: now + Duration::minutes(10),
            error: "503".into()
        })
    );
    // Close to it: the retry is never later than the deadline.
    let mut m = Mocks::default();
    order_store(&mut m, &shared);
    m.orders
        .expect_raise_alert()
        .returning(|_, _, _, _| Ok(false));
    admins(&mut m);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Transient("503".into())));
    let now = deadline - Duration::minutes(1);
    let svc = FinalizationService::new(m.ports(TestClock::at(now)), settings());
    assert_eq!(
        block_on(svc.run(&OrderId::new("order-1"), 500, 0.0)),
        Ok(StepOutcome::Retry {
            at: deadline,
            error: "503".into()
        })
    );
    // At the deadline: no capture; voided, failed, customer and admins told.
    let mut m = Mocks::default();
    order_store(&mut m, &shared);
    admins(&mut m);
    m.payments
        .expect_cancel()
        .times(1)
        .returning(|_| Ok(canceled()));
    let svc = FinalizationService::new(m.ports(TestClock::at(deadline)), settings());
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.status, PaymentState::Canceled);
    assert_eq!(
        o.payment.failure_code.as_deref(),
        Some("AUTHORIZATION_DEADLINE")
    );
    assert_eq!(shared.mails().len(), 3);
}

#[test]
fn a_void_that_cannot_reach_square_is_retried_not_failed() {
    let deadline = t0() + Duration::days(7) - RetryPolicy::default().void_margin;
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.payments
        .expect_cancel()
        .returning(|_| Err(PaymentError::Transient("timeout".into())));
    let svc = FinalizationService::new(m.ports(TestClock::at(deadline)), settings());
    assert!(
        matches!(run(&svc), Ok(StepOutcome::Retry { at, .. }) if at == deadline + Duration::minutes(1))
    );
    assert_eq!(shared.snapshot().status, OrderStatus::Authorized);
}

#[test]
fn past_the_authorization_window_the_order_fails_without_a_void() {
    // Square voided it itself: nothing is held, nothing to cancel.
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    admins(&mut m);
    let svc =
        FinalizationService::new(m.ports(TestClock::at(t0() + Duration::days(8))), settings());
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert!(
        o.history
            .last()
            .and_then(|h| h.note.as_deref())
            .is_some_and(|n| n.contains("lapsed"))
    );
}

#[test]
fn admins_are_alerted_once_failures_reach_the_threshold() {
    for (failures_before, alerted) in [(8, false), (9, true), (30, true)] {
        let mut m = Mocks::default();
        let shared = SharedOrder::new(order(OrderStatus::Authorized));
        shared.serve_get(&mut m.orders);
        admins(&mut m);
        m.payments
            .expect_complete()
            .returning(|_| Err(PaymentError::Transient("503".into())));
        m.orders
            .expect_raise_alert()
            .withf(|id, alert, note, mails| {
                id.as_str() == "order-1"
                    && alert.reason.contains("503")
                    && note
                        .note
                        .as_deref()
                        .is_some_and(|n| n.starts_with("admins alerted"))
                    && mails.len() == 2
                    && mails.iter().all(|m| m.subject.contains("needs attention"))
            })
            .times(usize::from(alerted))
            .returning(|_, _, _, _| Ok(true));
        let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
        let outcome = block_on(svc.run(&OrderId::new("order-1"), failures_before, 0.0));
        assert!(
            matches!(outcome, Ok(StepOutcome::Retry { .. })),
            "{outcome:?}"
        );
    }
}

fn mail_claim(attempts: u32) -> ClaimedJob {
    let mut job = Job::deliver_mail("<m1@example.com>", t0());
    job.attempts = attempts;
    ClaimedJob {
        job,
        claim_token: "claim-1".into(),
    }
}

fn outbox_mail(sent: bool) -> OutboxMail {
    OutboxMail {
        message: MailMessage {
            message_id: "<m1@example.com>".into(),
            from: Email::trusted("shop@example.com"),
            to: Email::trusted("ann@example.com"),
            subject: "Hello".into(),
            text: "Hi".into(),
            html: "<p>Hi</p>".into(),
        },
        created_at: t0(),
        sent_at: sent.then(t0),
    }
}

#[test]
fn a_mail_job_sends_the_outbox_mail_marks_it_sent_and_completes() {
    let mut m = Mocks::default();
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(mail_claim(1))));
    m.outbox
        .expect_get()
        .withf(|id| id == "<m1@example.com>")
        .returning(|_| Ok(Some(outbox_mail(false))));
    m.mailer
        .expect_send()
        .withf(|msg| msg.message_id == "<m1@example.com>")
        .times(1)
        .returning(|_| Ok(()));
    m.outbox
        .expect_mark_sent()
        .withf(|id, at| id == "<m1@example.com>" && *at == t0())
        .times(1)
        .returning(|_, _| Ok(()));
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn a_mail_recorded_as_sent_is_not_sent_again() {
    let mut m = Mocks::default();
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(mail_claim(2))));
    m.outbox
        .expect_get()
        .returning(|_| Ok(Some(outbox_mail(true))));
    // No send and no mark_sent are expected: the strict mocks fail on either.
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn a_transient_mail_failure_is_retried_with_backoff_and_marks_nothing() {
    let mut m = Mocks::default();
    m.jobs.expect_claim().times(1).returning(|_, lease, token| {
        assert_eq!(lease, JOB_LEASE);
        assert_eq!(token, "claim-1");
        Ok(Some(mail_claim(3)))
    });
    m.outbox
        .expect_get()
        .returning(|_| Ok(Some(outbox_mail(false))));
    m.mailer
        .expect_send()
        .times(1)
        .returning(|_| Err(MailError::Transient("smtp down".into())));
    m.jobs
        .expect_retry()
        .withf(|c, at, err| {
            c.job.id == Job::deliver_mail_id("<m1@example.com>")
                && *at == t0() + backoff(3, 0.0)
                && *at == t0() + Duration::seconds(4)
                && err.contains("smtp down")
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn a_rejected_mail_is_buried_at_once() {
    let mut m = Mocks::default();
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(mail_claim(1))));
    m.outbox
        .expect_get()
        .returning(|_| Ok(Some(outbox_mail(false))));
    m.mailer
        .expect_send()
        .times(1)
        .returning(|_| Err(MailError::Rejected("550 no such user".into())));
    m.jobs
        .expect_bury()
        .withf(|c, err| c.job.attempts == 1 && err.contains("550 no such user"))
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn a_mail_past_its_quick_retries_is_retried_hourly() {
    let mut m = Mocks::default();
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(mail_claim(MAX_ATTEMPTS + 40))));
    m.outbox
        .expect_get()
        .returning(|_| Ok(Some(outbox_mail(false))));
    m.mailer
        .expect_send()
        .returning(|_| Err(MailError::Transient("smtp down".into())));
    let now = t0() + Duration::days(2);
    m.jobs
        .expect_retry()
        .withf(move |_, at, err| *at == now + Duration::hours(1) && err.contains("smtp down"))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(now)), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.5)), Ok(true));
}

#[test]
fn a_mail_is_buried_once_it_is_too_old_to_send() {
    let mut m = Mocks::default();
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(mail_claim(MAX_ATTEMPTS + 200))));
    m.outbox
        .expect_get()
        .returning(|_| Ok(Some(outbox_mail(false))));
    m.mailer
        .expect_send()
        .returning(|_| Err(MailError::Transient("smtp down".into())));
    m.jobs
        .expect_bury()
        .withf(|_, err| err.contains("smtp down"))
        .times(1)
        .returning(|_, _| Ok(()));
    let now = t0() + RetryPolicy::default().mail_give_up_after;
    let svc = FinalizationService::new(m.ports(TestClock::at(now)), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.5)), Ok(true));
}

/// An authorized order without its payment id: a failure no retry of the
/// provider mends.
fn broken_order() -> SharedOrder {
    let mut o = order(OrderStatus::Authorized);
    o.payment.payment_id = None;
    SharedOrder::new(o)
}

#[test]
fn a_finalization_failing_for_another_reason_is_buried_after_max_attempts_and_alerted() {
    let mut m = Mocks::default();
    broken_order().serve_get(&mut m.orders);
    admins(&mut m);
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(MAX_ATTEMPTS))));
    m.jobs
        .expect_bury()
        .withf(|c, err| c.job.id == JobId::new("finalize-order-1") && err.contains("payment id"))
        .times(1)
        .returning(|_, _| Ok(()));
    m.orders
        .expect_raise_alert()
        .withf(|id, alert, note, mails| {
            id.as_str() == "order-1"
                && alert
                    .reason
                    .contains("finalization stopped after 12 attempts")
                && note.status == OrderStatus::Authorized
                && note.by == Actor::System
                && mails.len() == 2
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.5)), Ok(true));
}

#[test]
fn one_attempt_short_of_the_limit_still_retries() {
    let mut m = Mocks::default();
    broken_order().serve_get(&mut m.orders);
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
fn a_capture_square_cannot_take_yet_is_never_buried() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.orders
        .expect_raise_alert()
        .returning(|_, _, _, _| Ok(false));
    admins(&mut m);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Transient("square 503".into())));
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(claim(MAX_ATTEMPTS * 10))));
    m.jobs
        .expect_retry()
        .withf(|_, at, err| *at == t0() + Duration::minutes(10) && err.contains("square 503"))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[derive(Default)]
struct RecordingProbe(Mutex<Vec<(StepPoint, String)>>);

impl StepProbe for RecordingProbe {
    fn reached(&self, point: StepPoint, entity: &str) {
        self.0.lock().unwrap().push((point, entity.to_string()));
    }
}

#[test]
fn the_probe_sees_every_step_boundary_in_order() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    order_store(&mut m, &shared);
    admins(&mut m);
    m.payments.expect_complete().returning(|_| Ok(completed()));
    m.outbox
        .expect_get()
        .returning(|_| Ok(Some(outbox_mail(false))));
    m.mailer.expect_send().returning(|_| Ok(()));
    m.outbox.expect_mark_sent().returning(|_, _| Ok(()));
    let probe = Arc::new(RecordingProbe::default());
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings())
        .with_probe(probe.clone());
    run(&svc).unwrap();
    block_on(svc.deliver("<m1@example.com>")).unwrap();
    let seen = probe.0.lock().unwrap().clone();
    let points: Vec<_> = seen.iter().map(|(p, _)| *p).collect();
    assert_eq!(points, StepPoint::ALL);
    assert_eq!(seen[0].1, "order-1");
    assert_eq!(seen[5].1, "<m1@example.com>");
    for p in StepPoint::ALL {
        assert_eq!(StepPoint::parse(p.as_str()), Some(p));
    }
}

#[test]
fn no_due_job_means_no_work() {
    let mut m = Mocks::default();
    m.jobs.expect_claim().returning(|_, _, _| Ok(None));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(false));
}

#[test]
fn after_the_grace_the_job_authorizes_with_the_checkout_key_then_captures() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    order_store(&mut m, &shared);
    admins(&mut m);
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
    assert_eq!(shared.mails().len(), 3);
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
    admins(&mut m);
    let svc = FinalizationService::new(
        m.ports(TestClock::at(t0() + Duration::hours(1))),
        settings(),
    );
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.failure_code.as_deref(), Some("CVV_FAILURE"));
    // The checkout did not answer with the decline: the customer is mailed.
    assert_eq!(recipients(&shared.mails()), ["ann@example.com"]);
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
        block_on(svc.run(&OrderId::new("nope"), 0, 0.0)),
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
    assert!(matches!(run(&svc), Err(DomainError::Internal(_))));
}

#[test]
fn a_replayed_authorization_already_voided_at_square_fails_the_order_without_authorizing_it() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    shared.serve_get(&mut m.orders);
    admins(&mut m);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, change| {
            change.from() == OrderStatus::PendingPayment
                && change.to() == OrderStatus::PaymentFailed
                && change.effects().payment.as_ref().map(|p| p.status)
                    == Some(PaymentState::Canceled)
                && change.effects().stock.len() == 1
        })
        .times(1)
        .returning(move |_, change| s.apply(change));
    m.payments.expect_authorize().returning(|_| {
        Ok(PaymentRecord {
            payment_id: "pay-lapsed".into(),
            status: PaymentStatus::Canceled,
            delayed_until: None,
        })
    });
    let svc =
        FinalizationService::new(m.ports(TestClock::at(t0() + Duration::days(8))), settings());
    assert_eq!(run(&svc), Ok(StepOutcome::Done));
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.payment_id.as_deref(), Some("pay-lapsed"));
    assert_eq!(o.payment.failure_code.as_deref(), Some("PAYMENT_CANCELED"));
    assert_eq!(recipients(&shared.mails()), ["ann@example.com"]);
}
