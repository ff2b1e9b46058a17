//! `SimulatedSquare` beyond the port's suite: what its ledger records,
//! how requests the port cannot express are refused, and injected faults.

use chrono::Duration;
use rust_decimal::Decimal;
use shop_domain::Clock as _;
use shop_domain::account::Email;
use shop_domain::money::{Currency, Money};
use shop_domain::payment::{AuthorizeRequest, PaymentError, PaymentGateway};
use shop_square_sandbox::{DECLINING_NONCES, NONCE_OK, PaymentStatus};

use crate::support::setup;

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

#[track_caller]
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
async fn the_ledger_records_what_an_authorization_asked() {
    let (clock, square) = setup();
    let record = square
        .authorize(&request("k1", NONCE_OK, 1250))
        .await
        .unwrap();
    assert_eq!(record.delayed_until, Some(clock.now() + Duration::days(7)));
    let ledger = square.payments().await.unwrap();
    assert_eq!(ledger.len(), 1);
    let p = &ledger[0];
    assert_eq!(p.id, record.payment_id);
    assert_eq!(p.idempotency_key.as_str(), "k1");
    assert_eq!((p.amount, p.currency.as_str()), (1250, "USD"));
    assert_eq!(p.reference_id.as_deref(), Some("SO-000001"));
    assert_eq!(p.buyer_email_address.as_deref(), Some("buyer@example.test"));
    assert_eq!((p.status, p.completions), (PaymentStatus::Approved, 0));
}

#[tokio::test]
async fn declines_record_failed_payments_once_each() {
    let (_, square) = setup();
    for (i, (nonce, _, _)) in DECLINING_NONCES.iter().enumerate() {
        for _ in 0..2 {
            let result = square
                .authorize(&request(&format!("d{i}"), nonce, 500))
                .await;
            assert!(
                matches!(result, Err(PaymentError::Declined { .. })),
                "{nonce}"
            );
        }
    }
    let ledger = square.payments().await.unwrap();
    assert_eq!(
        ledger.len(),
        DECLINING_NONCES.len(),
        "a replay made a payment"
    );
    assert!(ledger.iter().all(|p| p.status == PaymentStatus::Failed));
}

#[tokio::test]
async fn any_other_source_is_rejected_as_invalid_card_data() {
    let (_, square) = setup();
    for (i, source) in [
        "",
        "cnon:made-up",
        "ccof:customer-card-id-ok",
        "CNON:CARD-NONCE-OK",
    ]
    .iter()
    .enumerate()
    {
        rejected_with(
            square
                .authorize(&request(&format!("s{i}"), source, 500))
                .await,
            "INVALID_CARD_DATA",
        );
    }
    assert!(square.payments().await.unwrap().is_empty());
}

#[tokio::test]
async fn amounts_must_be_positive_whole_minor_units() {
    let (_, square) = setup();
    let mut bad = request("k", NONCE_OK, 0);
    rejected_with(square.authorize(&bad).await, "INVALID_VALUE");
    bad.idempotency_key = "k2".into();
    bad.amount = Money::new(Decimal::new(12_505, 3), Currency::usd());
    rejected_with(square.authorize(&bad).await, "INVALID_VALUE");
    assert!(square.payments().await.unwrap().is_empty());
}

