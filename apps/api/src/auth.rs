//! Who is calling: bearer-token extractors checked against the account store
//! on every request (so an inactivation or logout takes effect at once).

use std::future::Future;
use std::pin::Pin;

use actix_web::HttpMessage as _;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use shop_domain::account::Principal;
use shop_domain::audit::RequestOrigin;

use crate::telemetry::RequestId;

use crate::problem::ApiError;
use crate::state::AppState;

/// A signed-in caller (any role).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// A signed-in caller with the admin role.
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

/// A caller who may or may not be signed in. A token that is present must be
/// valid: a bad one is refused rather than silently ignored.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

type BoxFut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

enum Bearer {
    Absent,
    Malformed,
    Token(String),
}

fn bearer(req: &HttpRequest) -> Bearer {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Bearer::Absent;
    };
    let Ok(value) = value.to_str() else {
        return Bearer::Malformed;
    };
    let mut parts = value.trim().splitn(2, ' ');
    match (parts.next(), parts.next().map(str::trim)) {
        (Some(scheme), Some(token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() =>
        {
            Bearer::Token(token.to_string())
        }
        _ => Bearer::Malformed,
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&"application state missing"))
}

async fn principal(
    state: web::Data<AppState>,
    token: String,
    origin: RequestOrigin,
) -> Result<Principal, ApiError> {
    let mut principal = state.accounts.authenticate(&token).await?;
    principal.origin = origin;
    Ok(principal)
}

/// The request id and client address the audit trail records.
fn origin(req: &HttpRequest, state: &Result<web::Data<AppState>, ApiError>) -> RequestOrigin {
    RequestOrigin {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        client_ip: state
            .as_ref()
            .ok()
            .map(|s| crate::ratelimit::client_ip(req, &s.trust_proxy).to_string()),
    }
}

/// Where a request came from (its request id and client address), for a
/// route without a signed-in caller whose work the audit trail records
/// (sign-in, refresh, password reset).
#[derive(Debug, Clone)]
pub struct Origin(pub RequestOrigin);

impl FromRequest for Origin {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self(origin(req, &state(req)))))
    }
}

fn missing() -> ApiError {
    ApiError::unauthorized("this route needs an `Authorization: Bearer <access_token>` header")
}

fn malformed() -> ApiError {
    ApiError::unauthorized("the Authorization header must be `Bearer <access_token>`")
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = bearer(req);
        let state = state(req);
        let origin = origin(req, &state);
        Box::pin(async move {
            let state = state?;
            match found {
                Bearer::Absent => Err(missing()),
                Bearer::Malformed => Err(malformed()),
                Bearer::Token(token) => principal(state, token, origin).await.map(Self),
            }
        })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticated = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let Authenticated(principal) = authenticated.await?;
            if principal.is_admin() {
                Ok(Self(principal))
            } else {
                Err(ApiError::forbidden())
            }
        })
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = bearer(req);
        let state = state(req);
        let origin = origin(req, &state);
        Box::pin(async move {
            let state = state?;
            match found {
                Bearer::Absent => Ok(Self(None)),
                Bearer::Malformed => Err(malformed()),
                Bearer::Token(token) => {
                    principal(state, token, origin).await.map(|p| Self(Some(p)))
                }
            }
        })
    }
}
