//! Checkout quotes.

use actix_web::{HttpResponse, web};
use shop_domain::pricing::QuoteRequest;

use super::State;
use crate::auth::Authenticated;
use crate::dto::checkout::{QuoteDto, QuoteRequestDto};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/checkout/quote").route(web::post().to(create_quote)));
}

/// Prices a cart for the caller: lines, discount, tax (or the caller's
/// exemption) and totals, held server-side until `expires_at`.
#[utoipa::path(post, path = "/api/v1/checkout/quote", tag = "checkout",
    security(("bearer" = [])),
    request_body = QuoteRequestDto,
    responses(
        (status = 201, description = "The quote", body = QuoteDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 422, description = "`validation_failed` or `invalid_promotion`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn create_quote(
    state: State,
    Authenticated(principal): Authenticated,
    body: web::Json<QuoteRequestDto>,
) -> ApiResult<HttpResponse> {
    let request = QuoteRequest::from(body.into_inner());
    let quote = state.pricing.quote(&principal, &request).await?;
    Ok(HttpResponse::Created().json(QuoteDto::from(quote)))
}
