//! Square webhooks: `POST /api/v1/webhooks/square`, verified by
//! `x-square-hmacsha256-signature` (`shop_square::webhook`). Without a
//! configured key every notification is refused. The handler only maps HTTP;
//! what an event does is the domain's `PaymentEventService`.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use shop_domain::payment::events::EventOutcome;
use shop_square::webhook::{SIGNATURE_HEADER, WebhookError, parse_event};

use crate::payload::resource;
use crate::problem::ApiError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/webhooks/square").route(web::post().to(square_webhook)));
}

fn invalid_signature(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        "Invalid signature",
        detail,
    )
}

fn refused(error: &WebhookError) -> ApiError {
    if error.is_signature() {
        invalid_signature(&error.to_string())
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Invalid body",
            error.to_string(),
        )
    }
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
        .and_then(|v| v.to_str().ok());
    verifier
        .authenticate(&body, signature)
        .map_err(|e| refused(&e))?;
    let event = parse_event(&body).map_err(|e| refused(&e))?;
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
