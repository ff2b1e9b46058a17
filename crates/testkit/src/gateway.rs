//! The conformance suite of the [`PaymentGateway`] port, for any gateway on
//! a provider with Square's sandbox semantics (the sandbox nonces, a 7-day
//! authorization window). Each case takes a FRESH [`GatewayHarness`] and
//! panics when the gateway breaks the contract:
//!
//! ```ignore
//! async fn fresh() -> MyHarness { /* a new provider, its clock, a gateway on it */ }
//! shop_testkit::gateway_conformance_tests!(fresh);
//! ```
//!
//! (the calling crate needs `tokio` with `macros` and `rt-multi-thread`),
//! or [`gateway_suite`] runs them all as one test.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use shop_domain::account::Email;
use shop_domain::money::{Currency, Money};
use shop_domain::payment::{
    AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord, PaymentStatus,
};

/// A gateway on a provider of its own, and the provider's clock.
pub trait GatewayHarness: Send + Sync {
    /// The gateway under test; its provider held no payment when the
    /// harness was made.
    fn gateway(&self) -> &dyn PaymentGateway;
    /// The provider's time now.
    fn now(&self) -> DateTime<Utc>;
    /// Moves the provider's clock forward by `by`.
    fn advance(&self, by: Duration) -> impl Future<Output = ()> + Send;
}

/// The nonce Square's sandbox approves.
pub const NONCE_OK: &str = "cnon:card-nonce-ok";

/// Square's sandbox nonces that decline, with the code each declines with.
pub const DECLINING_NONCES: [(&str, &str); 5] = [
    ("cnon:card-nonce-declined", "GENERIC_DECLINE"),
    ("cnon:card-nonce-rejected-cvv", "CVV_FAILURE"),
    (
        "cnon:card-nonce-rejected-postalcode",
        "ADDRESS_VERIFICATION_FAILURE",
    ),
    ("cnon:card-nonce-rejected-expiration", "INVALID_EXPIRATION"),
    ("cnon:card-nonce-already-used", "CARD_TOKEN_USED"),
];

const WINDOW: Duration = Duration::days(7);

crate::__for_each_gateway_case!(@runner);

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::usd())
}

/// An authorization of `cents` USD under `key`.
pub fn authorization(key: &str, source: &str, cents: i64) -> AuthorizeRequest {
    AuthorizeRequest {
        idempotency_key: key.into(),
        amount: usd(cents),
        source_id: source.into(),
        reference_id: "SO-000001".into(),
        buyer_email: Email::parse("buyer@example.test").expect("a valid e-mail"),
    }
}

async fn approved(gateway: &dyn PaymentGateway, key: &str, cents: i64) -> PaymentRecord {
    let record = gateway
        .authorize(&authorization(key, NONCE_OK, cents))
        .await
        .unwrap_or_else(|e| panic!("authorize {key}: {e:?}"));
    assert_eq!(record.status, PaymentStatus::Approved, "authorize {key}");
    record
}

async fn completed(gateway: &dyn PaymentGateway, key: &str, cents: i64) -> PaymentRecord {
    let record = approved(gateway, key, cents).await;
    let done = gateway
        .complete(&record.payment_id)
        .await
        .unwrap_or_else(|e| panic!("complete {key}: {e:?}"));
    assert_eq!(done.status, PaymentStatus::Completed, "complete {key}");
    done
}

async fn status_of(gateway: &dyn PaymentGateway, payment_id: &str) -> PaymentStatus {
    let record = gateway
        .status(payment_id)
        .await
        .unwrap_or_else(|e| panic!("status {payment_id}: {e:?}"));
    assert_eq!(
        record.payment_id, payment_id,
        "status answers another payment"
    );
    record.status
}

#[track_caller]
fn assert_rejected<T: std::fmt::Debug>(result: Result<T, PaymentError>, what: &str) {
    assert!(
        matches!(result, Err(PaymentError::Rejected(_))),
        "{what}: expected Rejected, got {result:?}"
    );
}

