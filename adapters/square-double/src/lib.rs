//! A test double of Square's Payments API v2, over real HTTP: for the
//! adapter's tests, the black-box tests and local development. Never for
//! production.
//!
//! Endpoints (Square's paths and shapes, `payments-openapi.json` 2025-08-20):
//! `POST /v2/payments`, `GET /v2/payments/{id}`,
//! `POST /v2/payments/{id}/complete`, `POST /v2/payments/{id}/cancel`,
//! `POST /v2/payments/cancel` (by idempotency key) and `POST /v2/refunds`.
//!
//! Semantics:
//! - statuses APPROVED (autocomplete=false), COMPLETED, CANCELED, FAILED;
//! - the sandbox nonces: `cnon:card-nonce-ok` approves; `-declined`
//!   (GENERIC_DECLINE), `-rejected-cvv` (CVV_FAILURE), `-rejected-postalcode`
//!   (ADDRESS_VERIFICATION_FAILURE), `-rejected-expiration`
//!   (INVALID_EXPIRATION) answer 402 and `-already-used` (CARD_TOKEN_USED)
//!   400, all with category PAYMENT_METHOD_ERROR and a FAILED payment;
//! - the same idempotency key with the same body replays the first answer
//!   (the payment as it stands now); with another body it is
//!   `IDEMPOTENCY_KEY_REUSED`;
//! - an APPROVED payment not completed within the authorization window
//!   (7 days unless configured) becomes CANCELED;
//! - every request needs `Authorization: Bearer <token>` (any token unless
//!   one is configured).
//!
//! Control endpoints (not Square's): `GET /_double/ledger`,
//! `POST /_double/faults` with `{"fail_next":N,"delay_ms":M,"drop_next":K}`
//! (the next N Square requests answer 500 with no effect; every request
//! waits M ms; the next K requests take effect and then lose their answer:
//! the connection drops mid-response), `POST /_double/expire` (voids every
//! APPROVED payment now, as if the window had passed).

pub mod openapi;

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data, Json};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The nonce Square's sandbox approves.
pub const NONCE_OK: &str = "cnon:card-nonce-ok";

/// The sandbox nonces that decline: nonce, Square's code, HTTP status.
pub const DECLINING_NONCES: [(&str, &str, u16); 5] = [
    ("cnon:card-nonce-declined", "GENERIC_DECLINE", 402),
    ("cnon:card-nonce-rejected-cvv", "CVV_FAILURE", 402),
    (
        "cnon:card-nonce-rejected-postalcode",
        "ADDRESS_VERIFICATION_FAILURE",
        402,
    ),
    (
        "cnon:card-nonce-rejected-expiration",
        "INVALID_EXPIRATION",
        402,
    ),
    ("cnon:card-nonce-already-used", "CARD_TOKEN_USED", 400),
];

/// How the double behaves.
#[derive(Debug, Clone)]
pub struct DoubleConfig {
    /// How long an APPROVED payment waits for completion before it is
    /// voided (Square: 7 days card-not-present).
    pub authorization_window: Duration,
    /// When set, requests must carry exactly this bearer token.
    pub access_token: Option<String>,
}

impl Default for DoubleConfig {
    fn default() -> Self {
        Self {
            authorization_window: Duration::days(7),
            access_token: None,
        }
    }
}

/// One payment in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerPayment {
    pub id: String,
    pub idempotency_key: String,
    pub amount: i64,
    pub currency: String,
    pub source_id: String,
    pub location_id: Option<String>,
    pub reference_id: Option<String>,
    pub buyer_email_address: Option<String>,
    pub status: String,
    /// How many times it went from APPROVED to COMPLETED: more than one
    /// would be a double charge.
    pub completions: u32,
    pub refunded: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delayed_until: Option<DateTime<Utc>>,
    pub version_token: String,
}

/// One refund in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerRefund {
    pub id: String,
    pub idempotency_key: String,
    pub payment_id: String,
    pub amount: i64,
    pub currency: String,
}

/// What the double has done, for assertions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Ledger {
    pub payments: Vec<LedgerPayment>,
    pub refunds: Vec<LedgerRefund>,
    /// Every Square request's method, path and `Square-Version` header.
    pub requests: Vec<RecordedRequest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub square_version: Option<String>,
    /// The JSON body, when there was one.
    pub body: Option<Value>,
}

