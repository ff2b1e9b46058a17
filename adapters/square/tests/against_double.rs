//! `SquareGateway` against the Square test double over real HTTP: the
//! `PaymentGateway` conformance suite, each call's request, each documented
//! decline, and retries after a 500 and after a lost answer leave exactly
//! one payment and at most one completion per order.

// Test helpers outside #[test] fns fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use shop_domain::account::Email;
use shop_domain::money::{Currency, Money};
use shop_domain::payment::{AuthorizeRequest, PaymentError, PaymentGateway, PaymentStatus};
use shop_square::{AccessToken, SQUARE_VERSION, SquareConfig, SquareGateway};
use shop_square_double::openapi::{spec, violations};
use shop_square_double::{DECLINING_NONCES, DoubleConfig, NONCE_OK, SquareDouble};
use shop_testkit::gateway::GatewayHarness;

const TOKEN: &str = "EAAA-test-token";
const LOCATION: &str = "L-TEST";

async fn setup() -> (SquareDouble, SquareGateway) {
    let double = SquareDouble::start_with(
        DoubleConfig {
            access_token: Some(TOKEN.into()),
            ..DoubleConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let mut config = SquareConfig::new(double.base_url(), AccessToken::new(TOKEN), LOCATION);
    config.request_timeout = Duration::from_secs(5);
    (double.clone(), SquareGateway::new(config).unwrap())
}

/// A fresh double and the gateway on it; the suite moves the double's clock.
struct DoubleHarness {
    double: SquareDouble,
    gateway: SquareGateway,
}

impl GatewayHarness for DoubleHarness {
    fn gateway(&self) -> &dyn PaymentGateway {
        &self.gateway
    }

    fn now(&self) -> DateTime<Utc> {
        self.double.now()
    }

    async fn advance(&self, by: chrono::Duration) {
        self.double.advance_clock(by);
    }
}

async fn fresh_harness() -> DoubleHarness {
    let (double, gateway) = setup().await;
    DoubleHarness { double, gateway }
}

shop_testkit::gateway_conformance_tests!(fresh_harness);

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::usd())
}

fn request(key: &str, source: &str, cents: i64) -> AuthorizeRequest {
    AuthorizeRequest {
        idempotency_key: key.into(),
        amount: usd(cents),
        source_id: source.into(),
        reference_id: "SO-000042".into(),
        buyer_email: Email::parse("buyer@example.test").unwrap(),
    }
}

#[tokio::test]
async fn authorize_sends_squares_create_payment_and_maps_the_answer() {
    let (double, square) = setup().await;
    let record = square
        .authorize(&request("o-1:authorize", NONCE_OK, 1250))
        .await
        .unwrap();
    assert_eq!(record.status, PaymentStatus::Approved);
    assert!(record.delayed_until.is_some());

    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1);
    let payment = &ledger.payments[0];
    assert_eq!(payment.id, record.payment_id);
    assert_eq!(payment.amount, 1250);
    assert_eq!(payment.currency, "USD");
    assert_eq!(payment.idempotency_key, "o-1:authorize");
    assert_eq!(payment.location_id.as_deref(), Some(LOCATION));
    assert_eq!(payment.reference_id.as_deref(), Some("SO-000042"));
    assert_eq!(
        payment.buyer_email_address.as_deref(),
        Some("buyer@example.test")
    );
    assert_eq!(payment.status, "APPROVED");

    let sent = &ledger.requests[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v2/payments")
    );
    assert_eq!(sent.square_version.as_deref(), Some(SQUARE_VERSION));
    let body = sent.body.clone().unwrap();
    assert_eq!(body["autocomplete"], Value::Bool(false));
    let problems = violations(&spec().unwrap(), "CreatePaymentRequest", &body);
    assert!(problems.is_empty(), "{problems:?}");
    double.stop().await;
}