/// Authorizing approves, for Square's 7 days.
pub async fn authorize_approves_for_seven_days(h: impl GatewayHarness) {
    let g = h.gateway();
    let asked_at = h.now();
    let record = approved(g, "a-1:authorize", 1250).await;
    let until = record
        .delayed_until
        .expect("an approved payment says until when");
    let expected = asked_at + WINDOW;
    assert!(
        until >= expected - Duration::minutes(1) && until <= expected + Duration::minutes(1),
        "delayed_until {until} is not about 7 days after {asked_at}"
    );
    assert_eq!(
        status_of(g, &record.payment_id).await,
        PaymentStatus::Approved
    );
}

/// The same key and request answer the same payment, as it stands now.
pub async fn a_replay_answers_the_same_payment(h: impl GatewayHarness) {
    let g = h.gateway();
    let request = authorization("a-2:authorize", NONCE_OK, 1000);
    let first = g.authorize(&request).await.expect("first authorize");
    let again = g.authorize(&request).await.expect("replayed authorize");
    assert_eq!(
        again.payment_id, first.payment_id,
        "a replay made a second payment"
    );
    assert_eq!(again.status, PaymentStatus::Approved);
    g.complete(&first.payment_id).await.expect("complete");
    let later = g.authorize(&request).await.expect("later replay");
    assert_eq!(later.payment_id, first.payment_id);
    assert_eq!(
        later.status,
        PaymentStatus::Completed,
        "a replay shows the payment as it is now"
    );
}

/// The same key with another amount is refused, and makes nothing.
pub async fn a_reused_key_with_another_amount_is_rejected(h: impl GatewayHarness) {
    let g = h.gateway();
    let first = approved(g, "a-3:authorize", 1000).await;
    assert_rejected(
        g.authorize(&authorization("a-3:authorize", NONCE_OK, 1001))
            .await,
        "same key, other amount",
    );
    let again = approved(g, "a-3:authorize", 1000).await;
    assert_eq!(again.payment_id, first.payment_id);
}

/// Each sandbox decline nonce declines with its code, and so does its replay.
pub async fn declining_nonces_decline_with_their_codes(h: impl GatewayHarness) {
    let g = h.gateway();
    for (i, (nonce, code)) in DECLINING_NONCES.iter().enumerate() {
        let request = authorization(&format!("d-{i}:authorize"), nonce, 500);
        let expected = Err(PaymentError::Declined {
            code: (*code).to_string(),
        });
        assert_eq!(g.authorize(&request).await, expected, "{nonce}");
        assert_eq!(g.authorize(&request).await, expected, "{nonce} replayed");
    }
}

/// A source the sandbox does not know is refused, not declined.
pub async fn an_unknown_nonce_is_rejected(h: impl GatewayHarness) {
    assert_rejected(
        h.gateway()
            .authorize(&authorization("u:authorize", "cnon:made-up", 500))
            .await,
        "unknown nonce",
    );
}

/// Completing captures; completing again answers the completed payment.
pub async fn complete_is_idempotent(h: impl GatewayHarness) {
    let g = h.gateway();
    let done = completed(g, "c-1:authorize", 1000).await;
    let again = g.complete(&done.payment_id).await.expect("complete again");
    assert_eq!(again.status, PaymentStatus::Completed);
    assert_eq!(
        status_of(g, &done.payment_id).await,
        PaymentStatus::Completed
    );
}

/// Canceling voids; canceling again answers the canceled payment.
pub async fn cancel_is_idempotent(h: impl GatewayHarness) {
    let g = h.gateway();
    let made = approved(g, "c-2:authorize", 1000).await;
    let voided = g.cancel(&made.payment_id).await.expect("cancel");
    assert_eq!(voided.status, PaymentStatus::Canceled);
    let again = g.cancel(&made.payment_id).await.expect("cancel again");
    assert_eq!(again.status, PaymentStatus::Canceled);
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Canceled
    );
}

/// Money taken is not voided.
pub async fn a_completed_payment_cannot_be_canceled(h: impl GatewayHarness) {
    let g = h.gateway();
    let done = completed(g, "c-3:authorize", 1000).await;
    assert_rejected(
        g.cancel(&done.payment_id).await,
        "cancel a completed payment",
    );
    assert_eq!(
        status_of(g, &done.payment_id).await,
        PaymentStatus::Completed
    );
}

/// A voided authorization is not captured.
pub async fn a_canceled_payment_cannot_be_completed(h: impl GatewayHarness) {
    let g = h.gateway();
    let made = approved(g, "c-4:authorize", 1000).await;
    g.cancel(&made.payment_id).await.expect("cancel");
    assert_rejected(
        g.complete(&made.payment_id).await,
        "complete a canceled payment",
    );
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Canceled
    );
}

