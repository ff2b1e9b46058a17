//! Registration, sign-in, token refresh and sign-out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use shop_domain::account::RegisterInput;

use super::State;
use crate::auth::{Authenticated, Origin};
use crate::dto::account::{
    LoginRequest, RefreshRequest, RegisterRequest, TokenResponse, UserEnvelope,
};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};
use crate::ratelimit::client_ip;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/auth/register").route(web::post().to(register)))
        .service(resource("/api/v1/auth/login").route(web::post().to(login)))
        .service(resource("/api/v1/auth/refresh").route(web::post().to(refresh)))
        .service(resource("/api/v1/auth/logout").route(web::post().to(logout)));
}

pub(crate) fn tokens(body: TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// Creates a customer account (rate-limited per client IP).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = UserEnvelope),
        (status = 400, response = Problem),
        (status = 409, description = "`email_taken`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 413, response = Problem),
        (status = 415, response = Problem),
        (status = 422, response = Problem),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: the password-hashing budget is spent; with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn register(
    state: State,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.register(client_ip(&req, &state.trust_proxy))?;
    let body = body.into_inner();
    let user = state
        .accounts
        .register(RegisterInput {
            email: body.email,
            password: body.password,
            name: body.name,
        })
        .await?;
    Ok(HttpResponse::Created().json(UserEnvelope::from(user)))
}

/// Signs in (rate-limited per client IP and per client IP + e-mail).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, response = Problem),
        (status = 401, description = "`invalid_credentials` or `account_inactive`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
        (status = 429, description = "`rate_limited` (per client IP or IPv6 /64), or `login_backoff` (too many failed sign-ins for this address, from anywhere: no password is checked until `Retry-After` seconds pass)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: the password-hashing budget is spent; with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: State,
    req: HttpRequest,
    Origin(origin): Origin,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.login(client_ip(&req, &state.trust_proxy))?;
    let outcome = state
        .accounts
        .login(&body.email, &body.password, &origin)
        .await?;
    Ok(tokens(outcome.into()))
}

/// Rotates a refresh token: a new pair; the old refresh token is spent.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 400, response = Problem),
        (status = 401, description = "`invalid_token` or `account_inactive`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn refresh(
    state: State,
    Origin(origin): Origin,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let outcome = state.accounts.refresh(&body.refresh_token, &origin).await?;
    Ok(tokens(outcome.into()))
}

/// Ends this session: its refresh token and access token stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, response = Problem),
    ))]
pub async fn logout(
    state: State,
    Authenticated(principal): Authenticated,
) -> ApiResult<HttpResponse> {
    state.accounts.logout(&principal).await?;
    Ok(HttpResponse::NoContent().finish())
}
