//! The caller's business profile.

use actix_web::web;
use shop_domain::business::ProfileSubmission;

use super::State;
use crate::auth::Authenticated;
use crate::dto::business::{BusinessProfileDto, BusinessSubmissionRequest};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/me/business")
            .route(web::get().to(get_business))
            .route(web::put().to(put_business)),
    );
}

/// The caller's business profile (`status: none` and null fields before the first submission).
#[utoipa::path(get, path = "/api/v1/me/business", tag = "business",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = BusinessProfileDto),
        (status = 401, response = Problem),
    ))]
pub async fn get_business(
    state: State,
    Authenticated(principal): Authenticated,
) -> ApiResult<web::Json<BusinessProfileDto>> {
    let profile = state.business.get(&principal).await?;
    Ok(web::Json(profile.map_or_else(
        || BusinessProfileDto::none(&principal.user_id),
        Into::into,
    )))
}

/// Submits or edits the profile; it goes (back) to `pending` review.
#[utoipa::path(put, path = "/api/v1/me/business", tag = "business",
    security(("bearer" = [])),
    request_body = BusinessSubmissionRequest,
    responses(
        (status = 200, description = "Submitted, now pending", body = BusinessProfileDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, description = "`email_unverified`: the customer has not verified their address yet (with `SHOP_REQUIRE_EMAIL_VERIFICATION`)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn put_business(
    state: State,
    Authenticated(principal): Authenticated,
    body: web::Json<BusinessSubmissionRequest>,
) -> ApiResult<web::Json<BusinessProfileDto>> {
    let submission = ProfileSubmission::from(body.into_inner());
    let profile = state.business.submit(&principal, &submission).await?;
    Ok(web::Json(profile.into()))
}
