//! The hand-off to an external workflow engine and the steps it calls.

use chrono::Duration;
use futures::executor::block_on;

use super::*;
use crate::account::Role;
use crate::jobs::{ClaimedJob, Job, MockWorkflowLauncher};
use crate::payment::{PaymentRecord, PaymentStatus};
use crate::test_support::{Mocks, SharedOrder, TestClock, order, settings, t0, user};

fn claim(kind: JobKind) -> ClaimedJob {
    let mut job = match kind {
        JobKind::FinalizeOrder(id) => Job::finalize_order(&id, t0()),
        JobKind::DeliverMail(id) => Job::deliver_mail(&id, t0()),
    };
    job.attempts = 1;
    ClaimedJob {
        job,
        claim_token: "claim-1".into(),
    }
}

fn finalize_claim() -> ClaimedJob {
    claim(JobKind::FinalizeOrder(OrderId::new("order-1")))
}

fn customer(m: &mut Mocks) {
    m.accounts
        .expect_get()
        .returning(|id| Ok(Some(user(id.as_str(), "ann@example.com", Role::Customer))));
}

fn store(m: &mut Mocks, shared: &SharedOrder) {
    shared.serve_get(&mut m.orders);
    shared.serve_transition(&mut m.orders);
}

fn no_admins(m: &mut Mocks) {
    m.accounts
        .expect_list_active_admins()
        .returning(|| Ok(Vec::new()));
}

fn done(status: OrderStatus) -> StepReport {
    StepReport {
        status,
        retry_at: None,
        failures: 0,
    }
}

fn canceled() -> PaymentRecord {
    PaymentRecord {
        payment_id: "pay-1".into(),
        status: PaymentStatus::Canceled,
        delayed_until: None,
    }
}

#[test]
fn with_a_launcher_a_finalize_job_is_handed_off_and_completed() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(finalize_claim())));
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    // No capture here: the payments mock expects no call.
    let mut launcher = MockWorkflowLauncher::new();
    launcher
        .expect_start_finalization()
        .withf(|id, generation| id.as_str() == "order-1" && *generation == 0)
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings())
        .with_launcher(Arc::new(launcher));
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
    assert_eq!(shared.snapshot().status, OrderStatus::Authorized);
}

#[test]
fn a_failed_hand_off_is_retried_with_backoff() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(finalize_claim())));
    m.jobs
        .expect_retry()
        .withf(|_, at, error| *at == t0() + Duration::seconds(1) && error.contains("throttled"))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mut launcher = MockWorkflowLauncher::new();
    launcher
        .expect_start_finalization()
        .returning(|_, _| Err(DomainError::Internal("throttled".into())));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings())
        .with_launcher(Arc::new(launcher));
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn a_closed_order_is_not_handed_off() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Paid));
    shared.serve_get(&mut m.orders);
    m.jobs
        .expect_claim()
        .returning(|_, _, _| Ok(Some(finalize_claim())));
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    let launcher = MockWorkflowLauncher::new();
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings())
        .with_launcher(Arc::new(launcher));
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn a_requeued_job_hands_off_its_generation() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.jobs.expect_claim().returning(|_, _, _| {
        let mut c = finalize_claim();
        c.job.generation = 3;
        Ok(Some(c))
    });
    m.jobs.expect_complete().times(1).returning(|_| Ok(()));
    let mut launcher = MockWorkflowLauncher::new();
    launcher
        .expect_start_finalization()
        .withf(|_, generation| *generation == 3)
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings())
        .with_launcher(Arc::new(launcher));
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn with_a_launcher_mail_jobs_still_run_here() {
    let mut m = Mocks::default();
    let message_id = "<m-1@shop.test>".to_string();
    let id = message_id.clone();
    m.jobs
        .expect_claim()
        .returning(move |_, _, _| Ok(Some(claim(JobKind::DeliverMail(id.clone())))));
    m.outbox.expect_get().returning(|_| Ok(None));
    m.jobs.expect_bury().never();
    m.jobs.expect_retry().times(1).returning(|_, _, _| Ok(()));
    let launcher = MockWorkflowLauncher::new();
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings())
        .with_launcher(Arc::new(launcher));
    // The outbox was asked (and had nothing): the job ran in this process.
    assert_eq!(block_on(svc.work_once("claim-1", 0.0)), Ok(true));
}

#[test]
fn finalize_step_captures_and_reports_paid() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    store(&mut m, &shared);
    customer(&mut m);
    m.accounts
        .expect_list_active_admins()
        .returning(|| Ok(Vec::new()));
    m.payments.expect_complete().times(1).returning(|_| {
        Ok(PaymentRecord {
            payment_id: "pay-1".into(),
            status: PaymentStatus::Completed,
            delayed_until: None,
        })
    });
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    let report = block_on(svc.finalize_step(&OrderId::new("order-1"), 0, 0.0));
    assert_eq!(report, Ok(done(OrderStatus::Paid)));
    // Again: nothing captured twice, the same report.
    assert_eq!(
        block_on(svc.finalize_step(&OrderId::new("order-1"), 0, 0.0)),
        report
    );
}

