//! The account's mailed links: e-mail verification and password reset.
//!
//! The requests that mail a link answer 202 with one body whether or not
//! the address has an account, and before the work is done (it runs after
//! the answer), so neither the answer nor its timing tells the two apart.

use actix_web::{HttpRequest, HttpResponse, web};
use shop_domain::DomainError;
use shop_domain::account::Email;

use super::State;
use crate::auth::Origin;
use crate::dto::account::{
    EmailRequest, MailAccepted, PasswordResetConfirmRequest, UserEnvelope, VerifyEmailRequest,
};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};
use crate::ratelimit::client_ip;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/auth/verify-email").route(web::post().to(verify_email)))
        .service(
            resource("/api/v1/auth/resend-verification").route(web::post().to(resend_verification)),
        )
        .service(resource("/api/v1/auth/password-reset").route(web::post().to(password_reset)))
        .service(
            resource("/api/v1/auth/password-reset/confirm")
                .route(web::post().to(confirm_password_reset)),
        );
}

fn checked_email(raw: &str) -> Result<String, DomainError> {
    Email::parse(raw)
        .map(|e| e.to_string())
        .map_err(|_| DomainError::invalid("email", "must be a valid e-mail address"))
}

fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(MailAccepted::new())
}

/// Uses the link of a verification mail: the account's address is verified.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Verified (again: a verified address stays verified)", body = UserEnvelope),
        (status = 400, description = "`token_invalid`: the link is unknown, used or expired (or a malformed body)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 413, response = Problem),
        (status = 415, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn verify_email(
    state: State,
    body: web::Json<VerifyEmailRequest>,
) -> ApiResult<HttpResponse> {
    let user = state.accounts.verify_email(&body.token).await?;
    Ok(HttpResponse::Ok().json(UserEnvelope::from(user)))
}

/// Mails a new verification link when the address belongs to an active,
/// unverified account; the answer is the same either way (rate-limited per
/// client IP).
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted (whether or not the address has an account)", body = MailAccepted),
        (status = 400, response = Problem),
        (status = 422, description = "`validation_failed`: not an e-mail address", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn resend_verification(
    state: State,
    req: HttpRequest,
    body: web::Json<EmailRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .resend_verification(client_ip(&req, &state.trust_proxy))?;
    let email = checked_email(&body.email)?;
    Ok(mail_after_answering("a verification resend", async move {
        state.accounts.resend_verification(&email).await
    }))
}

/// Mails a password reset link (single use, 30 minutes) when the address
/// belongs to an active account; the answer is the same either way
/// (rate-limited per client IP).
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted (whether or not the address has an account)", body = MailAccepted),
        (status = 400, response = Problem),
        (status = 422, description = "`validation_failed`: not an e-mail address", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn password_reset(
    state: State,
    req: HttpRequest,
    body: web::Json<EmailRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .password_reset(client_ip(&req, &state.trust_proxy))?;
    let email = checked_email(&body.email)?;
    Ok(mail_after_answering(
        "a password reset request",
        async move { state.accounts.request_password_reset(&email).await },
    ))
}

/// Uses a password reset link: sets the new password, signs the account out
/// everywhere (every refresh and access token stops working).
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirmRequest,
    responses(
        (status = 204, description = "Password set; every session ended"),
        (status = 400, description = "`token_invalid`: the link is unknown, used or expired (or a malformed body)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 413, response = Problem),
        (status = 415, response = Problem),
        (status = 422, description = "`validation_failed`: `new_password` breaks the password rules (the link stays usable)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: the password-hashing budget is spent; with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn confirm_password_reset(
    state: State,
    Origin(origin): Origin,
    body: web::Json<PasswordResetConfirmRequest>,
) -> ApiResult<HttpResponse> {
    state
        .accounts
        .confirm_password_reset(&body.token, &body.new_password, &origin)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Answers 202 at once and does `work` afterwards, so the answer's timing
/// does not tell whether the address has an account.
fn mail_after_answering(
    what: &'static str,
    work: impl std::future::Future<Output = Result<(), shop_domain::DomainError>> + 'static,
) -> HttpResponse {
    actix_web::rt::spawn(async move {
        if let Err(e) = work.await {
            tracing::warn!(error = %e, "{what} failed");
        }
    });
    accepted()
}
