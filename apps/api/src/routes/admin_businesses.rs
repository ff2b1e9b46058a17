//! Admin: business profile review.

use actix_web::web;
use shop_domain::ids::UserId;

use super::State;
use crate::auth::Admin;
use crate::dto::admin::BusinessQuery;
use crate::dto::business::{
    ApproveRequest, BusinessProfileDto, BusinessProfileList, RejectRequest,
};
use crate::dto::common::page_request;
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/businesses").route(web::get().to(list_businesses)))
        .service(
            resource("/api/v1/admin/businesses/{user_id}/approve")
                .route(web::post().to(approve_business)),
        )
        .service(
            resource("/api/v1/admin/businesses/{user_id}/reject")
                .route(web::post().to(reject_business)),
        );
}

/// Business profiles, oldest submission first (`?status=pending` for the review queue).
#[utoipa::path(get, path = "/api/v1/admin/businesses", tag = "admin",
    security(("bearer" = [])),
    params(BusinessQuery),
    responses(
        (status = 200, description = "A page of profiles", body = BusinessProfileList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_businesses(
    state: State,
    Admin(admin): Admin,
    query: web::Query<BusinessQuery>,
) -> ApiResult<web::Json<BusinessProfileList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let profiles = state
        .business
        .list(&admin, query.status.map(Into::into), &page)
        .await?;
    Ok(web::Json(BusinessProfileList::from_page(
        profiles,
        Into::into,
    )))
}

/// Approves a pending profile; `tax_exempt` grants the exemption (needs a certificate valid today).
#[utoipa::path(post, path = "/api/v1/admin/businesses/{user_id}/approve", tag = "admin",
    security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The profile owner's user id")),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "Approved", body = BusinessProfileDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_state`: not pending", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn approve_business(
    state: State,
    Admin(admin): Admin,
    user_id: web::Path<String>,
    body: web::Json<ApproveRequest>,
) -> ApiResult<web::Json<BusinessProfileDto>> {
    let profile = state
        .business
        .approve(&admin, &UserId::new(user_id.into_inner()), body.tax_exempt)
        .await?;
    Ok(web::Json(profile.into()))
}

/// Rejects a pending profile with a reason the customer sees.
#[utoipa::path(post, path = "/api/v1/admin/businesses/{user_id}/reject", tag = "admin",
    security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The profile owner's user id")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected", body = BusinessProfileDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_state`: not pending", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn reject_business(
    state: State,
    Admin(admin): Admin,
    user_id: web::Path<String>,
    body: web::Json<RejectRequest>,
) -> ApiResult<web::Json<BusinessProfileDto>> {
    let profile = state
        .business
        .reject(&admin, &UserId::new(user_id.into_inner()), &body.reason)
        .await?;
    Ok(web::Json(profile.into()))
}