/// Faults to inject into the next requests to Square's paths.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Faults {
    /// The next N requests answer 500 and have no effect.
    #[serde(default)]
    pub fail_next: u32,
    /// Every request waits this long before it is handled.
    #[serde(default)]
    pub delay_ms: u64,
    /// The next N requests take effect, then their answer is lost.
    #[serde(default)]
    pub drop_next: u32,
}

#[derive(Debug)]
enum CreateOutcome {
    /// A payment was made (approved, completed or failed).
    Payment {
        id: String,
        decline: Option<(String, u16)>,
    },
    /// A request error: replayed as it was.
    Error { status: u16, body: Value },
}

#[derive(Debug, Default)]
struct State {
    ledger: Ledger,
    creates: HashMap<String, (Value, CreateOutcome)>,
    refund_keys: HashMap<String, (Value, String)>,
    faults: Faults,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    config: DoubleConfig,
}

/// An answer, before faults decide whether it arrives.
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self { status: 200, body }
    }

    fn error(status: u16, category: &str, code: &str, detail: &str) -> Self {
        Self {
            status,
            body: error_body(category, code, detail),
        }
    }
}

fn error_body(category: &str, code: &str, detail: &str) -> Value {
    json!({"errors": [{"category": category, "code": code, "detail": detail}]})
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn card_status(status: &str) -> &'static str {
    match status {
        "APPROVED" => "AUTHORIZED",
        "COMPLETED" => "CAPTURED",
        "CANCELED" => "VOIDED",
        _ => "FAILED",
    }
}

