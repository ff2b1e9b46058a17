//! Transport-level failures: malformed and oversized bodies, wrong media
//! types and methods, unknown routes, unverified webhooks. Every one is a
//! problem+json with a stable code.

use reqwest::Method;
use serde_json::json;
use shop_blackbox::{ANON, spawn_app};

#[tokio::test]
async fn malformed_json_is_400_problem() {
    let app = spawn_app().await;
    app.send_raw(
        Method::POST,
        "/api/v1/auth/register",
        ANON,
        "application/json",
        b"{\"email\": ".to_vec(),
    )
    .await
    .problem(400, "malformed_json");
    app.send_raw(
        Method::POST,
        "/api/v1/auth/login",
        ANON,
        "application/json",
        Vec::new(),
    )
    .await
    .problem(400, "malformed_json");
    // Well-formed JSON of the wrong shape is a validation failure.
    app.send_raw(
        Method::POST,
        "/api/v1/auth/login",
        ANON,
        "application/json",
        b"[1, 2]".to_vec(),
    )
    .await
    .problem(422, "validation_failed");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415_problem() {
    let app = spawn_app().await;
    app.send_raw(
        Method::POST,
        "/api/v1/auth/login",
        ANON,
        "text/plain",
        br#"{"email": "a@example.com", "password": "Whatever-123"}"#.to_vec(),
    )
    .await
    .problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn an_oversized_body_is_413_problem() {
    // The default limit is 64 KiB (SHOP_BODY_LIMIT_BYTES).
    let app = spawn_app().await;
    let c = app.customer().await;
    let huge = json!({
        "name": "Big",
        "email": "big@example.com",
        "subject": "Big",
        "message": "x".repeat(128 * 1024),
    });
    app.post("/api/v1/contact", &c, &huge)
        .await
        .problem(413, "payload_too_large");
    // A smaller limit is honoured too.
    let small = shop_blackbox::TestApp::builder()
        .env("SHOP_BODY_LIMIT_BYTES", "2048")
        .spawn()
        .await;
    let mut body =
        json!({"name": "N", "email": "n@example.com", "subject": "S", "message": "y".repeat(3000)});
    small
        .post("/api/v1/contact", ANON, &body)
        .await
        .problem(413, "payload_too_large");
    body["message"] = json!("short enough");
    small.post("/api/v1/contact", ANON, &body).await.expect(202);
    // The server is fine afterwards.
    app.get("/api/v1/me", &c).await.expect(200);
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_problems() {
    let app = spawn_app().await;
    app.get("/api/v1/no-such-thing", ANON)
        .await
        .problem(404, "not_found");
    app.send(Method::DELETE, "/api/v1/me", ANON, None, &[])
        .await
        .problem(405, "method_not_allowed");
    app.get("/api/v1/auth/login", ANON)
        .await
        .problem(405, "method_not_allowed");
}

#[tokio::test]
async fn an_unverified_square_webhook_is_401() {
    let app = spawn_app().await;
    let event = json!({
        "merchant_id": "M1",
        "type": "payment.updated",
        "event_id": "00000000-0000-0000-0000-000000000001",
        "data": {"type": "payment", "id": "p1", "object": {"payment": {"id": "p1", "status": "CANCELED"}}},
    });
    app.post("/api/v1/webhooks/square", ANON, &event)
        .await
        .problem(401, "invalid_signature");
    app.send(
        Method::POST,
        "/api/v1/webhooks/square",
        ANON,
        Some(&event),
        &[("x-square-hmacsha256-signature", "bm90LWEtc2lnbmF0dXJl")],
    )
    .await
    .problem(401, "invalid_signature");
}
