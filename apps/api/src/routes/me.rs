//! The signed-in user's own account.

use actix_web::{HttpResponse, web};

use super::State;
use crate::auth::Authenticated;
use crate::dto::account::{ChangePasswordRequest, TokenResponse, UpdateMeRequest, UserEnvelope};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/me")
            .route(web::get().to(get_me))
            .route(web::patch().to(update_me)),
    )
    .service(resource("/api/v1/me/password").route(web::post().to(change_password)));
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserEnvelope),
        (status = 401, response = Problem),
    ))]
pub async fn get_me(
    state: State,
    Authenticated(principal): Authenticated,
) -> ApiResult<web::Json<UserEnvelope>> {
    Ok(web::Json(state.accounts.me(&principal).await?.into()))
}

/// Renames the caller.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "Updated", body = UserEnvelope),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn update_me(
    state: State,
    Authenticated(principal): Authenticated,
    body: web::Json<UpdateMeRequest>,
) -> ApiResult<web::Json<UserEnvelope>> {
    let user = state.accounts.update_name(&principal, &body.name).await?;
    Ok(web::Json(user.into()))
}

/// Changes the password. Every access token issued so far stops working and
/// every other session of the caller ends; this session goes on with the
/// new token pair answered (its refresh token keeps working too, so a client
/// that ignores the body refreshes on its next 401).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed: a new token pair for this session", body = TokenResponse),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 422, description = "`validation_failed` (also for a wrong current password)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited` (per user), with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: the password-hashing budget is spent; with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    state: State,
    Authenticated(principal): Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.password_change(&principal.user_id)?;
    let outcome = state
        .accounts
        .change_password(&principal, &body.current_password, &body.new_password)
        .await?;
    Ok(super::auth::tokens(outcome.into()))
}
