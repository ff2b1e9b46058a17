//! The contact form.

use actix_web::{HttpRequest, HttpResponse, web};
use shop_domain::contact::NewContactMessage;

use super::State;
use crate::auth::MaybeAuthenticated;
use crate::dto::contact::{ContactAccepted, ContactRequest};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};
use crate::ratelimit::client_ip;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/contact").route(web::post().to(submit_contact)));
}

/// Stores a message for the shop (sign-in optional; rate-limited per client IP).
#[utoipa::path(post, path = "/api/v1/contact", tag = "contact",
    security((), ("bearer" = [])),
    request_body = ContactRequest,
    responses(
        (status = 202, description = "Stored", body = ContactAccepted),
        (status = 400, response = Problem),
        (status = 401, description = "A token was sent and is not valid", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn submit_contact(
    state: State,
    req: HttpRequest,
    MaybeAuthenticated(sender): MaybeAuthenticated,
    body: web::Json<ContactRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.contact(client_ip(&req, &state.trust_proxy))?;
    let message = NewContactMessage::from(body.into_inner());
    let stored = state.contact.submit(sender.as_ref(), &message).await?;
    Ok(HttpResponse::Accepted().json(ContactAccepted {
        id: stored.id.to_string(),
    }))
}
