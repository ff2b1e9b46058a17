//! The double answers in Square's shapes: every response of every endpoint,
//! success and error, conforms to its schema in `payments-openapi.json`.

// Test helpers outside #[test] fns fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use shop_square_double::openapi::{spec, violations};
use shop_square_double::{DECLINING_NONCES, NONCE_OK, SquareDouble};

struct Client {
    http: reqwest::Client,
    base: String,
    spec: Value,
}

impl Client {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        schema: &str,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        }
        .bearer_auth("sandbox-token")
        .header("Square-Version", "2025-08-20");
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        let problems = violations(&self.spec, schema, &body);
        assert!(
            problems.is_empty(),
            "{method} {path} -> {status} {body}: {problems:#?}"
        );
        (status, body)
    }
}

fn create(key: &str, source: &str, amount: i64) -> Value {
    json!({
        "source_id": source,
        "idempotency_key": key,
        "amount_money": {"amount": amount, "currency": "USD"},
        "autocomplete": false,
        "location_id": "L-DOUBLE",
        "reference_id": "SO-000001",
        "buyer_email_address": "buyer@example.test"
    })
}

#[tokio::test]
async fn every_answer_conforms_to_squares_schemas() {
    let double = SquareDouble::start().await.unwrap();
    let client = Client {
        http: reqwest::Client::new(),
        base: double.base_url().to_string(),
        spec: spec().unwrap(),
    };
    // The request bodies the adapter sends conform too.
    for (schema, body) in [
        ("CreatePaymentRequest", create("k", NONCE_OK, 1)),
        (
            "CancelPaymentByIdempotencyKeyRequest",
            json!({"idempotency_key": "k"}),
        ),
        ("CompletePaymentRequest", json!({})),
        (
            "RefundPaymentRequest",
            json!({"idempotency_key": "r", "amount_money": {"amount": 1, "currency": "USD"}, "payment_id": "p"}),
        ),
    ] {
        assert!(
            violations(&client.spec, schema, &body).is_empty(),
            "{schema}"
        );
    }

    let (status, made) = client
        .call(
            "POST",
            "/v2/payments",
            Some(create("a1", NONCE_OK, 1250)),
            "CreatePaymentResponse",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(made["payment"]["status"], "APPROVED");
    assert_eq!(made["payment"]["amount_money"]["amount"], 1250);
    assert!(made["payment"]["delayed_until"].is_string());
    let id = made["payment"]["id"].as_str().unwrap().to_string();

    let (status, got) = client
        .call(
            "GET",
            &format!("/v2/payments/{id}"),
            None,
            "GetPaymentResponse",
        )
        .await;
    assert_eq!((status, &got["payment"]["id"]), (200, &json!(id)));

    let (status, done) = client
        .call(
            "POST",
            &format!("/v2/payments/{id}/complete"),
            Some(json!({})),
            "CompletePaymentResponse",
        )
        .await;
    assert_eq!(
        (status, &done["payment"]["status"]),
        (200, &json!("COMPLETED"))
    );

    let (status, again) = client
        .call(
            "POST",
            &format!("/v2/payments/{id}/complete"),
            Some(json!({})),
            "CompletePaymentResponse",
        )
        .await;
    // Completing a completed payment answers it unchanged.
    assert_eq!(
        (status, &again["payment"]["status"]),
        (200, &json!("COMPLETED"))
    );
    assert_eq!(
        again["payment"]["version_token"],
        done["payment"]["version_token"]
    );

    let (status, refund) = client
        .call(
            "POST",
            "/v2/refunds",
            Some(json!({"idempotency_key": "r1", "amount_money": {"amount": 250, "currency": "USD"}, "payment_id": id})),
            "RefundPaymentResponse",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(refund["refund"]["amount_money"]["amount"], 250);
    let (_, refunded) = client
        .call(
            "GET",
            &format!("/v2/payments/{id}"),
            None,
            "GetPaymentResponse",
        )
        .await;
    assert_eq!(refunded["payment"]["refunded_money"]["amount"], 250);

    let (_, second) = client
        .call(
            "POST",
            "/v2/payments",
            Some(create("a2", NONCE_OK, 500)),
            "CreatePaymentResponse",
        )
        .await;
    let second_id = second["payment"]["id"].as_str().unwrap().to_string();
    let (status, canceled) = client
        .call(
            "POST",
            &format!("/v2/payments/{second_id}/cancel"),
            Some(json!({})),
            "CancelPaymentResponse",
        )
        .await;
    assert_eq!(
        (status, &canceled["payment"]["status"]),
        (200, &json!("CANCELED"))
    );

    client
        .call(
            "POST",
            "/v2/payments",
            Some(create("a3", NONCE_OK, 700)),
            "CreatePaymentResponse",
        )
        .await;
    let (status, _) = client
        .call(
            "POST",
            "/v2/payments/cancel",
            Some(json!({"idempotency_key": "a3"})),
            "CancelPaymentByIdempotencyKeyResponse",
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = client
        .call(
            "POST",
            "/v2/payments/cancel",
            Some(json!({"idempotency_key": "never-used"})),
            "CancelPaymentByIdempotencyKeyResponse",
        )
        .await;
    assert_eq!(status, 200);

    for (i, (nonce, code, http)) in DECLINING_NONCES.iter().enumerate() {
        let (status, body) = client
            .call(
                "POST",
                "/v2/payments",
                Some(create(&format!("d{i}"), nonce, 300)),
                "CreatePaymentResponse",
            )
            .await;
        assert_eq!(status, *http, "{nonce}");
        assert_eq!(body["errors"][0]["category"], "PAYMENT_METHOD_ERROR");
        assert_eq!(body["errors"][0]["code"], *code);
        assert_eq!(body["payment"]["status"], "FAILED");
    }

    let (status, body) = client
        .call(
            "POST",
            "/v2/payments",
            Some(create("a1", NONCE_OK, 1251)),
            "CreatePaymentResponse",
        )
        .await;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (400, &json!("IDEMPOTENCY_KEY_REUSED"))
    );

    let (status, body) = client
        .call("GET", "/v2/payments/nope", None, "GetPaymentResponse")
        .await;
    assert_eq!(
        (status, &body["errors"][0]["code"]),
        (404, &json!("NOT_FOUND"))
    );

    double.fail_next(1);
    let (status, body) = client
        .call(
            "POST",
            "/v2/payments",
            Some(create("a4", NONCE_OK, 100)),
            "CreatePaymentResponse",
        )
        .await;
    assert_eq!(
        (status, &body["errors"][0]["category"]),
        (500, &json!("API_ERROR"))
    );

    let ledger = double.ledger();
    assert!(
        ledger
            .requests
            .iter()
            .all(|r| r.square_version.as_deref() == Some("2025-08-20"))
    );
    double.stop().await;
}

#[tokio::test]
async fn requests_without_a_token_are_unauthorized() {
    let double = SquareDouble::start().await.unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/v2/payments", double.base_url()))
        .json(&create("k", NONCE_OK, 100))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["category"], "AUTHENTICATION_ERROR");
    assert!(double.ledger().payments.is_empty());
    double.stop().await;
}

#[tokio::test]
async fn control_endpoints_show_the_ledger_and_set_faults() {
    let double = SquareDouble::start().await.unwrap();
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/_double/faults", double.base_url()))
        .json(&json!({"fail_next": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    for _ in 0..2 {
        let status = http
            .post(format!("{}/v2/payments", double.base_url()))
            .bearer_auth("t")
            .json(&create("k", NONCE_OK, 100))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 500);
    }
    let status = http
        .post(format!("{}/v2/payments", double.base_url()))
        .bearer_auth("t")
        .json(&create("k", NONCE_OK, 100))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    let ledger: Value = http
        .get(format!("{}/_double/ledger", double.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["payments"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["payments"][0]["status"], "APPROVED");
    assert_eq!(ledger["payments"][0]["completions"], 0);
    double.stop().await;
}

#[path = "support/controls.rs"]
mod controls;