#[tokio::test]
async fn keys_must_fit_square() {
    let (_, square) = setup();
    rejected_with(
        square.authorize(&request("", NONCE_OK, 100)).await,
        "VALUE_TOO_SHORT",
    );
    rejected_with(
        square
            .authorize(&request(&"k".repeat(46), NONCE_OK, 100))
            .await,
        "VALUE_TOO_LONG",
    );
    assert!(square.payments().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_reused_key_is_rejected_whatever_changed() {
    let (_, square) = setup();
    square
        .authorize(&request("k1", NONCE_OK, 1000))
        .await
        .unwrap();
    let mut other_ref = request("k1", NONCE_OK, 1000);
    other_ref.reference_id = "SO-000002".into();
    rejected_with(square.authorize(&other_ref).await, "IDEMPOTENCY_KEY_REUSED");
    rejected_with(
        square
            .authorize(&request("k1", "cnon:card-nonce-declined", 1000))
            .await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    assert_eq!(square.payments().await.unwrap().len(), 1);
}

#[tokio::test]
async fn completing_twice_charges_once() {
    let (_, square) = setup();
    let p = square
        .authorize(&request("k1", NONCE_OK, 1000))
        .await
        .unwrap();
    square.complete(&p.payment_id).await.unwrap();
    square.complete(&p.payment_id).await.unwrap();
    assert_eq!(square.payments().await.unwrap()[0].completions, 1);
    rejected_with(square.complete("no-such-payment").await, "NOT_FOUND");
    let _ = square
        .authorize(&request("k2", "cnon:card-nonce-declined", 1000))
        .await;
    let failed_id = square.payments().await.unwrap()[1].id.clone();
    rejected_with(square.complete(&failed_id).await, "BAD_REQUEST");
    rejected_with(square.cancel(&failed_id).await, "BAD_REQUEST");
}

#[tokio::test]
async fn the_ledger_shows_lapsed_authorizations_voided() {
    let (clock, square) = setup();
    square
        .authorize(&request("k1", NONCE_OK, 1000))
        .await
        .unwrap();
    clock.advance(Duration::days(7) - Duration::seconds(1));
    assert_eq!(
        square.payments().await.unwrap()[0].status,
        PaymentStatus::Approved
    );
    clock.advance(Duration::seconds(1));
    let voided = &square.payments().await.unwrap()[0];
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(Some(voided.updated_at), voided.delayed_until);
}

#[tokio::test]
async fn cancel_by_key_leaves_a_declined_create_failed() {
    let (_, square) = setup();
    let _ = square
        .authorize(&request("o-2:authorize", "cnon:card-nonce-declined", 1000))
        .await;
    square
        .cancel_by_idempotency_key("o-2:authorize")
        .await
        .unwrap();
    assert_eq!(
        square.payments().await.unwrap()[0].status,
        PaymentStatus::Failed
    );
}

#[tokio::test]
async fn refunds_are_counted_on_the_payment_and_checked() {
    let (_, square) = setup();
    let p = square
        .authorize(&request("k1", NONCE_OK, 1000))
        .await
        .unwrap();
    square.complete(&p.payment_id).await.unwrap();
    square.refund(&p.payment_id, &usd(400), "r1").await.unwrap();
    square.refund(&p.payment_id, &usd(400), "r1").await.unwrap();
    assert_eq!(
        square.payments().await.unwrap()[0].refunded,
        400,
        "a replay refunds once"
    );
    rejected_with(
        square.refund(&p.payment_id, &usd(500), "r1").await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    rejected_with(
        square.refund(&p.payment_id, &usd(601), "r2").await,
        "REFUND_AMOUNT_INVALID",
    );
    let euros = Money::new(Decimal::new(1, 2), Currency::parse("EUR").unwrap());
    rejected_with(
        square.refund(&p.payment_id, &euros, "r3").await,
        "CURRENCY_MISMATCH",
    );
    rejected_with(
        square.refund("no-such-payment", &usd(1), "r4").await,
        "NOT_FOUND",
    );
    let snapshot = square.ledger().snapshot().await.unwrap();
    assert_eq!(snapshot.refunds.len(), 1);
    assert_eq!(snapshot.refunds[0].amount, 400);
}

#[tokio::test]
async fn fail_next_makes_calls_transient_without_effect() {
    let (_, square) = setup();
    square.fail_next(2);
    for _ in 0..2 {
        assert!(matches!(
            square.authorize(&request("k1", NONCE_OK, 1000)).await,
            Err(PaymentError::Transient(_))
        ));
    }
    assert!(square.payments().await.unwrap().is_empty());
    let p = square
        .authorize(&request("k1", NONCE_OK, 1000))
        .await
        .unwrap();
    square.fail_next(1);
    assert!(matches!(
        square.complete(&p.payment_id).await,
        Err(PaymentError::Transient(_))
    ));
    assert_eq!(
        square.payments().await.unwrap()[0].status,
        PaymentStatus::Approved
    );
    square.fail_next(4);
    assert!(square.cancel(&p.payment_id).await.is_err());
    assert!(square.cancel_by_idempotency_key("k1").await.is_err());
    assert!(square.refund(&p.payment_id, &usd(1), "r").await.is_err());
    assert!(square.status(&p.payment_id).await.is_err());
    assert_eq!(
        square.payments().await.unwrap()[0].status,
        PaymentStatus::Approved
    );
    square.complete(&p.payment_id).await.unwrap();
}