#[tokio::test]
async fn get_complete_cancel_and_refund() {
    let (double, square) = setup().await;
    let first = square
        .authorize(&request("o-1:authorize", NONCE_OK, 1000))
        .await
        .unwrap();
    assert_eq!(
        square.status(&first.payment_id).await.unwrap().status,
        PaymentStatus::Approved
    );

    let done = square.complete(&first.payment_id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    // Completing a completed payment succeeds (the port's contract).
    assert_eq!(
        square.complete(&first.payment_id).await.unwrap().status,
        PaymentStatus::Completed
    );
    // But a completed payment cannot be canceled.
    assert!(matches!(
        square.cancel(&first.payment_id).await,
        Err(PaymentError::Rejected(_))
    ));

    square
        .refund(&first.payment_id, &usd(400), "o-1:refund")
        .await
        .unwrap();
    // The same refund again is a replay, not a second refund.
    square
        .refund(&first.payment_id, &usd(400), "o-1:refund")
        .await
        .unwrap();
    let reused = square
        .refund(&first.payment_id, &usd(300), "o-1:refund")
        .await;
    assert!(
        matches!(reused, Err(PaymentError::Rejected(ref m)) if m.starts_with("IDEMPOTENCY_KEY_REUSED")),
        "{reused:?}"
    );
    let too_much = square
        .refund(&first.payment_id, &usd(700), "o-1:refund-2")
        .await;
    assert!(
        matches!(too_much, Err(PaymentError::Rejected(_))),
        "{too_much:?}"
    );

    let second = square
        .authorize(&request("o-2:authorize", NONCE_OK, 500))
        .await
        .unwrap();
    let canceled = square.cancel(&second.payment_id).await.unwrap();
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    assert_eq!(
        square.cancel(&second.payment_id).await.unwrap().status,
        PaymentStatus::Canceled
    );
    assert!(matches!(
        square.complete(&second.payment_id).await,
        Err(PaymentError::Rejected(_))
    ));

    let ledger = double.ledger();
    assert_eq!(ledger.refunds.len(), 1);
    assert_eq!(ledger.refunds[0].amount, 400);
    assert_eq!(ledger.payments[0].completions, 1);
    assert_eq!(ledger.payments[1].completions, 0);
    assert!(
        matches!(square.status("missing").await, Err(PaymentError::Rejected(ref m)) if m.starts_with("NOT_FOUND"))
    );
    double.stop().await;
}

#[tokio::test]
async fn cancel_by_idempotency_key_voids_what_the_create_made_if_anything() {
    let (double, square) = setup().await;
    let made = square
        .authorize(&request("o-3:authorize", NONCE_OK, 900))
        .await
        .unwrap();
    square
        .cancel_by_idempotency_key("o-3:authorize")
        .await
        .unwrap();
    assert_eq!(
        square.status(&made.payment_id).await.unwrap().status,
        PaymentStatus::Canceled
    );
    // No payment under that key: Square answers 200 all the same.
    square
        .cancel_by_idempotency_key("never-sent")
        .await
        .unwrap();
    assert_eq!(double.ledger().payments.len(), 1);
    double.stop().await;
}

#[tokio::test]
async fn every_sandbox_decline_maps_to_declined_with_squares_code() {
    let (double, square) = setup().await;
    for (i, (nonce, code, _)) in DECLINING_NONCES.iter().enumerate() {
        let result = square
            .authorize(&request(&format!("d-{i}:authorize"), nonce, 500))
            .await;
        assert_eq!(
            result,
            Err(PaymentError::Declined {
                code: (*code).to_string()
            }),
            "{nonce}"
        );
    }
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), DECLINING_NONCES.len());
    assert!(ledger.payments.iter().all(|p| p.status == "FAILED"));
    double.stop().await;
}