#[test]
fn finalize_step_reports_a_declined_capture_as_payment_failed() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    store(&mut m, &shared);
    customer(&mut m);
    no_admins(&mut m);
    m.payments.expect_complete().returning(|_| {
        Err(PaymentError::Declined {
            code: "GENERIC_DECLINE".into(),
        })
    });
    m.payments
        .expect_cancel()
        .times(1)
        .returning(|_| Ok(canceled()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.finalize_step(&OrderId::new("order-1"), 0, 0.0)),
        Ok(done(OrderStatus::PaymentFailed))
    );
    assert_eq!(shared.mails().len(), 1);
}

#[test]
fn finalize_step_asks_to_run_again_while_square_is_out_of_reach() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.payments
        .expect_complete()
        .returning(|_| Err(PaymentError::Transient("503".into())));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.finalize_step(&OrderId::new("order-1"), 2, 0.0)),
        Ok(StepReport {
            status: OrderStatus::Authorized,
            retry_at: Some(t0() + Duration::seconds(4)),
            failures: 3,
        })
    );
}

#[test]
fn fail_step_voids_the_authorization_and_fails_the_order_with_the_customer_mail() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    store(&mut m, &shared);
    customer(&mut m);
    m.payments
        .expect_cancel()
        .withf(|id| id == "pay-1")
        .times(1)
        .returning(|_| Ok(canceled()));
    no_admins(&mut m);
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.fail_step(&OrderId::new("order-1"), "States.Timeout")),
        Ok(done(OrderStatus::PaymentFailed))
    );
    let o = shared.snapshot();
    assert_eq!(
        o.payment.failure_code.as_deref(),
        Some("FINALIZATION_FAILED")
    );
    assert_eq!(
        o.history.last().and_then(|h| h.note.clone()).as_deref(),
        Some("finalization failed: States.Timeout (authorization voided)")
    );
    let mails = shared.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to.to_string(), "ann@example.com");

    // A second Catch (a redriven execution) changes nothing.
    assert_eq!(
        block_on(svc.fail_step(&OrderId::new("order-1"), "again")),
        Ok(done(OrderStatus::PaymentFailed))
    );
    assert_eq!(shared.mails().len(), 1);
}

#[test]
fn fail_step_on_a_pending_order_voids_by_the_checkout_key_and_tells_the_customer() {
    // The checkout answered "pending" (or never answered): only a mail
    // tells the customer how it ended.
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    store(&mut m, &shared);
    customer(&mut m);
    no_admins(&mut m);
    m.payments
        .expect_cancel_by_idempotency_key()
        .times(1)
        .returning(|_| Ok(()));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.fail_step(&OrderId::new("order-1"), "boom")),
        Ok(done(OrderStatus::PaymentFailed))
    );
    assert_eq!(shared.mails().len(), 1);
    assert_eq!(
        shared.snapshot().payment.status,
        crate::order::PaymentState::Canceled
    );
}

#[test]
fn fail_step_leaves_an_order_whose_authorization_cannot_be_voided_alerted() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    no_admins(&mut m);
    m.orders.expect_transition().never();
    m.orders
        .expect_raise_alert()
        .withf(|_, alert, _, _| alert.reason.contains("could not be voided: NOT_ALLOWED"))
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.payments
        .expect_cancel()
        .returning(|_| Err(PaymentError::Rejected("NOT_ALLOWED".into())));
    // Still held at Square: neither voided nor captured.
    m.payments.expect_status().returning(|id| {
        Ok(PaymentRecord {
            payment_id: id.into(),
            status: PaymentStatus::Approved,
            delayed_until: None,
        })
    });
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert!(matches!(
        block_on(svc.fail_step(&OrderId::new("order-1"), "boom")),
        Err(DomainError::InvalidState(_))
    ));
}

#[test]
fn fail_step_is_retryable_when_square_is_unavailable() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    m.payments
        .expect_cancel()
        .returning(|_| Err(PaymentError::Transient("timeout".into())));
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.fail_step(&OrderId::new("order-1"), "boom")),
        Err(DomainError::PaymentUnavailable("timeout".into()))
    );
}

#[test]
fn fail_step_leaves_a_paid_order_alone() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Paid));
    shared.serve_get(&mut m.orders);
    let svc = FinalizationService::new(m.ports(TestClock::at(t0())), settings());
    assert_eq!(
        block_on(svc.fail_step(&OrderId::new("order-1"), "boom")),
        Ok(done(OrderStatus::Paid))
    );
}
