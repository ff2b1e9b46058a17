//! Persistence: what the shop stores survives a restart of the binary, and
//! `shop-api migrate` applies pending migrations once.

use std::time::Duration;

use serde_json::{Value, json};
use shop_blackbox::{AppBuilder, TempDir, TestApp, spawn_app};

use crate::business::profile;

/// `N migrations applied` from the sub-command's stdout.
fn applied(out: &std::process::Output) -> u64 {
    assert!(
        out.status.success(),
        "shop-api migrate failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_suffix(" migrations applied"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `N migrations applied` line in {stdout:?}"))
}

#[tokio::test]
async fn migrate_applies_pending_migrations_once() {
    let dir = TempDir::new("shop-blackbox-migrate");
    let builder = AppBuilder::default().with_test_backend();
    let first = applied(&builder.run_in(&dir, &["migrate"]));
    assert!(first > 0, "a new database gets every migration");
    let second = applied(&builder.run_in(&dir, &["migrate"]));
    assert_eq!(second, 0, "an up-to-date database is left alone");
}

#[tokio::test]
async fn users_profiles_orders_and_history_survive_a_restart() {
    let mut app: TestApp = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "12.50", 5).await;
    let pid = product["id"].as_str().expect("id").to_string();

    let c = app.customer().await;
    app.put("/api/v1/me/business", &c, &profile(false))
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/admin/businesses/{}/approve", c.id),
        admin.as_str(),
        &json!({"tax_exempt": false}),
    )
    .await
    .expect(200);
    let quote_id = app.quote_id(&c.token, &pid, 2).await;
    let placed = app
        .place_order(&c.token, &quote_id, "cnon:card-nonce-ok", "restart-1")
        .await;
    let order_id = placed.expect(201)["order"]["id"]
        .as_str()
        .expect("order id")
        .to_string();
    let paid = app
        .wait_for_order(&c.token, &order_id, "paid", Duration::from_secs(15))
        .await;
    let profile_before = app.get("/api/v1/me/business", &c).await.expect(200).clone();

    app.restart().await;

    // The access token from before still verifies: the JWT secret file persisted.
    let me = app.get("/api/v1/me", &c).await;
    assert_eq!(
        me.expect(200)["user"]["email"],
        c.email.as_str(),
        "{}",
        me.text
    );
    let login = app.login(&c.email, &c.password).await;
    assert_eq!(login.expect(200)["business_status"], "approved");
    let token = login.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let profile_after = app.get("/api/v1/me/business", token.as_str()).await;
    assert_eq!(profile_after.expect(200), &profile_before);

    let order = app
        .get(&format!("/api/v1/orders/{order_id}"), token.as_str())
        .await;
    let order: Value = order.expect(200)["order"].clone();
    assert_eq!(order, paid, "the order and its whole history are unchanged");
    assert_eq!(
        order["history"].as_array().map(Vec::len),
        Some(3),
        "{order}"
    );
    let mine = app.get("/api/v1/orders", token.as_str()).await;
    assert_eq!(mine.expect(200)["items"].as_array().map(Vec::len), Some(1));
    let stock = app.admin_product(&admin, &pid).await.expect("product")["stock"].clone();
    assert_eq!(stock, 3);
}
