//! The gateway suite fails on gateways that break the port's contract: each
//! wraps `SimulatedSquare` and breaks one thing, and the case that should
//! notice passes on the unbroken simulator.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use shop_domain::Clock as _;
use shop_domain::money::Money;
use shop_domain::payment::{
    AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord, PaymentStatus,
};
use shop_memory::ManualClock;
use shop_square_sandbox::SimulatedSquare;
use shop_testkit::gateway::{self, GatewayHarness};

use super::fails;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    None,
    /// Makes every key unique, as a key built with the time would be.
    FreshKeyEachCall,
    /// Refuses to complete a completed payment.
    StrictComplete,
    /// Turns declines into rejections.
    DeclinesRejected,
    /// Answers every status as APPROVED.
    StaleStatus,
    /// Refunds under a fresh key each time.
    RefundKeyIgnored,
}

struct Broken {
    inner: SimulatedSquare,
    bug: Bug,
    calls: AtomicUsize,
}

impl Broken {
    fn fresh_key(&self, key: &str) -> String {
        format!("{key}-{}", self.calls.fetch_add(1, Ordering::SeqCst))
    }
}

#[async_trait]
impl PaymentGateway for Broken {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError> {
        let mut request = request.clone();
        if self.bug == Bug::FreshKeyEachCall {
            request.idempotency_key = self.fresh_key(&request.idempotency_key);
        }
        match self.inner.authorize(&request).await {
            Err(PaymentError::Declined { code }) if self.bug == Bug::DeclinesRejected => {
                Err(PaymentError::Rejected(code))
            }
            other => other,
        }
    }
    async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        if self.bug == Bug::StrictComplete
            && self.inner.status(payment_id).await?.status == PaymentStatus::Completed
        {
            return Err(PaymentError::Rejected(
                "BAD_REQUEST: already completed".into(),
            ));
        }
        self.inner.complete(payment_id).await
    }
    async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        self.inner.cancel(payment_id).await
    }
    async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError> {
        self.inner.cancel_by_idempotency_key(idempotency_key).await
    }
    async fn refund(
        &self,
        payment_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let key = match self.bug {
            Bug::RefundKeyIgnored => self.fresh_key(idempotency_key),
            _ => idempotency_key.to_string(),
        };
        self.inner.refund(payment_id, amount, &key).await
    }
    async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let mut record = self.inner.status(payment_id).await?;
        if self.bug == Bug::StaleStatus {
            record.status = PaymentStatus::Approved;
        }
        Ok(record)
    }
}

struct BrokenHarness {
    clock: Arc<ManualClock>,
    gateway: Broken,
}

impl GatewayHarness for BrokenHarness {
    fn gateway(&self) -> &dyn PaymentGateway {
        &self.gateway
    }
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
    async fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

fn harness(bug: Bug) -> BrokenHarness {
    let clock = Arc::new(ManualClock::new(shop_testkit::fixtures::t0()));
    BrokenHarness {
        gateway: Broken {
            inner: SimulatedSquare::new(clock.clone()),
            bug,
            calls: AtomicUsize::new(0),
        },
        clock,
    }
}

/// The case passes without the bug and fails with it.
async fn caught<F, Fut>(bug: Bug, case: F)
where
    F: Fn(BrokenHarness) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    assert!(
        !fails(case(harness(Bug::None))).await,
        "fails without {bug:?}"
    );
    assert!(fails(case(harness(bug))).await, "{bug:?} went unnoticed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_changes_between_retries_is_caught() {
    caught(
        Bug::FreshKeyEachCall,
        gateway::a_replay_answers_the_same_payment,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_that_is_not_idempotent_is_caught() {
    caught(Bug::StrictComplete, gateway::complete_is_idempotent).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declines_reported_as_rejections_are_caught() {
    caught(
        Bug::DeclinesRejected,
        gateway::declining_nonces_decline_with_their_codes,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_that_does_not_follow_changes_is_caught() {
    caught(Bug::StaleStatus, gateway::status_reflects_each_change).await;
    caught(
        Bug::StaleStatus,
        gateway::an_authorization_lapses_after_seven_days,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_replayed_as_a_new_refund_is_caught() {
    caught(Bug::RefundKeyIgnored, gateway::a_refund_replays_by_key).await;
}
