//! shop-api's auth routes as an AWS Lambda behind an API Gateway HTTP API
//! (payload format 2.0): `POST /api/v1/auth/{register,login,refresh,logout}`,
//! the mailed links (`verify-email`, `resend-verification`, `password-reset`,
//! `password-reset/confirm`)
//! on the domain's [`AccountService`] with accounts and refresh tokens in
//! DynamoDB (business profiles, for a sign-in's `business_status`, in the
//! shop's relational store), and `GET /.well-known/jwks.json` with the public keys of the
//! EdDSA ring that signs the access tokens, for other services to verify.
//!
//! Requests and responses (bodies, statuses, problem+json codes, headers)
//! are shop-api's, per the API contract. [`AuthLambda::handle`] takes a
//! [`lambda_http::Request`] and never fails: every error is a response.
//! Configuration: [`config`].

pub mod config;
use shop_http_contract::auth as dto;
mod ports;
mod problem;

use std::sync::Arc;

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt as _, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shop_domain::DomainError;
use shop_domain::account::{AccountService, AccountTokenStore, Email, RegisterInput};
use shop_domain::audit::{AuditLog, RequestOrigin};
use shop_domain::business::BusinessProfileStore;
use shop_domain::mail::MailOutbox;
use shop_domain::settings::ShopSettings;
use shop_dynamodb::DynamoAccountStore;
use shop_sql::SqlStore;

pub use config::{Config, ConfigError};
pub use problem::{ApiError, PROBLEM_CONTENT_TYPE};

/// The largest request body accepted, as shop-api's default
/// `SHOP_BODY_LIMIT_BYTES`.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The least time `resend-verification` and `password-reset` take to
/// answer, so that known and unknown addresses take the same: well above
/// what the work for a known address costs (two DynamoDB reads, a link
/// stored and a mail recorded in the relational store).
pub const MAIL_ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Register,
    Login,
    Refresh,
    Logout,
    VerifyEmail,
    ResendVerification,
    PasswordReset,
    PasswordResetConfirm,
    Jwks,
}

impl Route {
    const ALL: [Self; 9] = [
        Self::Register,
        Self::Login,
        Self::Refresh,
        Self::Logout,
        Self::VerifyEmail,
        Self::ResendVerification,
        Self::PasswordReset,
        Self::PasswordResetConfirm,
        Self::Jwks,
    ];

    fn path(self) -> &'static str {
        match self {
            Self::Register => "/api/v1/auth/register",
            Self::Login => "/api/v1/auth/login",
            Self::Refresh => "/api/v1/auth/refresh",
            Self::Logout => "/api/v1/auth/logout",
            Self::VerifyEmail => "/api/v1/auth/verify-email",
            Self::ResendVerification => "/api/v1/auth/resend-verification",
            Self::PasswordReset => "/api/v1/auth/password-reset",
            Self::PasswordResetConfirm => "/api/v1/auth/password-reset/confirm",
            Self::Jwks => JWKS_PATH,
        }
    }

    fn of(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|route| route.path() == path)
    }

    fn method(self) -> Method {
        match self {
            Self::Jwks => Method::GET,
            _ => Method::POST,
        }
    }
}

/// Every route the function answers, as method and path: what API Gateway
/// must send it (deploy/aws/template.yaml).
pub fn routes() -> impl Iterator<Item = (Method, &'static str)> {
    Route::ALL
        .into_iter()
        .map(|route| (route.method(), route.path()))
}

/// The handler: one per execution environment, shared by its invocations.
pub struct AuthLambda {
    accounts: AccountService,
    /// Serialised once: the ring does not change while the function runs.
    jwks: String,
    /// Whether lambda_http put the stage name in front of the path, as it
    /// does for a named stage unless `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`.
    stage_in_path: bool,
}

impl std::fmt::Debug for AuthLambda {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLambda").finish_non_exhaustive()
    }
}

