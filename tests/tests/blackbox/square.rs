//! `SHOP_PAYMENTS=square`: shop-api talks Square's Payments API over HTTP to
//! the Square test double (adapters/square-double): a checkout ends paid
//! with exactly one payment and one completion at "Square"; a declined card
//! ends the order at checkout with Square's code.

use std::time::Duration;

use serde_json::Value;
use shop_blackbox::{TestApp, spawn_with_square};
use shop_square_double::SquareDouble;

const OK: &str = "cnon:card-nonce-ok";
const TOKEN: &str = "EAAA-blackbox-token";

async fn with_square() -> (SquareDouble, TestApp) {
    spawn_with_square(TestApp::builder(), TOKEN, "L-BLACKBOX").await
}

#[tokio::test]
async fn a_checkout_is_authorized_and_completed_once_at_square() {
    let (double, app) = with_square().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "12.50", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 2).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "square-1").await;
    let order: Value = placed.expect(201)["order"].clone();
    let id = order["id"].as_str().expect("id");
    let number = order["number"].as_str().expect("number").to_string();
    let paid = app
        .wait_for_order(&c.token, id, "paid", Duration::from_secs(20))
        .await;
    assert_eq!(paid["status"], "paid");

    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1, "{ledger:?}");
    let payment = &ledger.payments[0];
    assert_eq!(payment.status, "COMPLETED");
    assert_eq!(payment.completions, 1);
    assert_eq!(payment.reference_id.as_deref(), Some(number.as_str()));
    assert_eq!(payment.location_id.as_deref(), Some("L-BLACKBOX"));
    assert_eq!(payment.currency, "USD");
    assert!(payment.amount >= 2500, "{payment:?}");
    assert!(
        ledger
            .requests
            .iter()
            .all(|r| r.square_version.as_deref() == Some("2025-08-20"))
    );
    // The token never reaches the logs.
    assert!(!app.stderr().contains(TOKEN));
    double.stop().await;
}

#[tokio::test]
async fn a_declined_card_fails_the_order_with_squares_code() {
    let (double, app) = with_square().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "9.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let placed = app
        .place_order(
            &c.token,
            &quote_id,
            "cnon:card-nonce-rejected-cvv",
            "square-2",
        )
        .await;
    assert!(placed.status >= 400, "{}", placed.text);
    assert!(placed.text.contains("CVV_FAILURE"), "{}", placed.text);
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1);
    assert_eq!(ledger.payments[0].status, "FAILED");
    assert_eq!(ledger.payments[0].completions, 0);
    double.stop().await;
}
