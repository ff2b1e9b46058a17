//! Quotes: server-side pricing, tax, promotions, and what a client may not send.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;
use shop_blackbox::{TestApp, address, amount, spawn_app};

#[tokio::test]
async fn quote_is_priced_on_the_server_with_the_regions_tax() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    app.set_tax_rates(admin, &[("US", "CA", "0.0725"), ("US", "", "0.05")])
        .await;
    let product = app.create_product(admin, "10.00", 50).await;
    let id = product["id"].as_str().expect("id");
    let c = app.customer().await;

    let resp = app.quote(&c.token, id, 2, "CA", None).await;
    let q = resp.expect(201);
    assert!(q["quote_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(q["expires_at"].is_string());
    assert_eq!(q["currency"], "USD");
    assert_eq!(q["tax_exempt"], false);
    assert!(q["promo_code"].is_null());
    assert_eq!(amount(&q["subtotal"]), "20.00");
    assert_eq!(amount(&q["discount_total"]), "0.00");
    assert_eq!(amount(&q["tax_total"]), "1.45");
    assert_eq!(amount(&q["total"]), "21.45");
    let line = &q["lines"][0];
    assert_eq!(line["product_id"], id);
    assert_eq!(line["sku"], product["sku"]);
    assert_eq!(line["quantity"], 2);
    assert_eq!(amount(&line["unit_price"]), "10.00");
    assert_eq!(amount(&line["subtotal"]), "20.00");
    assert_eq!(amount(&line["tax"]), "1.45");
    assert_eq!(amount(&line["total"]), "21.45");

    // Another region falls back to the country-wide rate.
    let other = app.quote(&c.token, id, 2, "NV", None).await;
    assert_eq!(amount(&other.expect(201)["tax_total"]), "1.00");

    // The tax table reads back as it was written.
    let rates = app.get("/api/v1/admin/tax-rates", admin).await;
    let items = rates.expect(200)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert!(
        items
            .iter()
            .any(|r| r["country"] == "US" && r["region"] == "CA" && r["rate"] == "0.0725"),
        "{items:?}"
    );
    assert_eq!(items.len(), 2);
}

#[tokio::test]
async fn tax_rates_are_validated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let resp = app
        .put(
            "/api/v1/admin/tax-rates",
            admin.as_str(),
            &json!({"items": [{"country": "USA", "region": "CA", "rate": "1.5"}]}),
        )
        .await;
    resp.invalid("items[0].country");
    resp.invalid("items[0].rate");
    app.put(
        "/api/v1/admin/tax-rates",
        admin.as_str(),
        &json!({"items": [{"country": "US", "region": "CA", "rate": "0.07", "exempt": true}]}),
    )
    .await
    .invalid("exempt");
    // A refused table leaves the old one in place.
    let rates = app.get("/api/v1/admin/tax-rates", admin.as_str()).await;
    assert_eq!(rates.expect(200)["items"], json!([]));
}

#[tokio::test]
async fn a_percent_promotion_is_applied_in_the_quote() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    app.set_tax_rates(admin, &[("US", "CA", "0.0725")]).await;
    let product = app.create_product(admin, "10.00", 50).await;
    let id = product["id"].as_str().expect("id");

    let created = app
        .post(
            "/api/v1/admin/promotions",
            admin,
            &json!({"code": "SAVE10", "kind": "percent", "value": "10"}),
        )
        .await;
    let promo = created.expect(201);
    assert_eq!(promo["code"], "SAVE10");
    assert_eq!(promo["kind"], "percent");
    app.post(
        "/api/v1/admin/promotions",
        admin,
        &json!({"code": "FIVE", "kind": "fixed", "value": "5.00", "min_subtotal": "20.00",
                "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z", "max_uses": 100}),
    )
    .await
    .expect(201);
    let listed = app.get("/api/v1/admin/promotions", admin).await;
    let codes: Vec<String> = listed.expect(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["code"].as_str().map(str::to_string))
        .collect();
    assert!(codes.contains(&"SAVE10".to_string()) && codes.contains(&"FIVE".to_string()));
    app.post(
        "/api/v1/admin/promotions",
        admin,
        &json!({"code": "BAD", "kind": "percent", "value": "150"}),
    )
    .await
    .invalid("value");
    app.post(
        "/api/v1/admin/promotions",
        admin,
        &json!({"code": "BAD2", "kind": "bogus", "value": "1"}),
    )
    .await
    .problem(422, "validation_failed");

    let c = app.customer().await;
    // 3 x 10.00 = 30.00, less 10 % = 27.00, tax 7.25 % = 1.9575 -> 1.96.
    let resp = app.quote(&c.token, id, 3, "CA", Some("save10")).await;
    let q = resp.expect(201);
    assert_eq!(q["promo_code"], "SAVE10");
    assert_eq!(amount(&q["subtotal"]), "30.00");
    assert_eq!(amount(&q["discount_total"]), "3.00");
    assert_eq!(amount(&q["tax_total"]), "1.96");
    assert_eq!(amount(&q["total"]), "28.96");
    assert_eq!(amount(&q["lines"][0]["discount"]), "3.00");

    let unknown = app.quote(&c.token, id, 1, "CA", Some("NOPE")).await;
    unknown.problem(422, "invalid_promotion");
}

