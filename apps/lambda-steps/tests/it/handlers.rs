//! The step handlers called directly, on a real SQLite store with the
//! payment simulator or the Square double.

use serde_json::json;
use shop_domain::order::OrderStatus;
use shop_lambda_steps::{DeliveryReport, FATAL, OrderReport, handle};
use shop_square_double::{DoubleConfig, SquareDouble};

use crate::common::{Shop, shop};

const TOKEN: &str = "EAAA-lambda-steps-test";

async fn with_double() -> (SquareDouble, Shop) {
    let double = SquareDouble::start_with(
        DoubleConfig {
            access_token: Some(TOKEN.into()),
            ..DoubleConfig::default()
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let shop = shop(&[
        ("SHOP_PAYMENTS", "square"),
        ("SHOP_SQUARE_BASE_URL", double.base_url()),
        ("SHOP_SQUARE_ACCESS_TOKEN", TOKEN),
        ("SHOP_SQUARE_LOCATION_ID", "L-LAMBDA"),
    ])
    .await;
    (double, shop)
}

fn report(value: serde_json::Value) -> OrderReport {
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn finalize_captures_marks_paid_and_records_the_mails() {
    let shop = shop(&[]).await;
    let id = shop.authorized_order().await;
    let out = handle(
        &shop.service,
        json!({"step": "finalize", "order_id": id.as_str()}),
    )
    .await
    .unwrap();
    assert_eq!(
        report(out.clone()),
        OrderReport {
            order_id: id.to_string(),
            status: "paid".into(),
            next: "done".into(),
            retry_at: None,
            failures: 0,
        }
    );
    assert_eq!(shop.status(&id).await, OrderStatus::Paid);
    let order = shop.wiring.stores.orders.get(&id).await.unwrap().unwrap();
    let mut expected = vec![
        order.customer_email.to_string(),
        "orders@shop.test".to_string(),
    ];
    expected.sort();
    assert_eq!(shop.unsent_recipients().await, expected);

    // A repeated step (a Retry after a lost answer) changes nothing.
    let again = handle(
        &shop.service,
        json!({"step": "finalize", "order_id": id.as_str()}),
    )
    .await
    .unwrap();
    assert_eq!(again, out);
    assert_eq!(shop.unsent_recipients().await.len(), 2);
}

#[tokio::test]
async fn a_declined_capture_ends_payment_failed_and_mails_the_customer() {
    let (double, shop) = with_double().await;
    let id = shop.authorized_order().await;
    // Square voids the authorization (its 7 days ran out): the capture is refused.
    double.expire_all();
    let out = handle(
        &shop.service,
        json!({"step": "finalize", "order_id": id.as_str()}),
    )
    .await
    .unwrap();
    assert_eq!(report(out).status, "payment_failed");
    let order = shop.wiring.stores.orders.get(&id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::PaymentFailed);
    let mut expected = vec![
        order.customer_email.to_string(),
        "orders@shop.test".to_string(),
    ];
    expected.sort();
    assert_eq!(
        shop.unsent_recipients().await,
        expected,
        "the customer is told, and the shop gets an alert (no new-order notice)"
    );
    double.stop().await;
}

#[tokio::test]
async fn square_unavailable_asks_to_run_again_and_changes_nothing() {
    let (double, shop) = with_double().await;
    let id = shop.authorized_order().await;
    double.fail_next(5);
    let before = shop.wiring.clock.now();
    let out = report(
        handle(
            &shop.service,
            json!({"step": "finalize", "order_id": id.as_str(), "failures": 2}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(out.status, "authorized");
    assert_eq!(out.next, "retry");
    assert_eq!(out.failures, 3);
    let retry_at = chrono::DateTime::parse_from_rfc3339(out.retry_at.as_deref().unwrap()).unwrap();
    // backoff(3) is 4 s (plus jitter), in whole seconds for the Wait state.
    let wait = retry_at.with_timezone(&chrono::Utc) - before;
    assert!(
        wait >= chrono::Duration::seconds(3) && wait <= chrono::Duration::seconds(10),
        "{wait}"
    );
    assert_eq!(shop.status(&id).await, OrderStatus::Authorized);
    double.stop().await;
}

#[tokio::test]
async fn fail_voids_the_authorization_and_ends_the_order_payment_failed() {
    let (double, shop) = with_double().await;
    let id = shop.authorized_order().await;
    let out = handle(
        &shop.service,
        json!({"step": "fail", "order_id": id.as_str(), "error": "Retryable", "cause": "Square unavailable"}),
    )
    .await
    .unwrap();
    assert_eq!(report(out).status, "payment_failed");
    let order = shop.wiring.stores.orders.get(&id).await.unwrap().unwrap();
    assert_eq!(
        order.payment.failure_code.as_deref(),
        Some("FINALIZATION_FAILED")
    );
    assert!(
        order
            .history
            .last()
            .and_then(|h| h.note.as_deref())
            .is_some_and(|n| n.contains("Retryable: Square unavailable")),
        "{:?}",
        order.history
    );
    let ledger = double.ledger();
    assert_eq!(
        ledger
            .payments
            .iter()
            .map(|p| p.status.as_str())
            .collect::<Vec<_>>(),
        ["CANCELED"],
        "the authorization is voided, nothing charged"
    );
    let mut told = vec![
        order.customer_email.to_string(),
        "orders@shop.test".to_string(),
    ];
    told.sort();
    assert_eq!(
        shop.unsent_recipients().await,
        told,
        "the customer and the shop"
    );
    double.stop().await;
}

#[tokio::test]
async fn deliver_mails_sends_every_unsent_mail_once() {
    let shop = shop(&[]).await;
    for _ in 0..2 {
        let id = shop.authorized_order().await;
        handle(
            &shop.service,
            json!({"step": "finalize", "order_id": id.as_str()}),
        )
        .await
        .unwrap();
    }
    let out = handle(&shop.service, json!({"step": "deliver_mails", "limit": 3}))
        .await
        .unwrap();
    let first: DeliveryReport = serde_json::from_value(out).unwrap();
    assert_eq!(
        first,
        DeliveryReport {
            attempted: 3,
            delivered: 3,
            rejected: 0
        }
    );
    let out = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    let second: DeliveryReport = serde_json::from_value(out).unwrap();
    assert_eq!((second.attempted, second.delivered), (1, 1));
    assert!(shop.unsent_recipients().await.is_empty());
    let out = handle(&shop.service, json!({"step": "deliver_mails"}))
        .await
        .unwrap();
    assert_eq!(out, json!({"attempted": 0, "delivered": 0, "rejected": 0}));
    assert_eq!(
        shop.wiring
            .mailbox
            .as_ref()
            .expect("the file mailbox")
            .list()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn unknown_orders_and_bad_events_are_fatal() {
    let shop = shop(&[]).await;
    for event in [
        json!({"step": "finalize", "order_id": "no-such-order"}),
        json!({"step": "fail", "order_id": "no-such-order", "cause": "x"}),
        json!({"step": "finalize", "order_id": " "}),
        json!({"step": "launch"}),
        json!({"order_id": "o-1"}),
    ] {
        let err = handle(&shop.service, event.clone()).await.unwrap_err();
        assert_eq!(err.error_type, FATAL, "{event}: {err}");
    }
}
