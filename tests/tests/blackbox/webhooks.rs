//! Square webhooks with a signature key: a verified `payment.updated` with a
//! CANCELED payment fails an authorized order and releases its stock; a bad
//! or missing signature is 401 and changes nothing; a replay changes nothing.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use shop_blackbox::{ANON, TestApp};

const OK: &str = "cnon:card-nonce-ok";
const KEY: &str = "webhook-signature-key-for-tests";
const URL: &str = "https://shop.test/api/v1/webhooks/square";
const PATH: &str = "/api/v1/webhooks/square";

fn sign(body: &Value) -> String {
    let bytes = serde_json::to_vec(body).expect("json");
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("key");
    mac.update(URL.as_bytes());
    mac.update(&bytes);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn payment_updated(event_id: &str, payment_id: &str, status: &str) -> Value {
    json!({
        "merchant_id": "M1",
        "type": "payment.updated",
        "event_id": event_id,
        "created_at": "2026-11-27T12:00:00Z",
        "data": {"type": "payment", "id": payment_id,
                 "object": {"payment": {"id": payment_id, "status": status}}},
    })
}

async fn deliver(app: &TestApp, body: &Value, signature: Option<&str>) -> shop_blackbox::Resp {
    let headers: Vec<(&str, &str)> = signature
        .map(|s| vec![("x-square-hmacsha256-signature", s)])
        .unwrap_or_default();
    app.send(Method::POST, PATH, ANON, Some(body), &headers)
        .await
}

async fn stock(app: &TestApp, admin: &str, id: &str) -> u64 {
    app.admin_product(admin, id).await.expect("product")["stock"]
        .as_u64()
        .expect("stock")
}

#[tokio::test]
async fn a_verified_cancellation_fails_the_authorized_order_once() {
    let app = TestApp::builder()
        .env("SHOP_WORKER", "off")
        .env("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", KEY)
        .env("SHOP_SQUARE_WEBHOOK_URL", URL)
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "12.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 2).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "hook-1").await;
    let order = placed.expect(201)["order"].clone();
    assert_eq!(order["status"], "authorized");
    let id = order["id"].as_str().expect("id").to_string();
    let admin_view = app.get(&format!("/api/v1/admin/orders/{id}"), admin).await;
    let payment_id = admin_view.expect(200)["order"]["payment"]["payment_id"]
        .as_str()
        .unwrap_or_else(|| panic!("payment id in {}", admin_view.text))
        .to_string();
    assert_eq!(stock(&app, admin, pid).await, 3);

    let event = payment_updated("evt-1", &payment_id, "CANCELED");
    // Missing and wrong signatures: 401, nothing changes.
    deliver(&app, &event, None)
        .await
        .problem(401, "invalid_signature");
    deliver(&app, &event, Some("bm90LWEtc2lnbmF0dXJl"))
        .await
        .problem(401, "invalid_signature");
    let tampered = payment_updated("evt-1", &payment_id, "FAILED");
    deliver(&app, &tampered, Some(&sign(&event)))
        .await
        .problem(401, "invalid_signature");
    let current = app.get(&format!("/api/v1/orders/{id}"), &c).await;
    assert_eq!(current.expect(200)["order"]["status"], "authorized");
    assert_eq!(stock(&app, admin, pid).await, 3);

    // The signed event fails the order and gives the stock back.
    let accepted = deliver(&app, &event, Some(&sign(&event))).await;
    assert_eq!(accepted.expect(200)["outcome"], "order_failed");
    let failed = app.get(&format!("/api/v1/orders/{id}"), &c).await;
    let failed = failed.expect(200)["order"].clone();
    assert_eq!(failed["status"], "payment_failed", "{failed}");
    assert_eq!(stock(&app, admin, pid).await, 5);
    let history = failed["history"].as_array().expect("history").len();

    // A replay (Square retries for 72 hours) changes nothing.
    let replay = deliver(&app, &event, Some(&sign(&event))).await;
    assert_eq!(replay.expect(200)["outcome"], "replay");
    let after = app.get(&format!("/api/v1/orders/{id}"), &c).await;
    let after = after.expect(200)["order"].clone();
    assert_eq!(after["history"].as_array().expect("history").len(), history);
    assert_eq!(stock(&app, admin, pid).await, 5);

    // Other events are acknowledged and ignored.
    let other = payment_updated("evt-2", "no-such-payment", "CANCELED");
    let ignored = deliver(&app, &other, Some(&sign(&other))).await;
    assert_eq!(ignored.expect(200)["outcome"], "ignored");
}

#[tokio::test]
async fn a_key_without_a_url_is_refused_at_start_up() {
    let (status, stderr) = TestApp::builder()
        .env("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", KEY)
        .run_to_exit();
    assert!(!status.success());
    assert!(stderr.contains("SHOP_SQUARE_WEBHOOK_URL"), "{stderr}");
}