#[tokio::test]
async fn request_errors_are_rejected_not_declined() {
    let (double, square) = setup().await;
    let unknown = square
        .authorize(&request("x:authorize", "cnon:made-up", 500))
        .await;
    assert!(
        matches!(unknown, Err(PaymentError::Rejected(ref m)) if m.starts_with("INVALID_CARD_DATA")),
        "{unknown:?}"
    );
    square
        .authorize(&request("k:authorize", NONCE_OK, 500))
        .await
        .unwrap();
    let reused = square
        .authorize(&request("k:authorize", NONCE_OK, 501))
        .await;
    assert!(
        matches!(reused, Err(PaymentError::Rejected(ref m)) if m.starts_with("IDEMPOTENCY_KEY_REUSED")),
        "{reused:?}"
    );
    let zero = square.authorize(&request("z:authorize", NONCE_OK, 0)).await;
    assert!(matches!(zero, Err(PaymentError::Rejected(_))), "{zero:?}");

    let mut config = SquareConfig::new(double.base_url(), AccessToken::new("wrong"), LOCATION);
    config.request_timeout = Duration::from_secs(5);
    let intruder = SquareGateway::new(config).unwrap();
    let refused = intruder
        .authorize(&request("i:authorize", NONCE_OK, 500))
        .await;
    assert!(
        matches!(refused, Err(PaymentError::Rejected(ref m)) if m.starts_with("UNAUTHORIZED")),
        "{refused:?}"
    );
    assert_eq!(double.ledger().payments.len(), 1);
    double.stop().await;
}

#[tokio::test]
async fn expired_authorizations_cannot_be_completed() {
    let (double, square) = setup().await;
    let made = square
        .authorize(&request("e:authorize", NONCE_OK, 500))
        .await
        .unwrap();
    double.expire_all();
    assert!(matches!(
        square.complete(&made.payment_id).await,
        Err(PaymentError::Rejected(_))
    ));
    assert_eq!(
        square.status(&made.payment_id).await.unwrap().status,
        PaymentStatus::Canceled
    );
    double.stop().await;
}

#[tokio::test]
async fn retries_after_a_500_make_one_payment_and_one_completion() {
    let (double, square) = setup().await;
    let order = request("o-5:authorize", NONCE_OK, 2000);
    double.fail_next(2);
    for _ in 0..2 {
        assert!(matches!(
            square.authorize(&order).await,
            Err(PaymentError::Transient(_))
        ));
    }
    let made = square.authorize(&order).await.unwrap();
    double.fail_next(1);
    assert!(matches!(
        square.complete(&made.payment_id).await,
        Err(PaymentError::Transient(_))
    ));
    square.complete(&made.payment_id).await.unwrap();
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1);
    assert_eq!(ledger.payments[0].completions, 1);
    double.stop().await;
}

#[tokio::test]
async fn retries_after_a_lost_answer_make_one_payment_and_one_completion() {
    let (double, square) = setup().await;
    let order = request("o-6:authorize", NONCE_OK, 3000);
    double.drop_next(1);
    let lost = square.authorize(&order).await;
    assert!(matches!(lost, Err(PaymentError::Transient(_))), "{lost:?}");
    // The payment was made; the retry with the same key finds it.
    assert_eq!(double.ledger().payments.len(), 1);
    let made = square.authorize(&order).await.unwrap();
    assert_eq!(made.payment_id, double.ledger().payments[0].id);

    double.drop_next(1);
    let lost = square.complete(&made.payment_id).await;
    assert!(matches!(lost, Err(PaymentError::Transient(_))), "{lost:?}");
    let done = square.complete(&made.payment_id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);

    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1);
    assert_eq!(ledger.payments[0].completions, 1);
    double.stop().await;
}

#[tokio::test]
async fn slow_answers_time_out_as_transient_and_unreachable_square_too() {
    let (double, _) = setup().await;
    let mut config = SquareConfig::new(double.base_url(), AccessToken::new(TOKEN), LOCATION);
    config.request_timeout = Duration::from_millis(200);
    let impatient = SquareGateway::new(config).unwrap();
    double.set_faults(shop_square_double::Faults {
        delay_ms: 1000,
        ..Default::default()
    });
    let slow = impatient
        .authorize(&request("s:authorize", NONCE_OK, 500))
        .await;
    assert!(
        matches!(slow, Err(PaymentError::Transient(ref m)) if m.starts_with("timeout")),
        "{slow:?}"
    );
    double.stop().await;

    let gone = SquareGateway::new(SquareConfig::new(
        "http://127.0.0.1:9",
        AccessToken::new(TOKEN),
        LOCATION,
    ))
    .unwrap();
    let refused = gone.authorize(&request("g:authorize", NONCE_OK, 500)).await;
    assert!(
        matches!(refused, Err(PaymentError::Transient(_))),
        "{refused:?}"
    );
}