#[tokio::test]
async fn a_client_cannot_send_a_price_a_tax_flag_or_a_total() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "10.00", 5).await;
    let id = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote = |items: serde_json::Value| json!({"items": items, "ship_to": address("CA")});

    for (field, extra) in [
        (
            "price",
            json!({"product_id": id, "quantity": 1, "price": "0.01"}),
        ),
        (
            "unit_price",
            json!({"product_id": id, "quantity": 1, "unit_price": "0.01"}),
        ),
        (
            "unit_price",
            json!({"product_id": id, "quantity": 1, "unit_price": {"amount": "0.01", "currency": "USD"}}),
        ),
        (
            "total",
            json!({"product_id": id, "quantity": 1, "total": "0.01"}),
        ),
    ] {
        app.post("/api/v1/checkout/quote", &c, &quote(json!([extra])))
            .await
            .invalid(field);
    }
    for (field, value) in [
        ("tax_exempt", json!(true)),
        ("total", json!("0.01")),
        ("discount_total", json!("9.99")),
    ] {
        let mut body = quote(json!([{"product_id": id, "quantity": 1}]));
        body[field] = value;
        app.post("/api/v1/checkout/quote", &c, &body)
            .await
            .invalid(field);
    }
    // Other validation.
    app.post(
        "/api/v1/checkout/quote",
        &c,
        &quote(json!([{"product_id": id, "quantity": 0}])),
    )
    .await
    .problem(422, "validation_failed");
    app.post("/api/v1/checkout/quote", &c, &quote(json!([])))
        .await
        .problem(422, "validation_failed");
    let mut bad_address = quote(json!([{"product_id": id, "quantity": 1}]));
    bad_address["ship_to"]["country"] = json!("United States");
    app.post("/api/v1/checkout/quote", &c, &bad_address)
        .await
        .invalid("ship_to.country");
}

#[tokio::test]
async fn an_expired_quote_cannot_be_ordered() {
    let app = TestApp::builder()
        .env("SHOP_QUOTE_TTL_SECONDS", "1")
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "10.00", 5).await;
    let id = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote = app.quote(&c.token, id, 1, "CA", None).await;
    let q = quote.expect(201);
    let quote_id = q["quote_id"].as_str().expect("quote_id");
    let expires_at: DateTime<Utc> = q["expires_at"]
        .as_str()
        .and_then(|at| at.parse().ok())
        .expect("expires_at is an RFC 3339 instant");
    // The app's clock is this machine's: past the quote's expiry here is
    // past it there.
    let started = Instant::now();
    while Utc::now() <= expires_at {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "a quote with a 1 s TTL expires at {expires_at}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resp = app
        .place_order(&c.token, quote_id, "cnon:card-nonce-ok", "expired-quote-1")
        .await;
    resp.problem(409, "quote_expired");
    // Nothing was reserved.
    let seen = app.get(&format!("/api/v1/products/{id}"), &c).await;
    assert_eq!(seen.expect(200)["stock"], 5);
}
