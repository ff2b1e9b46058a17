//! Orders: the business customer's whole journey, idempotency, declines,
//! stock under concurrency, cancel, fulfil and refund, and the e-mails.

use std::time::Duration;

use serde_json::{Value, json};
use shop_blackbox::{ADMIN_EMAIL, ANON, TestApp, amount, spawn_app};

use crate::business::profile;

const OK: &str = "cnon:card-nonce-ok";
const DECLINED: &str = "cnon:card-nonce-declined";
const PAID_TIMEOUT: Duration = Duration::from_secs(15);

fn statuses(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["status"].as_str().expect("history status").to_string())
        .collect()
}

async fn product_stock(app: &TestApp, admin: &str, id: &str) -> u64 {
    app.admin_product(admin, id).await.expect("admin product")["stock"]
        .as_u64()
        .expect("stock")
}

/// Messages of the embedded mailbox that name `needle`, via the admin API.
async fn mails_naming(app: &TestApp, admin: &str, needle: &str) -> Vec<Value> {
    app.mailbox(admin)
        .await
        .into_iter()
        .filter(|m| m.to_string().contains(needle))
        .collect()
}

fn recipients(mails: &[Value]) -> Vec<String> {
    let mut to: Vec<String> = mails
        .iter()
        .map(|m| match &m["to"] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            other => panic!("mail without `to`: {other}"),
        })
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn a_tax_exempt_business_orders_once_gets_paid_and_both_sides_are_mailed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    app.set_tax_rates(admin, &[("US", "CA", "0.0725")]).await;
    let product = app.create_product(admin, "40.00", 20).await;
    let pid = product["id"].as_str().expect("id");

    // Register; login asks for the business profile.
    let c = app.customer().await;
    assert_eq!(c.login["business_status"], "none");
    assert_eq!(c.login["next_action"], "complete_business_profile");

    // Submit with a certificate; the admin approves with the exemption.
    app.put("/api/v1/me/business", &c, &profile(true))
        .await
        .expect(200);
    let login = app.login(&c.email, &c.password).await;
    assert!(login.expect(200)["next_action"].is_null());
    app.post(
        &format!("/api/v1/admin/businesses/{}/approve", c.id),
        admin,
        &json!({"tax_exempt": true}),
    )
    .await
    .expect(200);
    let login = app.login(&c.email, &c.password).await;
    assert_eq!(login.expect(200)["business_status"], "approved");
    assert!(login.body["next_action"].is_null());

    // A customer without the exemption pays tax on the same cart.
    let plain = app.customer().await;
    let taxed = app.quote(&plain.token, pid, 2, "CA", None).await;
    assert_eq!(taxed.expect(201)["tax_exempt"], false);
    assert_eq!(amount(&taxed.body["tax_total"]), "5.80");

    let quote = app.quote(&c.token, pid, 2, "CA", None).await;
    let q = quote.expect(201).clone();
    assert_eq!(q["tax_exempt"], true);
    assert_eq!(amount(&q["tax_total"]), "0.00");
    assert_eq!(amount(&q["total"]), "80.00");
    let quote_id = q["quote_id"].as_str().expect("quote_id");

    // Place it; the same key and body again is the same order.
    let placed = app.place_order(&c.token, quote_id, OK, "order-key-1").await;
    let order = placed.expect(201)["order"].clone();
    let order_id = order["id"].as_str().expect("order id").to_string();
    let number = order["number"].as_str().expect("order number").to_string();
    assert!(!number.is_empty());
    assert_eq!(order["tax_exempt"], true);
    assert_eq!(amount(&order["tax_total"]), "0.00");
    assert_eq!(amount(&order["total"]), "80.00");
    assert_eq!(order["payment"]["provider"], "square");
    assert!(order["payment"]["payment_id"].is_string(), "{order}");
    assert!(
        ["authorized", "paid"].contains(&order["status"].as_str().unwrap_or("")),
        "{order}"
    );
    assert_eq!(order["lines"][0]["quantity"], 2);
    assert_eq!(order["ship_to"]["region"], "CA");

    let replay = app.place_order(&c.token, quote_id, OK, "order-key-1").await;
    assert!(
        replay.status == 200 || replay.status == 201,
        "replay: {} {}",
        replay.status,
        replay.text
    );
    assert_eq!(replay.body["order"]["id"], order_id.as_str());
    let mine = app.get("/api/v1/orders", &c).await;
    assert_eq!(mine.expect(200)["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(product_stock(&app, admin, pid).await, 18, "reserved once");

    // The worker completes the payment on its own.
    let paid = app
        .wait_for_order(&c.token, &order_id, "paid", PAID_TIMEOUT)
        .await;
    assert_eq!(statuses(&paid), ["pending_payment", "authorized", "paid"]);
    for entry in paid["history"].as_array().expect("history") {
        assert!(entry["at"].is_string() && !entry["by"].is_null(), "{entry}");
    }
    assert_eq!(paid["payment"]["status"], "COMPLETED");

    // One confirmation to the customer and one notice to the admin, each
    // naming the order number; no more once the workflow and every
    // delivery are over.
    app.wait_for_finalization(admin, &order_id, "done", PAID_TIMEOUT)
        .await;
    app.wait_for_settled_outbox(admin, PAID_TIMEOUT).await;
    let mails = mails_naming(&app, admin, &number).await;
    let mut expected = vec![c.email.clone(), ADMIN_EMAIL.to_string()];
    expected.sort();
    assert_eq!(recipients(&mails), expected, "{mails:#?}");
    for mail in &mails {
        assert!(
            mail["subject"]
                .as_str()
                .is_some_and(|s| s.contains(&number)),
            "subject names the order: {mail}"
        );
    }
    let files = app.mail_files_naming(&number);
    assert_eq!(recipients(&files), expected, "mail files: {files:#?}");
}

#[tokio::test]
async fn an_idempotency_key_reused_with_another_body_is_409() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "5.00", 10).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let q1 = app.quote_id(&c.token, pid, 1).await;
    let q2 = app.quote_id(&c.token, pid, 2).await;
    app.place_order(&c.token, &q1, OK, "shared-key")
        .await
        .expect(201);
    app.place_order(&c.token, &q2, OK, "shared-key")
        .await
        .problem(409, "idempotency_key_reused");
    app.place_order(&c.token, &q1, "cnon:card-nonce-ok-2", "shared-key")
        .await
        .problem(409, "idempotency_key_reused");
    // The key is required.
    app.post(
        "/api/v1/orders",
        &c,
        &json!({"quote_id": q2, "payment_source_id": OK}),
    )
    .await
    .invalid("Idempotency-Key");
    let mine = app.get("/api/v1/orders", &c).await;
    assert_eq!(mine.expect(200)["items"].as_array().map(Vec::len), Some(1));
    // Keys belong to their user: another customer may use the same one.
    let other = app.customer().await;
    let q3 = app.quote_id(&other.token, pid, 1).await;
    app.place_order(&other.token, &q3, OK, "shared-key")
        .await
        .expect(201);
    // Someone else's quote is not found.
    let q4 = app.quote_id(&c.token, pid, 1).await;
    app.place_order(&other.token, &q4, OK, "other-key")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_declined_card_is_402_and_the_order_ends_payment_failed_with_stock_restored() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "25.00", 3).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 2).await;

    let resp = app
        .place_order(&c.token, &quote_id, DECLINED, "declined-1")
        .await;
    resp.problem(402, "payment_declined");

    let mine = app.get("/api/v1/orders", &c).await;
    let orders = mine.expect(200)["items"].as_array().expect("items").clone();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["status"], "payment_failed");
    assert_eq!(
        statuses(&orders[0]).last().map(String::as_str),
        Some("payment_failed")
    );
    assert_eq!(product_stock(&app, admin, pid).await, 3, "stock restored");

    // The same request again is the same refusal, not a second attempt.
    app.place_order(&c.token, &quote_id, DECLINED, "declined-1")
        .await
        .problem(402, "payment_declined");
    let mine = app.get("/api/v1/orders", &c).await;
    assert_eq!(mine.expect(200)["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn an_order_for_more_than_the_stock_is_409_insufficient_stock() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "9.99", 1).await;
    let pid = product["id"].as_str().expect("id");
    let a = app.customer().await;
    let b = app.customer().await;
    let qa = app.quote_id(&a.token, pid, 1).await;
    let qb = app.quote_id(&b.token, pid, 1).await;
    let too_many = app.quote_id(&b.token, pid, 2).await;
    app.place_order(&b.token, &too_many, OK, "b-too-many")
        .await
        .problem(409, "insufficient_stock");
    app.place_order(&a.token, &qa, OK, "a-1").await.expect(201);
    app.place_order(&b.token, &qb, OK, "b-1")
        .await
        .problem(409, "insufficient_stock");
    assert_eq!(product_stock(&app, admin, pid).await, 0);
    let seen = app.get(&format!("/api/v1/products/{pid}"), ANON).await;
    assert_eq!(seen.expect(200)["in_stock"], false);
}

#[tokio::test]
async fn fifty_concurrent_orders_for_ten_units_sell_exactly_ten() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "3.00", 10).await;
    let pid = product["id"].as_str().expect("id").to_string();

    let mut customers = Vec::new();
    for _ in 0..10 {
        customers.push(app.customer().await);
    }
    let mut attempts = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        for j in 0..5 {
            let quote_id = app.quote_id(&c.token, &pid, 1).await;
            attempts.push((c.token.clone(), quote_id, format!("race-{i}-{j}")));
        }
    }
    assert_eq!(attempts.len(), 50);

    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|(token, quote_id, key)| {
            let app = app.clone();
            tokio::spawn(async move { app.place_order(&token, &quote_id, OK, &key).await })
        })
        .collect();
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        let resp = task.await.expect("task");
        match resp.status {
            201 => created += 1,
            409 => {
                resp.problem(409, "insufficient_stock");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", resp.text),
        }
    }
    assert_eq!((created, refused), (10, 40));
    assert_eq!(product_stock(&app, admin, &pid).await, 0);
    let placed = app.walk("/api/v1/admin/orders", admin, 100).await;
    assert_eq!(placed.len(), 10);
}