fn money(amount: i64, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

/// Square's `Payment` object for a ledger entry.
fn payment_json(p: &LedgerPayment, window: Duration, refund_ids: &[String]) -> Value {
    let mut body = json!({
        "id": p.id,
        "created_at": timestamp(p.created_at),
        "updated_at": timestamp(p.updated_at),
        "amount_money": money(p.amount, &p.currency),
        "total_money": money(p.amount, &p.currency),
        "approved_money": money(if p.status == "FAILED" { 0 } else { p.amount }, &p.currency),
        "status": p.status,
        "delay_duration": format!("PT{}S", window.num_seconds()),
        "delay_action": "CANCEL",
        "source_type": "CARD",
        "card_details": {
            "status": card_status(&p.status),
            "card": {
                "card_brand": "VISA",
                "last_4": "1111",
                "exp_month": 12,
                "exp_year": 2030,
                "fingerprint": "sq-1-double",
                "card_type": "CREDIT",
                "bin": "411111"
            },
            "entry_method": "KEYED",
            "cvv_status": if p.status == "FAILED" { "CVV_REJECTED" } else { "CVV_ACCEPTED" },
            "avs_status": if p.status == "FAILED" { "AVS_REJECTED" } else { "AVS_ACCEPTED" },
            "statement_description": "SQ *SHOP"
        },
        "version_token": p.version_token,
        "capabilities": ["EDIT_AMOUNT_UP", "EDIT_AMOUNT_DOWN"],
        "receipt_number": p.id.chars().take(4).collect::<String>(),
    });
    if let Some(object) = body.as_object_mut() {
        if let Some(at) = p.delayed_until {
            object.insert("delayed_until".into(), json!(timestamp(at)));
        }
        if let Some(v) = &p.location_id {
            object.insert("location_id".into(), json!(v));
        }
        if let Some(v) = &p.reference_id {
            object.insert("reference_id".into(), json!(v));
        }
        if let Some(v) = &p.buyer_email_address {
            object.insert("buyer_email_address".into(), json!(v));
        }
        if p.refunded > 0 {
            object.insert("refunded_money".into(), money(p.refunded, &p.currency));
            object.insert("refund_ids".into(), json!(refund_ids));
        }
    }
    body
}

fn refund_json(r: &LedgerRefund, location_id: Option<&str>, at: DateTime<Utc>) -> Value {
    let mut body = json!({
        "id": r.id,
        "status": "PENDING",
        "amount_money": money(r.amount, &r.currency),
        "payment_id": r.payment_id,
        "created_at": timestamp(at),
        "updated_at": timestamp(at),
    });
    if let (Some(object), Some(location)) = (body.as_object_mut(), location_id) {
        object.insert("location_id".into(), json!(location));
    }
    body
}

fn new_id() -> String {
    // Square's ids are opaque alphanumerics.
    uuid::Uuid::new_v4().simple().to_string()
}

impl State {
    fn expire(&mut self, now: DateTime<Utc>) {
        for p in &mut self.ledger.payments {
            if p.status == "APPROVED" && p.delayed_until.is_some_and(|at| at <= now) {
                p.status = "CANCELED".into();
                p.updated_at = now;
                p.version_token = new_id();
            }
        }
    }

    fn payment_reply(&self, id: &str, window: Duration) -> Reply {
        match self.ledger.payments.iter().find(|p| p.id == id) {
            Some(p) => Reply::ok(json!({"payment": payment_json(p, window, &self.refund_ids(id))})),
            None => not_found(id),
        }
    }

    fn refund_ids(&self, payment_id: &str) -> Vec<String> {
        self.ledger
            .refunds
            .iter()
            .filter(|r| r.payment_id == payment_id)
            .map(|r| r.id.clone())
            .collect()
    }

    fn replay(&self, outcome: &CreateOutcome, window: Duration) -> Reply {
        match outcome {
            CreateOutcome::Error { status, body } => Reply {
                status: *status,
                body: body.clone(),
            },
            CreateOutcome::Payment { id, decline } => {
                let reply = self.payment_reply(id, window);
                match decline {
                    None => reply,
                    Some((code, status)) => {
                        let mut body = error_body(
                            "PAYMENT_METHOD_ERROR",
                            code,
                            &format!("Authorization error: '{code}'"),
                        );
                        if let (Some(object), Some(payment)) =
                            (body.as_object_mut(), reply.body.get("payment"))
                        {
                            object.insert("payment".into(), payment.clone());
                        }
                        Reply {
                            status: *status,
                            body,
                        }
                    }
                }
            }
        }
    }
}

fn not_found(id: &str) -> Reply {
    Reply::error(
        404,
        "INVALID_REQUEST_ERROR",
        "NOT_FOUND",
        &format!("Could not find payment with id: {id}"),
    )
}

fn invalid(code: &str, field: &str, detail: &str) -> Reply {
    Reply {
        status: 400,
        body: json!({"errors": [{
            "category": "INVALID_REQUEST_ERROR",
            "code": code,
            "detail": detail,
            "field": field
        }]}),
    }
}

fn check_key(body: &Value) -> Result<String, Reply> {
    match body.get("idempotency_key").and_then(Value::as_str) {
        None | Some("") => Err(invalid(
            "MISSING_REQUIRED_PARAMETER",
            "idempotency_key",
            "Missing required parameter.",
        )),
        Some(key) if key.chars().count() > 45 => Err(invalid(
            "VALUE_TOO_LONG",
            "idempotency_key",
            "Field must not be greater than 45 length",
        )),
        Some(key) => Ok(key.to_string()),
    }
}

fn read_money(body: &Value, field: &str) -> Result<(i64, String), Reply> {
    let amount = body
        .get(field)
        .and_then(|m| m.get("amount"))
        .and_then(Value::as_i64);
    let currency = body
        .get(field)
        .and_then(|m| m.get("currency"))
        .and_then(Value::as_str);
    match (amount, currency) {
        (Some(a), Some(c)) if a > 0 && c.len() == 3 => Ok((a, c.to_string())),
        (None, _) | (_, None) => Err(invalid(
            "MISSING_REQUIRED_PARAMETER",
            field,
            "Missing required parameter.",
        )),
        _ => Err(invalid(
            "INVALID_VALUE",
            field,
            "Amount must be greater than 0 and the currency an ISO 4217 code.",
        )),
    }
}

fn text(body: &Value, field: &str) -> Option<String> {
    body.get(field).and_then(Value::as_str).map(str::to_string)
}

impl Shared {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn create(&self, body: &Value) -> Reply {
        let window = self.config.authorization_window;
        let key = match check_key(body) {
            Ok(key) => key,
            Err(reply) => return reply,
        };
        let mut state = self.state.lock();
        if let Some((first, outcome)) = state.creates.get(&key) {
            if first != body {
                return invalid(
                    "IDEMPOTENCY_KEY_REUSED",
                    "idempotency_key",
                    "The idempotency key was used with another request.",
                );
            }
            return state.replay(outcome, window);
        }
        let outcome = match self.make_payment(&mut state, &key, body) {
            Ok(outcome) => outcome,
            Err(reply) => CreateOutcome::Error {
                status: reply.status,
                body: reply.body,
            },
        };
        let reply = state.replay(&outcome, window);
        state.creates.insert(key, (body.clone(), outcome));
        reply
    }

    fn make_payment(
        &self,
        state: &mut State,
        key: &str,
        body: &Value,
    ) -> Result<CreateOutcome, Reply> {
        let source_id = text(body, "source_id").unwrap_or_default();
        if source_id.is_empty() {
            return Err(invalid(
                "MISSING_REQUIRED_PARAMETER",
                "source_id",
                "Missing required parameter.",
            ));
        }
        let (amount, currency) = read_money(body, "amount_money")?;
        let decline = DECLINING_NONCES
            .iter()
            .find(|(nonce, _, _)| *nonce == source_id)
            .map(|(_, code, status)| ((*code).to_string(), *status));
        if source_id != NONCE_OK && decline.is_none() {
            return Err(invalid(
                "INVALID_CARD_DATA",
                "source_id",
                "Invalid card data.",
            ));
        }
        let autocomplete = body
            .get("autocomplete")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let now = self.now();
        let id = new_id();
        let status = match (&decline, autocomplete) {
            (Some(_), _) => "FAILED",
            (None, true) => "COMPLETED",
            (None, false) => "APPROVED",
        };
        state.ledger.payments.push(LedgerPayment {
            id: id.clone(),
            idempotency_key: key.to_string(),
            amount,
            currency,
            source_id,
            location_id: text(body, "location_id"),
            reference_id: text(body, "reference_id"),
            buyer_email_address: text(body, "buyer_email_address"),
            status: status.into(),
            completions: u32::from(status == "COMPLETED"),
            refunded: 0,
            created_at: now,
            updated_at: now,
            delayed_until: (status == "APPROVED").then(|| now + self.config.authorization_window),
            version_token: new_id(),
        });
        Ok(CreateOutcome::Payment { id, decline })
    }

    fn complete(&self, id: &str, body: &Value) -> Reply {
        let window = self.config.authorization_window;
        let now = self.now();
        let mut state = self.state.lock();
        let Some(payment) = state.ledger.payments.iter_mut().find(|p| p.id == id) else {
            return not_found(id);
        };
        if let Some(token) = body.get("version_token").and_then(Value::as_str)
            && token != payment.version_token
        {
            return invalid(
                "VERSION_MISMATCH",
                "version_token",
                "The version token does not match the payment's current version.",
            );
        }
        if payment.status != "APPROVED" {
            return Reply::error(
                400,
                "INVALID_REQUEST_ERROR",
                "BAD_REQUEST",
                &format!("Payment is {} and cannot be completed.", payment.status),
            );
        }
        payment.status = "COMPLETED".into();
        payment.completions += 1;
        payment.updated_at = now;
        payment.version_token = new_id();
        state.payment_reply(id, window)
    }

    fn cancel(&self, id: &str) -> Reply {
        let window = self.config.authorization_window;
        let now = self.now();
        let mut state = self.state.lock();
        let Some(payment) = state.ledger.payments.iter_mut().find(|p| p.id == id) else {
            return not_found(id);
        };
        if payment.status != "APPROVED" {
            return Reply::error(
                400,
                "INVALID_REQUEST_ERROR",
                "BAD_REQUEST",
                &format!("Payment is {} and cannot be canceled.", payment.status),
            );
        }
        payment.status = "CANCELED".into();
        payment.updated_at = now;
        payment.version_token = new_id();
        state.payment_reply(id, window)
    }

    fn cancel_by_key(&self, body: &Value) -> Reply {
        let key = match check_key(body) {
            Ok(key) => key,
            Err(reply) => return reply,
        };
        let now = self.now();
        let mut state = self.state.lock();
        if let Some(payment) = state
            .ledger
            .payments
            .iter_mut()
            .find(|p| p.idempotency_key == key)
        {
            match payment.status.as_str() {
                "APPROVED" => {
                    payment.status = "CANCELED".into();
                    payment.updated_at = now;
                    payment.version_token = new_id();
                }
                "COMPLETED" => {
                    return Reply::error(
                        400,
                        "INVALID_REQUEST_ERROR",
                        "BAD_REQUEST",
                        "Payment is COMPLETED and cannot be canceled.",
                    );
                }
                _ => {}
            }
        }
        // Square answers 200 even when no payment matches.
        Reply::ok(json!({}))
    }

    fn refund(&self, body: &Value) -> Reply {
        let key = match check_key(body) {
            Ok(key) => key,
            Err(reply) => return reply,
        };
        let (amount, currency) = match read_money(body, "amount_money") {
            Ok(m) => m,
            Err(reply) => return reply,
        };
        let Some(payment_id) = text(body, "payment_id") else {
            return invalid(
                "MISSING_REQUIRED_PARAMETER",
                "payment_id",
                "Missing required parameter.",
            );
        };
        let now = self.now();
        let mut state = self.state.lock();
        if let Some((first, refund_id)) = state.refund_keys.get(&key) {
            if first != body {
                return invalid(
                    "IDEMPOTENCY_KEY_REUSED",
                    "idempotency_key",
                    "The idempotency key was used with another request.",
                );
            }
            let refund_id = refund_id.clone();
            return match state.ledger.refunds.iter().find(|r| r.id == refund_id) {
                Some(r) => {
                    let location = state
                        .ledger
                        .payments
                        .iter()
                        .find(|p| p.id == r.payment_id)
                        .and_then(|p| p.location_id.clone());
                    Reply::ok(json!({"refund": refund_json(r, location.as_deref(), now)}))
                }
                None => not_found(&refund_id),
            };
        }
        let Some(payment) = state
            .ledger
            .payments
            .iter_mut()
            .find(|p| p.id == payment_id)
        else {
            return not_found(&payment_id);
        };
        if payment.status != "COMPLETED" {
            return Reply::error(
                400,
                "INVALID_REQUEST_ERROR",
                "BAD_REQUEST",
                &format!("Payment is {} and cannot be refunded.", payment.status),
            );
        }
        if currency != payment.currency {
            return invalid(
                "CURRENCY_MISMATCH",
                "amount_money.currency",
                "The refund's currency differs from the payment's.",
            );
        }
        if amount > payment.amount - payment.refunded {
            return invalid(
                "REFUND_AMOUNT_INVALID",
                "amount_money.amount",
                "The refund exceeds the refundable amount.",
            );
        }
        payment.refunded += amount;
        payment.updated_at = now;
        let location = payment.location_id.clone();
        let refund = LedgerRefund {
            id: format!("{}_{}", payment_id, new_id()),
            idempotency_key: key.clone(),
            payment_id,
            amount,
            currency,
        };
        let reply = Reply::ok(json!({"refund": refund_json(&refund, location.as_deref(), now)}));
        state
            .refund_keys
            .insert(key, (body.clone(), refund.id.clone()));
        state.ledger.refunds.push(refund);
        reply
    }
}

/// What a request may do before it is handled: wait, fail or be dropped.
enum Fault {
    None,
    Fail,
    Drop,
}

async fn square(request: HttpRequest, shared: Data<Shared>, body: Bytes) -> HttpResponse {
    let method = request.method().clone();
    let path = request.path().to_string();
    let square_version = request
        .headers()
        .get("Square-Version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (delay, fault) = {
        let mut state = shared.state.lock();
        state.ledger.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            square_version,
            body: serde_json::from_slice(&body).ok(),
        });
        let delay = state.faults.delay_ms;
        let fault = if state.faults.fail_next > 0 {
            state.faults.fail_next -= 1;
            Fault::Fail
        } else if state.faults.drop_next > 0 {
            state.faults.drop_next -= 1;
            Fault::Drop
        } else {
            Fault::None
        };
        (delay, fault)
    };
    if delay > 0 {
        tokio::time::sleep(StdDuration::from_millis(delay)).await;
    }
    let reply = authorize(&request, &shared.config)
        .err()
        .unwrap_or_else(|| match fault {
            Fault::Fail => Reply::error(
                500,
                "API_ERROR",
                "INTERNAL_SERVER_ERROR",
                "An internal error occurred (injected).",
            ),
            Fault::None | Fault::Drop => handle(&shared, &method, &path, &body),
        });
    if matches!(fault, Fault::Drop) {
        // The effect happened; the answer never arrives whole.
        let cut = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("response dropped (injected)"))
        });
        return HttpResponse::Ok()
            .content_type("application/json")
            .streaming(cut);
    }
    respond(reply)
}

