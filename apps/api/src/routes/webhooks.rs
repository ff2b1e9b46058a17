//! Square webhooks: `POST /api/v1/webhooks/square`, verified by
//! `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature key,
//! notification URL + raw body)), compared in constant time. Without a
//! configured key every notification is refused. The handler only verifies
//! and parses; what an event does is the domain's `PaymentEventService`.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shop_domain::payment::events::{EventOutcome, PaymentEvent};

use crate::payload::resource;
use crate::problem::ApiError;
use crate::state::AppState;

/// The header Square signs notifications in.
pub const SIGNATURE_HEADER: &str = "x-square-hmacsha256-signature";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/webhooks/square").route(web::post().to(square_webhook)));
}

/// Checks Square's webhook signatures for one subscription.
#[derive(Clone)]
pub struct WebhookVerifier {
    key: Vec<u8>,
    notification_url: String,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("notification_url", &self.notification_url)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    pub fn new(signature_key: &str, notification_url: &str) -> Self {
        Self {
            key: signature_key.as_bytes().to_vec(),
            notification_url: notification_url.to_string(),
        }
    }

    fn mac(&self, body: &[u8]) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(self.notification_url.as_bytes());
        mac.update(body);
        Some(mac)
    }

    /// The signature Square sends for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        self.mac(body)
            .map(|mac| {
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
            })
            .unwrap_or_default()
    }

    /// Whether `signature` (the header's value) signs `body`; the
    /// comparison takes the same time wherever the bytes differ.
    pub fn verify(&self, body: &[u8], signature: &str) -> bool {
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
            return false;
        };
        self.mac(body)
            .is_some_and(|mac| mac.verify_slice(&given).is_ok())
    }
}

fn invalid_signature(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        "Invalid signature",
        detail,
    )
}

/// The parts of Square's event notification the shop reads.
fn parse_event(body: &[u8]) -> Result<PaymentEvent, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Invalid body",
            "the notification is not a JSON object",
        )
    })?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let Some(event_id) = value
        .get("event_id")
        .and_then(text)
        .filter(|s| !s.is_empty())
    else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Invalid body",
            "the notification has no event_id",
        ));
    };
    let payment = value
        .get("data")
        .and_then(|d| d.get("object"))
        .and_then(|o| o.get("payment"));
    Ok(PaymentEvent {
        event_id,
        event_type: value.get("type").and_then(text).unwrap_or_default(),
        payment_id: payment
            .and_then(|p| p.get("id"))
            .and_then(text)
            .or_else(|| value.get("data").and_then(|d| d.get("id")).and_then(text)),
        payment_status: payment.and_then(|p| p.get("status")).and_then(text),
    })
}

/// Square event notifications, verified by `x-square-hmacsha256-signature`.
/// `payment.updated` with a CANCELED or FAILED payment ends an order still
/// authorized in `payment_failed` (stock released); a replayed `event_id`
/// changes nothing; other events are acknowledged and ignored.
#[utoipa::path(post, path = "/api/v1/webhooks/square", tag = "webhooks",
    request_body(content = serde_json::Value, description = "A Square event notification"),
    responses(
        (status = 200, description = "Accepted (a replay changes nothing)"),
        (status = 400, description = "`invalid_body`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_signature`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn square_webhook(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(verifier) = &state.square_webhook else {
        return Err(invalid_signature(
            "the notification could not be verified (no webhook signature key is configured)",
        ));
    };
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| invalid_signature("the notification is not signed"))?;
    if !verifier.verify(&body, signature) {
        return Err(invalid_signature("the signature does not match"));
    }
    let event = parse_event(&body)?;
    let outcome = state.payment_events.handle(&event).await?;
    tracing::info!(event_id = %event.event_id, event_type = %event.event_type,
        outcome = ?outcome, "square webhook");
    let word = match outcome {
        EventOutcome::OrderFailed => "order_failed",
        EventOutcome::Ignored => "ignored",
        EventOutcome::Replay => "replay",
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "outcome": word })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_url_and_the_body() {
        let verifier = WebhookVerifier::new("key", "https://shop.test/api/v1/webhooks/square");
        let body = br#"{"event_id":"e"}"#;
        let signature = verifier.sign(body);
        assert!(verifier.verify(body, &signature));
        assert!(!verifier.verify(br#"{"event_id":"f"}"#, &signature));
        assert!(!verifier.verify(body, "not base64!"));
        assert!(!verifier.verify(body, ""));
        let other_url = WebhookVerifier::new("key", "https://elsewhere.test/hook");
        assert!(!other_url.verify(body, &signature));
        let other_key = WebhookVerifier::new("other", "https://shop.test/api/v1/webhooks/square");
        assert!(!other_key.verify(body, &signature));
    }

    #[test]
    fn known_vector() {
        // base64(HMAC-SHA256("key", "https://x.test/h" + "{}")), computed
        // independently (Python hmac).
        let verifier = WebhookVerifier::new("key", "https://x.test/h");
        assert_eq!(verifier.sign(b"{}"), KNOWN);
    }

    const KNOWN: &str = "Kg9ojwEQPpjoBevlUG5vrQrB4Sh8pe18nNilBpMDwkY=";

    #[test]
    fn events_parse_squares_shape() {
        let body = br#"{"merchant_id":"M","type":"payment.updated","event_id":"ev-1","created_at":"2026-01-01T00:00:00Z","data":{"type":"payment","id":"pay-1","object":{"payment":{"id":"pay-1","status":"CANCELED"}}}}"#;
        let event = parse_event(body).unwrap();
        assert_eq!(event.event_id, "ev-1");
        assert_eq!(event.event_type, "payment.updated");
        assert_eq!(event.payment_id.as_deref(), Some("pay-1"));
        assert_eq!(event.payment_status.as_deref(), Some("CANCELED"));
        assert!(parse_event(b"{}").is_err());
        assert!(parse_event(b"nope").is_err());
    }
}
