//! Square webhooks. Signature verification is not in this build, so no
//! notification can be verified and every one is refused; the start-up
//! configuration refuses a signature key until it is.

use actix_web::http::StatusCode;
use actix_web::web;

use crate::payload::resource;
use crate::problem::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/webhooks/square").route(web::post().to(square_webhook)));
}

/// Square event notifications, verified by `x-square-hmacsha256-signature`.
/// This build cannot verify them: always 401 `invalid_signature`.
#[utoipa::path(post, path = "/api/v1/webhooks/square", tag = "webhooks",
    request_body(content = serde_json::Value, description = "A Square event notification"),
    responses(
        (status = 200, description = "Accepted (a replay changes nothing)"),
        (status = 401, description = "`invalid_signature`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn square_webhook() -> Result<&'static str, ApiError> {
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        "Invalid signature",
        "the notification could not be verified (no webhook signature key is configured)",
    ))
}