impl AuthLambda {
    /// The handler on `store` (accounts and refresh tokens) and `sql`
    /// (business profiles, account links, the mail outbox), signing with
    /// `config.ring`.
    ///
    /// The audited changes of the accounts (a password reset, a refresh
    /// token reused, a sign-in back-off) append their entries to `sql`'s
    /// audit trail right after the DynamoDB change: not one transaction
    /// (see shop_dynamodb's documentation).
    pub fn new<S>(store: DynamoAccountStore, sql: Arc<S>, config: Config) -> Self
    where
        S: BusinessProfileStore + AccountTokenStore + MailOutbox + AuditLog + 'static,
    {
        let store = store.with_audit_log(sql.clone());
        let jwks = config.ring.jwks().to_string();
        let settings = ShopSettings {
            access_token_ttl: chrono::Duration::seconds(config.access_token_ttl_seconds),
            refresh_token_ttl: chrono::Duration::seconds(config.refresh_token_ttl_seconds),
            login_backoff: config.login_backoff,
            shop_name: config.shop_name.clone(),
            mail_from: config.mail_from.clone(),
            public_url: config.public_url.clone(),
            require_email_verification: config.require_email_verification,
            ..ShopSettings::embedded_defaults()
        };
        let ports = ports::auth_ports(Arc::new(store), sql, Arc::new(config.ring));
        Self {
            accounts: AccountService::new(ports, Arc::new(settings)),
            jwks,
            stage_in_path: std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_none(),
        }
    }

    /// Connects to DynamoDB as `config.dynamodb` says (creating the tables
    /// first when it asks for that) and to the relational store of
    /// `config.database_url` (migrated by shop-api, not here).
    pub async fn connect(config: Config) -> Result<Self, DomainError> {
        let store = DynamoAccountStore::connect(&config.dynamodb).await?;
        let sql = SqlStore::connect(&config.database_url, &config.database_pool).await?;
        Ok(Self::new(store, Arc::new(sql), config))
    }

    /// Answers one request.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let method = request.method().clone();
        let path = self.route_path(&request);
        let route = Route::of(&path);
        let response = match route {
            None => Err(ApiError::not_found(format!("no route for {method} {path}"))),
            Some(route) if route.method() != method => Err(ApiError::method_not_allowed()),
            Some(route) => self.dispatch(route, &request).await,
        };
        let response = response.unwrap_or_else(problem::into_response);
        // Method, route and status only: never a header or a body.
        tracing::info!(
            %method,
            route = route.map_or("unmatched", |_| path.as_str()),
            status = response.status().as_u16(),
            "request"
        );
        response
    }

    async fn dispatch(&self, route: Route, request: &Request) -> Result<Response<Body>, ApiError> {
        match route {
            Route::Register => {
                let body: dto::RegisterRequest = json_body(request)?;
                let user = self
                    .accounts
                    .register(RegisterInput {
                        email: body.email,
                        password: body.password,
                        name: body.name,
                    })
                    .await?;
                json(StatusCode::CREATED, &dto::UserEnvelope::from(user))
            }
            Route::Login => {
                let body: dto::LoginRequest = json_body(request)?;
                let outcome = self
                    .accounts
                    .login(&body.email, &body.password, &origin(request))
                    .await?;
                tokens(dto::TokenResponse::from(outcome))
            }
            Route::Refresh => {
                let body: dto::RefreshRequest = json_body(request)?;
                let outcome = self
                    .accounts
                    .refresh(&body.refresh_token, &origin(request))
                    .await?;
                tokens(dto::TokenResponse::from(outcome))
            }
            Route::Logout => {
                let token = bearer(request)?;
                let principal = self.accounts.authenticate(&token).await?;
                self.accounts.logout(&principal).await?;
                let mut response = Response::new(Body::Empty);
                *response.status_mut() = StatusCode::NO_CONTENT;
                Ok(response)
            }
            Route::VerifyEmail => {
                let body: dto::VerifyEmailRequest = json_body(request)?;
                let user = self.accounts.verify_email(&body.token).await?;
                json(StatusCode::OK, &dto::UserEnvelope::from(user))
            }
            Route::ResendVerification | Route::PasswordReset => {
                let body: dto::EmailRequest = json_body(request)?;
                self.mail_a_link(route, &body.email).await
            }
            Route::PasswordResetConfirm => {
                let body: dto::PasswordResetConfirmRequest = json_body(request)?;
                self.accounts
                    .confirm_password_reset(&body.token, &body.new_password, &origin(request))
                    .await?;
                let mut response = Response::new(Body::Empty);
                *response.status_mut() = StatusCode::NO_CONTENT;
                Ok(response)
            }
            Route::Jwks => {
                let mut response = Response::new(Body::from(self.jwks.clone()));
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/json"),
                );
                // Verifiers may cache it a little; a rotation publishes the
                // new key before signing with it (SHOP_JWT_PREVIOUS_PUBLIC_JWKS).
                headers.insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static("public, max-age=300"),
                );
                Ok(response)
            }
        }
    }

    /// `resend-verification` and `password-reset`: 202 with one body whether
    /// or not the address has an account, as shop-api answers. shop-api
    /// answers first and mails afterwards; a Lambda may be frozen once it
    /// answered, so the work is done first and the answer waits until
    /// [`MAIL_ANSWER_FLOOR`] after the request began: the time to answer does
    /// not tell a known address (a link stored, a mail recorded) from an
    /// unknown one. Only a malformed address is refused (422); a failure of
    /// the work is logged, not answered, as in shop-api.
    async fn mail_a_link(&self, route: Route, email: &str) -> Result<Response<Body>, ApiError> {
        let started = tokio::time::Instant::now();
        let email = Email::parse(email)
            .map_err(|_| DomainError::invalid("email", "must be a valid e-mail address"))?
            .to_string();
        let (what, done) = if route == Route::ResendVerification {
            (
                "a verification resend",
                self.accounts.resend_verification(&email).await,
            )
        } else {
            (
                "a password reset request",
                self.accounts.request_password_reset(&email).await,
            )
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, "{what} failed");
        }
        tokio::time::sleep_until(started + MAIL_ANSWER_FLOOR).await;
        json(StatusCode::ACCEPTED, &dto::MailAccepted::new())
    }

    /// The request path as shop-api would route it: without the stage
    /// prefix lambda_http adds for a named stage, with repeated and trailing
    /// slashes dropped (shop-api's `NormalizePath::trim`).
    fn route_path(&self, request: &Request) -> String {
        let mut path = request.uri().path();
        if self.stage_in_path
            && let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
            && let Some(stage) = context.stage.as_deref().filter(|s| *s != "$default")
            && let Some(rest) = path.strip_prefix('/').and_then(|p| p.strip_prefix(stage))
            && (rest.is_empty() || rest.starts_with('/'))
        {
            path = rest;
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        format!("/{}", segments.join("/"))
    }
}

