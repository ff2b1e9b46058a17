//! `SimulatedSquare`: Square's sandbox nonces, idempotency, capture, void,
//! refund and injected faults.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use shop_domain::Clock as _;
use shop_domain::account::Email;
use shop_domain::money::{Currency, Money};
use shop_domain::payment::{AuthorizeRequest, PaymentError, PaymentGateway, PaymentStatus};
use shop_memory::{ManualClock, SimulatedSquare};

const OK: &str = "cnon:card-nonce-ok";

fn setup() -> (Arc<ManualClock>, SimulatedSquare) {
    let start = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let square = SimulatedSquare::new(clock.clone());
    (clock, square)
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::usd())
}

fn request(key: &str, source: &str, cents: i64) -> AuthorizeRequest {
    AuthorizeRequest {
        idempotency_key: key.into(),
        amount: usd(cents),
        source_id: source.into(),
        reference_id: "SO-000001".into(),
        buyer_email: Email::parse("buyer@example.test").unwrap(),
    }
}

fn rejected_with(result: Result<impl std::fmt::Debug, PaymentError>, code: &str) {
    match result {
        Err(PaymentError::Rejected(message)) => {
            assert!(
                message.starts_with(code),
                "{message:?} should start with {code}"
            );
        }
        other => panic!("expected Rejected({code}..), got {other:?}"),
    }
}

#[tokio::test]
async fn the_ok_nonce_authorizes_for_seven_days() {
    let (clock, square) = setup();
    let record = square.authorize(&request("k1", OK, 1250)).await.unwrap();
    assert_eq!(record.status, PaymentStatus::Approved);
    assert_eq!(record.delayed_until, Some(clock.now() + Duration::days(7)));
    let ledger = square.payments();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].id, record.payment_id);
    assert_eq!(ledger[0].idempotency_key, "k1");
    assert_eq!(ledger[0].amount, 1250);
    assert_eq!(ledger[0].currency, "USD");
    assert_eq!(ledger[0].status, PaymentStatus::Approved);
    assert_eq!(ledger[0].completions, 0);
}

#[tokio::test]
async fn every_sandbox_decline_nonce_declines_with_squares_code() {
    let (_, square) = setup();
    let cases = [
        ("cnon:card-nonce-declined", "GENERIC_DECLINE"),
        ("cnon:card-nonce-rejected-cvv", "CVV_FAILURE"),
        (
            "cnon:card-nonce-rejected-postalcode",
            "ADDRESS_VERIFICATION_FAILURE",
        ),
        ("cnon:card-nonce-rejected-expiration", "INVALID_EXPIRATION"),
        ("cnon:card-nonce-already-used", "CARD_TOKEN_USED"),
    ];
    for (i, (nonce, code)) in cases.iter().enumerate() {
        let result = square
            .authorize(&request(&format!("d{i}"), nonce, 500))
            .await;
        assert_eq!(
            result,
            Err(PaymentError::Declined {
                code: (*code).to_string()
            }),
            "{nonce}"
        );
    }
    let ledger = square.payments();
    assert_eq!(ledger.len(), cases.len());
    assert!(ledger.iter().all(|p| p.status == PaymentStatus::Failed));
}

#[tokio::test]
async fn any_other_source_is_rejected_as_invalid_card_data() {
    let (_, square) = setup();
    for source in [
        "",
        "cnon:made-up",
        "ccof:customer-card-id-ok",
        "CNON:CARD-NONCE-OK",
    ] {
        rejected_with(
            square.authorize(&request(source, source, 500)).await,
            "INVALID_CARD_DATA",
        );
    }
    assert!(square.payments().is_empty());
}

#[tokio::test]
async fn amounts_must_be_positive_whole_minor_units() {
    let (_, square) = setup();
    let mut bad = request("k", OK, 0);
    rejected_with(square.authorize(&bad).await, "INVALID_VALUE");
    bad.idempotency_key = "k2".into();
    bad.amount = Money::new(Decimal::new(12_505, 3), Currency::usd());
    rejected_with(square.authorize(&bad).await, "INVALID_VALUE");
    assert!(square.payments().is_empty());
}

#[tokio::test]
async fn the_same_key_and_request_replay_the_first_outcome() {
    let (_, square) = setup();
    let first = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    let again = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    assert_eq!(again, first);
    // The replay shows the payment as it stands now.
    square.complete(&first.payment_id).await.unwrap();
    let later = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    assert_eq!(later.payment_id, first.payment_id);
    assert_eq!(later.status, PaymentStatus::Completed);
    // A decline replays as the same decline.
    let declined = request("k2", "cnon:card-nonce-declined", 1000);
    let d1 = square.authorize(&declined).await;
    let d2 = square.authorize(&declined).await;
    assert!(matches!(d1, Err(PaymentError::Declined { .. })));
    assert_eq!(d1, d2);
    assert_eq!(square.payments().len(), 2);
}