#[tokio::test]
async fn canceling_before_payment_voids_and_releases_the_stock() {
    // No worker: the order stays authorized until someone acts.
    let app = TestApp::builder().env("SHOP_WORKER", "off").spawn().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "12.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 2).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "cancel-1").await;
    let order = placed.expect(201)["order"].clone();
    assert_eq!(order["status"], "authorized");
    let id = order["id"].as_str().expect("id");
    assert_eq!(product_stock(&app, admin, pid).await, 3);

    // Nobody else can see or cancel it.
    let other = app.customer().await;
    app.get(&format!("/api/v1/orders/{id}"), &other)
        .await
        .problem(404, "not_found");
    app.post_empty(&format!("/api/v1/orders/{id}/cancel"), &other)
        .await
        .problem(404, "not_found");
    // Refund needs a paid order.
    app.post_empty(&format!("/api/v1/admin/orders/{id}/refund"), admin)
        .await
        .problem(409, "invalid_order_state");

    let canceled = app
        .post_empty(&format!("/api/v1/orders/{id}/cancel"), &c)
        .await;
    let body = canceled.expect(200);
    let order = &body["order"];
    assert_eq!(order["status"], "canceled", "{body}");
    assert_eq!(
        statuses(order),
        ["pending_payment", "authorized", "canceled"]
    );
    assert_eq!(product_stock(&app, admin, pid).await, 5, "stock released");

    app.post_empty(&format!("/api/v1/orders/{id}/cancel"), &c)
        .await
        .problem(409, "invalid_order_state");
    app.post_empty("/api/v1/orders/no-such-order/cancel", &c)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn admin_fulfils_and_refunds_a_paid_order_the_customer_cannot_cancel_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "20.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "fulfil-1").await;
    let id = placed.expect(201)["order"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.wait_for_order(&c.token, &id, "paid", PAID_TIMEOUT)
        .await;

    app.post_empty(&format!("/api/v1/orders/{id}/cancel"), &c)
        .await
        .problem(409, "invalid_order_state");

    let admin_view = app.get(&format!("/api/v1/admin/orders/{id}"), admin).await;
    assert_eq!(admin_view.expect(200)["order"]["status"], "paid");

    let fulfilled = app
        .post_empty(&format!("/api/v1/admin/orders/{id}/fulfill"), admin)
        .await;
    let body = fulfilled.expect(200);
    let order = &body["order"];
    assert_eq!(order["status"], "fulfilled", "{body}");
    app.post_empty(&format!("/api/v1/admin/orders/{id}/fulfill"), admin)
        .await
        .problem(409, "invalid_order_state");

    let refunded = app
        .post_empty(&format!("/api/v1/admin/orders/{id}/refund"), admin)
        .await;
    let body = refunded.expect(200);
    let order = &body["order"];
    assert_eq!(order["status"], "refunded", "{body}");

    let seen = app.get(&format!("/api/v1/orders/{id}"), &c).await;
    assert_eq!(
        statuses(&seen.expect(200)["order"]),
        [
            "pending_payment",
            "authorized",
            "paid",
            "fulfilled",
            "refunded"
        ]
    );
    app.get("/api/v1/admin/orders/no-such-order", admin)
        .await
        .problem(404, "not_found");
}