/// The request id and client address API Gateway (HTTP API, payload 2.0)
/// saw, for the audit trail.
fn origin(request: &Request) -> RequestOrigin {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => RequestOrigin {
            request_id: context.request_id.clone(),
            client_ip: context.http.source_ip.clone(),
        },
        _ => RequestOrigin::default(),
    }
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<Response<Body>, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::internal(&e))?;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Tokens are never cached by a proxy or the browser.
fn tokens(body: dto::TokenResponse) -> Result<Response<Body>, ApiError> {
    let mut response = json(StatusCode::OK, &body)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// actix-web's `Json` extractor, as shop-api configures it: a JSON
/// content type (`application/json`, `*/*+json`), at most
/// [`BODY_LIMIT_BYTES`] (after API Gateway's base64 is undone), then serde.
fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    let json_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json_media_type);
    if !json_type {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes: &[u8] = request.body().as_ref();
    if bytes.len() > BODY_LIMIT_BYTES {
        return Err(ApiError::too_large(Some(BODY_LIMIT_BYTES)));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::from_json(&e))
}

fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    !kind.is_empty()
        && !kind.contains(char::is_whitespace)
        && (subtype == "json" || subtype.ends_with("+json"))
}

/// The bearer token of the `Authorization` header, refused as shop-api's
/// `Authenticated` extractor refuses it.
fn bearer(request: &Request) -> Result<String, ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "this route needs an `Authorization: Bearer <access_token>` header",
        ));
    };
    let malformed =
        || ApiError::unauthorized("the Authorization header must be `Bearer <access_token>`");
    let value = value.to_str().map_err(|_| malformed())?;
    let mut parts = value.trim().splitn(2, ' ');
    match (parts.next(), parts.next().map(str::trim)) {
        (Some(scheme), Some(token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() =>
        {
            Ok(token.to_string())
        }
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_as_actix_accepts_them() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "application/merge-patch+json",
            "text/JSON",
        ] {
            assert!(is_json_media_type(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "json",
            "",
        ] {
            assert!(!is_json_media_type(bad), "{bad}");
        }
    }

    #[test]
    fn routes_and_methods() {
        assert_eq!(Route::of("/api/v1/auth/login"), Some(Route::Login));
        assert_eq!(Route::of(JWKS_PATH).map(Route::method), Some(Method::GET));
        assert_eq!(Route::of("/api/v1/me"), None);
        assert_eq!(
            Route::of("/api/v1/auth/password-reset/confirm"),
            Some(Route::PasswordResetConfirm)
        );
        assert_eq!(routes().count(), Route::ALL.len());
    }
}
