//! The double's own controls (its clock, faults aimed at one operation)
//! and its answers to malformed requests.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use shop_square_double::{Faults, NONCE_OK, Operation, SquareDouble};

use super::create;

struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    fn on(double: &SquareDouble) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: double.base_url().to_string(),
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        }
        .bearer_auth("t");
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn approve(&self, key: &str) -> String {
        let (status, body) = self
            .send("POST", "/v2/payments", Some(create(key, NONCE_OK, 100)))
            .await;
        assert_eq!(status, 200, "{body}");
        body["payment"]["id"].as_str().unwrap().to_string()
    }

    async fn status_of(&self, id: &str) -> (u16, Value) {
        let (status, body) = self.send("GET", &format!("/v2/payments/{id}"), None).await;
        (status, body["payment"]["status"].clone())
    }
}

#[tokio::test]
async fn the_clock_moves_authorizations_past_their_window() {
    let double = SquareDouble::start().await.unwrap();
    let http = Http::on(&double);
    let id = http.approve("a").await;
    let before = double.now();
    #[allow(
        clippy::disallowed_methods,
        reason = "the double starts at the wall clock"
    )]
    let wall = Utc::now();
    assert!(
        (before - wall).num_seconds().abs() < 5,
        "starts at the wall clock"
    );
    let (status, moved) = http
        .send(
            "POST",
            "/_double/clock",
            Some(json!({"advance_seconds": 6 * 86_400})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(moved["now"].is_string());
    assert_eq!(http.status_of(&id).await, (200, json!("APPROVED")));
    double.advance_clock(Duration::days(1) + Duration::seconds(1));
    assert!(double.now() - before >= Duration::days(7));
    assert_eq!(http.status_of(&id).await, (200, json!("CANCELED")));
    let (status, _) = http
        .send(
            "POST",
            &format!("/v2/payments/{id}/complete"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(double.ledger().payments[0].status, "CANCELED");
    let (status, _) = http
        .send(
            "POST",
            "/_double/clock",
            Some(json!({"advance_seconds": -1})),
        )
        .await;
    assert_eq!(status, 400, "the clock only moves forward");
    double.stop().await;
}

#[tokio::test]
async fn faults_aimed_at_one_operation_spare_the_others() {
    let double = SquareDouble::start().await.unwrap();
    let http = Http::on(&double);
    let (status, _) = http
        .send(
            "POST",
            "/_double/faults",
            Some(json!({"operation": "CompletePayment", "fail_next": 1})),
        )
        .await;
    assert_eq!(status, 204);
    let id = http.approve("a").await;
    let complete = format!("/v2/payments/{id}/complete");
    let (status, body) = http.send("POST", &complete, Some(json!({}))).await;
    assert_eq!(
        (status, &body["errors"][0]["category"]),
        (500, &json!("API_ERROR"))
    );
    assert_eq!(
        double.ledger().payments[0].completions,
        0,
        "a 500 has no effect"
    );
    let (status, _) = http.send("POST", &complete, Some(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(double.ledger().payments[0].completions, 1);

    let (status, body) = http
        .send(
            "POST",
            "/_double/faults",
            Some(json!({"operation": "Complete"})),
        )
        .await;
    assert_eq!(status, 400, "an unknown operation is refused: {body}");
    double.stop().await;
}

#[tokio::test]
async fn fail_until_fails_an_operation_until_the_doubles_clock_reaches_it() {
    let double = SquareDouble::start().await.unwrap();
    let http = Http::on(&double);
    let id = http.approve("a").await;
    double.set_faults(Faults {
        fail_until: Some(double.now() + Duration::hours(1)),
        ..Faults::for_operation(Operation::GetPayment)
    });
    for _ in 0..3 {
        assert_eq!(http.status_of(&id).await.0, 500);
    }
    http.approve("b").await;
    double.advance_clock(Duration::hours(1));
    assert_eq!(http.status_of(&id).await, (200, json!("APPROVED")));
    double.stop().await;
}

#[tokio::test]
async fn an_aimed_delay_slows_only_its_operation() {
    let double = SquareDouble::start().await.unwrap();
    let http = Http::on(&double);
    double.set_faults(Faults {
        delay_ms: 3_000,
        ..Faults::for_operation(Operation::RefundPayment)
    });
    let started = Instant::now();
    http.approve("a").await;
    assert!(started.elapsed() < StdDuration::from_millis(2_000));
    double.set_faults(Faults {
        delay_ms: 300,
        ..Faults::for_operation(Operation::CreatePayment)
    });
    let started = Instant::now();
    http.approve("b").await;
    assert!(started.elapsed() >= StdDuration::from_millis(300));
    double.stop().await;
}

#[tokio::test]
async fn the_recorder_keeps_every_request_with_its_body() {
    let double = SquareDouble::start().await.unwrap();
    let http = Http::on(&double);
    let id = http.approve("a").await;
    http.status_of(&id).await;
    let requests = double.ledger().requests;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/v2/payments")
    );
    assert_eq!(requests[0].body.as_ref().unwrap()["idempotency_key"], "a");
    assert_eq!(requests[1].method, "GET");
    assert_eq!(requests[1].body, None);
    double.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_refused_as_square_refuses_them() {
    let double = SquareDouble::start().await.unwrap();
    let http = Http::on(&double);
    let mut no_source = create("k", NONCE_OK, 100);
    no_source.as_object_mut().unwrap().remove("source_id");
    let mut no_amount = create("k", NONCE_OK, 100);
    no_amount["amount_money"]
        .as_object_mut()
        .unwrap()
        .remove("amount");
    for (body, code, field) in [
        (no_source, "MISSING_REQUIRED_PARAMETER", "source_id"),
        (
            no_amount,
            "MISSING_REQUIRED_PARAMETER",
            "amount_money.amount",
        ),
        (
            create(&"k".repeat(46), NONCE_OK, 100),
            "VALUE_TOO_LONG",
            "idempotency_key",
        ),
        (
            create("k", NONCE_OK, 0),
            "INVALID_VALUE",
            "amount_money.amount",
        ),
    ] {
        let (status, answer) = http.send("POST", "/v2/payments", Some(body)).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["errors"][0]["code"], code, "{answer}");
        assert_eq!(answer["errors"][0]["field"], field, "{answer}");
    }
    let (status, answer) = http.send("POST", "/v2/payments", Some(json!([1, 2]))).await;
    assert_eq!(
        (status, &answer["errors"][0]["code"]),
        (400, &json!("EXPECTED_JSON_BODY"))
    );

    let id = http.approve("a").await;
    let (status, answer) = http
        .send(
            "POST",
            &format!("/v2/payments/{id}/complete"),
            Some(json!({"version_token": "stale"})),
        )
        .await;
    assert_eq!(
        (status, &answer["errors"][0]["code"]),
        (400, &json!("VERSION_MISMATCH"))
    );
    let (status, answer) = http.send("POST", "/v2/nothing-here", Some(json!({}))).await;
    assert_eq!(
        (status, &answer["errors"][0]["code"]),
        (404, &json!("NOT_FOUND"))
    );
    double.stop().await;
}