/// Voiding by a key nothing was made with succeeds.
pub async fn cancel_by_key_without_a_payment_is_ok(h: impl GatewayHarness) {
    h.gateway()
        .cancel_by_idempotency_key("never-used:authorize")
        .await
        .expect("cancel by an unused key");
}

/// Voiding by key cancels the approved payment the key made.
pub async fn cancel_by_key_voids_the_approved_payment(h: impl GatewayHarness) {
    let g = h.gateway();
    let made = approved(g, "k-1:authorize", 900).await;
    g.cancel_by_idempotency_key("k-1:authorize")
        .await
        .expect("cancel by key");
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Canceled
    );
    g.cancel_by_idempotency_key("k-1:authorize")
        .await
        .expect("cancel by key again");
}

/// A refund under a key happens once: its replay takes nothing more.
pub async fn a_refund_replays_by_key(h: impl GatewayHarness) {
    let g = h.gateway();
    let done = completed(g, "r-1:authorize", 1000).await;
    let id = &done.payment_id;
    g.refund(id, &usd(400), "r-1:refund").await.expect("refund");
    g.refund(id, &usd(400), "r-1:refund")
        .await
        .expect("refund replayed");
    // Had the replay refunded again, only 200 would be left.
    g.refund(id, &usd(600), "r-1:refund-2")
        .await
        .expect("refund the rest");
    assert_rejected(
        g.refund(id, &usd(1), "r-1:refund-3").await,
        "refund past the amount",
    );
    assert_eq!(status_of(g, id).await, PaymentStatus::Completed);
}

/// Not more than was paid.
pub async fn a_refund_over_the_amount_is_rejected(h: impl GatewayHarness) {
    let g = h.gateway();
    let done = completed(g, "r-2:authorize", 1000).await;
    assert_rejected(
        g.refund(&done.payment_id, &usd(1001), "r-2:refund").await,
        "refund over the amount",
    );
    g.refund(&done.payment_id, &usd(1000), "r-2:refund-all")
        .await
        .expect("refund the whole amount");
}

/// Nothing was taken from an authorization yet: nothing to refund.
pub async fn an_uncaptured_payment_cannot_be_refunded(h: impl GatewayHarness) {
    let g = h.gateway();
    let made = approved(g, "r-3:authorize", 1000).await;
    assert_rejected(
        g.refund(&made.payment_id, &usd(100), "r-3:refund").await,
        "refund an approved payment",
    );
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Approved
    );
}

/// `status` follows every change, and knows no other payment.
pub async fn status_reflects_each_change(h: impl GatewayHarness) {
    let g = h.gateway();
    let kept = approved(g, "s-1:authorize", 700).await;
    let voided = approved(g, "s-2:authorize", 800).await;
    assert_eq!(
        status_of(g, &kept.payment_id).await,
        PaymentStatus::Approved
    );
    g.complete(&kept.payment_id).await.expect("complete");
    g.cancel(&voided.payment_id).await.expect("cancel");
    assert_eq!(
        status_of(g, &kept.payment_id).await,
        PaymentStatus::Completed
    );
    assert_eq!(
        status_of(g, &voided.payment_id).await,
        PaymentStatus::Canceled
    );
    g.refund(&kept.payment_id, &usd(700), "s-1:refund")
        .await
        .expect("refund");
    assert_eq!(
        status_of(g, &kept.payment_id).await,
        PaymentStatus::Completed
    );
    assert_rejected(
        g.status("no-such-payment").await,
        "status of an unknown payment",
    );
}

/// Past its window an authorization is voided and cannot be captured.
pub async fn an_authorization_lapses_after_seven_days(h: impl GatewayHarness) {
    let g = h.gateway();
    let made = approved(g, "e-1:authorize", 500).await;
    h.advance(WINDOW - Duration::minutes(1)).await;
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Approved,
        "voided before its window ended"
    );
    h.advance(Duration::minutes(1) + Duration::seconds(1)).await;
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Canceled
    );
    assert_rejected(
        g.complete(&made.payment_id).await,
        "complete a lapsed authorization",
    );
    assert_eq!(
        status_of(g, &made.payment_id).await,
        PaymentStatus::Canceled
    );
}