#[tokio::test]
async fn the_same_key_with_another_request_is_rejected() {
    let (_, square) = setup();
    square.authorize(&request("k1", OK, 1000)).await.unwrap();
    rejected_with(
        square.authorize(&request("k1", OK, 1001)).await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    let mut other_ref = request("k1", OK, 1000);
    other_ref.reference_id = "SO-000002".into();
    rejected_with(square.authorize(&other_ref).await, "IDEMPOTENCY_KEY_REUSED");
    rejected_with(
        square
            .authorize(&request("k1", "cnon:card-nonce-declined", 1000))
            .await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    assert_eq!(square.payments().len(), 1);
}

#[tokio::test]
async fn complete_captures_once() {
    let (_, square) = setup();
    let p = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    let done = square.complete(&p.payment_id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    let again = square.complete(&p.payment_id).await.unwrap();
    assert_eq!(again.status, PaymentStatus::Completed);
    let ledger = square.payments();
    assert_eq!(
        ledger[0].completions, 1,
        "completing twice must charge once"
    );
    rejected_with(square.complete("no-such-payment").await, "NOT_FOUND");
    // A payment that failed cannot be captured.
    let failed = square
        .authorize(&request("k2", "cnon:card-nonce-declined", 1000))
        .await;
    assert!(failed.is_err());
    let failed_id = square.payments()[1].id.clone();
    rejected_with(square.complete(&failed_id).await, "BAD_REQUEST");
}

#[tokio::test]
async fn canceled_and_expired_authorizations_cannot_be_completed() {
    let (clock, square) = setup();
    let voided = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    square.cancel(&voided.payment_id).await.unwrap();
    rejected_with(square.complete(&voided.payment_id).await, "BAD_REQUEST");
    let lapsing = square.authorize(&request("k2", OK, 1000)).await.unwrap();
    clock.advance(Duration::days(7) - Duration::seconds(1));
    assert_eq!(square.payments()[1].status, PaymentStatus::Approved);
    clock.advance(Duration::seconds(1));
    assert_eq!(square.payments()[1].status, PaymentStatus::Canceled);
    rejected_with(square.complete(&lapsing.payment_id).await, "BAD_REQUEST");
    assert!(square.payments().iter().all(|p| p.completions == 0));
}

#[tokio::test]
async fn cancel_voids_an_authorization_idempotently() {
    let (_, square) = setup();
    let p = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    let voided = square.cancel(&p.payment_id).await.unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    let again = square.cancel(&p.payment_id).await.unwrap();
    assert_eq!(again.status, PaymentStatus::Canceled);
    let captured = square.authorize(&request("k2", OK, 1000)).await.unwrap();
    square.complete(&captured.payment_id).await.unwrap();
    rejected_with(square.cancel(&captured.payment_id).await, "BAD_REQUEST");
    rejected_with(square.cancel("no-such-payment").await, "NOT_FOUND");
}

#[tokio::test]
async fn cancel_by_idempotency_key_voids_what_the_key_created() {
    let (_, square) = setup();
    square
        .authorize(&request("order-1:authorize", OK, 1000))
        .await
        .unwrap();
    square
        .cancel_by_idempotency_key("order-1:authorize")
        .await
        .unwrap();
    assert_eq!(square.payments()[0].status, PaymentStatus::Canceled);
    square
        .cancel_by_idempotency_key("order-1:authorize")
        .await
        .unwrap();
    // Nothing was created with this key: nothing to do.
    square
        .cancel_by_idempotency_key("never-used")
        .await
        .unwrap();
    // A declined create leaves nothing to void.
    let _ = square
        .authorize(&request(
            "order-2:authorize",
            "cnon:card-nonce-declined",
            1000,
        ))
        .await;
    square
        .cancel_by_idempotency_key("order-2:authorize")
        .await
        .unwrap();
    assert_eq!(square.payments()[1].status, PaymentStatus::Failed);
}

#[tokio::test]
async fn refunds_need_a_completed_payment_and_are_idempotent() {
    let (_, square) = setup();
    let p = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    rejected_with(
        square.refund(&p.payment_id, &usd(1000), "r1").await,
        "BAD_REQUEST",
    );
    square.complete(&p.payment_id).await.unwrap();
    square.refund(&p.payment_id, &usd(400), "r1").await.unwrap();
    square.refund(&p.payment_id, &usd(400), "r1").await.unwrap();
    assert_eq!(square.payments()[0].refunded, 400, "a replay refunds once");
    rejected_with(
        square.refund(&p.payment_id, &usd(500), "r1").await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    rejected_with(
        square.refund(&p.payment_id, &usd(601), "r2").await,
        "REFUND_AMOUNT_INVALID",
    );
    square.refund(&p.payment_id, &usd(600), "r3").await.unwrap();
    assert_eq!(square.payments()[0].refunded, 1000);
    rejected_with(
        square.refund(&p.payment_id, &usd(1), "r4").await,
        "REFUND_AMOUNT_INVALID",
    );
    rejected_with(
        square.refund("no-such-payment", &usd(1), "r5").await,
        "NOT_FOUND",
    );
    assert_eq!(square.payments()[0].status, PaymentStatus::Completed);
}

#[tokio::test]
async fn fail_next_makes_calls_transient_without_effect() {
    let (_, square) = setup();
    square.fail_next(2);
    assert!(matches!(
        square.authorize(&request("k1", OK, 1000)).await,
        Err(PaymentError::Transient(_))
    ));
    assert!(matches!(
        square.authorize(&request("k1", OK, 1000)).await,
        Err(PaymentError::Transient(_))
    ));
    assert!(square.payments().is_empty());
    let p = square.authorize(&request("k1", OK, 1000)).await.unwrap();
    square.fail_next(1);
    assert!(matches!(
        square.complete(&p.payment_id).await,
        Err(PaymentError::Transient(_))
    ));
    assert_eq!(square.payments()[0].status, PaymentStatus::Approved);
    square.fail_next(3);
    assert!(square.cancel(&p.payment_id).await.is_err());
    assert!(square.cancel_by_idempotency_key("k1").await.is_err());
    assert!(square.refund(&p.payment_id, &usd(1), "r").await.is_err());
    assert_eq!(square.payments()[0].status, PaymentStatus::Approved);
    let done = square.complete(&p.payment_id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
}