fn authorize(request: &HttpRequest, config: &DoubleConfig) -> Result<(), Reply> {
    let token = request
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    match (token, &config.access_token) {
        (Some(given), Some(wanted)) if given == wanted => Ok(()),
        (Some(_), None) => Ok(()),
        _ => Err(Reply::error(
            401,
            "AUTHENTICATION_ERROR",
            "UNAUTHORIZED",
            "This request could not be authorized.",
        )),
    }
}

fn handle(shared: &Shared, method: &actix_web::http::Method, path: &str, body: &Bytes) -> Reply {
    let window = shared.config.authorization_window;
    {
        let now = shared.now();
        shared.state.lock().expire(now);
    }
    let json_body = || -> Result<Value, Reply> {
        if body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice::<Value>(body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| invalid("INVALID_CONTENT_TYPE", "", "The body is not a JSON object."))
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let is_post = method == actix_web::http::Method::POST;
    let result = match segments.as_slice() {
        ["v2", "payments"] if is_post => json_body().map(|b| shared.create(&b)),
        ["v2", "payments", "cancel"] if is_post => json_body().map(|b| shared.cancel_by_key(&b)),
        ["v2", "payments", id] if method == actix_web::http::Method::GET => {
            Ok(shared.state.lock().payment_reply(id, window))
        }
        ["v2", "payments", id, "complete"] if is_post => {
            json_body().map(|b| shared.complete(id, &b))
        }
        ["v2", "payments", id, "cancel"] if is_post => json_body().map(|_| shared.cancel(id)),
        ["v2", "refunds"] if is_post => json_body().map(|b| shared.refund(&b)),
        _ => Ok(Reply::error(
            404,
            "INVALID_REQUEST_ERROR",
            "NOT_FOUND",
            "The double does not serve this endpoint.",
        )),
    };
    result.unwrap_or_else(|reply| reply)
}

fn respond(reply: Reply) -> HttpResponse {
    HttpResponse::build(
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    )
    .json(reply.body)
}

async fn ledger(shared: Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(&shared.state.lock().ledger)
}

async fn set_faults(shared: Data<Shared>, faults: Json<Faults>) -> HttpResponse {
    shared.state.lock().faults = faults.into_inner();
    HttpResponse::NoContent().finish()
}

async fn expire_all(shared: Data<Shared>) -> HttpResponse {
    let now = shared.now();
    let mut state = shared.state.lock();
    for p in &mut state.ledger.payments {
        if p.status == "APPROVED" {
            p.delayed_until = Some(now);
        }
    }
    state.expire(now);
    HttpResponse::NoContent().finish()
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/_double/ledger", web::get().to(ledger))
        .route("/_double/faults", web::post().to(set_faults))
        .route("/_double/expire", web::post().to(expire_all))
        .default_service(web::to(square));
}

/// A running double; dropping it does not stop it, [`stop`](Self::stop) does.
#[derive(Clone)]
pub struct SquareDouble {
    base_url: String,
    shared: Data<Shared>,
    handle: actix_web::dev::ServerHandle,
}

impl std::fmt::Debug for SquareDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SquareDouble")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SquareDouble {
    /// Starts a double on a free 127.0.0.1 port with the default config,
    /// on the current Tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(DoubleConfig::default(), "127.0.0.1:0").await
    }

    /// Starts a double listening on `address` (`host:port`; port 0 picks one).
    pub async fn start_with(config: DoubleConfig, address: &str) -> std::io::Result<Self> {
        let shared = Data::new(Shared {
            state: Mutex::new(State::default()),
            config,
        });
        let listener = std::net::TcpListener::bind(address)?;
        let bound = listener.local_addr()?;
        let data = shared.clone();
        let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)?
            .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            base_url: format!("http://{bound}"),
            shared,
            handle,
        })
    }

    /// `http://127.0.0.1:PORT`, for the adapter's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A copy of the ledger as it stands (expiries applied).
    pub fn ledger(&self) -> Ledger {
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        state.expire(now);
        state.ledger.clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.state.lock().faults = faults;
    }

    /// Makes the next `n` Square requests answer 500 without effect.
    pub fn fail_next(&self, n: u32) {
        self.shared.state.lock().faults.fail_next = n;
    }

    /// Makes the next `n` Square requests take effect and lose their answer.
    pub fn drop_next(&self, n: u32) {
        self.shared.state.lock().faults.drop_next = n;
    }

    /// Voids every APPROVED payment now, as if its window had passed.
    pub fn expire_all(&self) {
        let now = self.shared.now();
        let mut state = self.shared.state.lock();
        for p in &mut state.ledger.payments {
            if p.status == "APPROVED" {
                p.delayed_until = Some(now);
            }
        }
        state.expire(now);
    }

    /// Stops the server (gracefully, at most a second).
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}
