//! RFC 9457 problem details with the same statuses, codes, titles and
//! details as shop-api's `problem.rs` and `payload.rs`, so a client cannot
//! tell which of the two answered. (shop-api is not a dependency: it brings
//! actix-web, which the Lambda does not need.)

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;
use shop_domain::{DomainError, FieldError};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemDetails {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    pub errors: Vec<ProblemField>,
}

/// An error on its way to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<ProblemField>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(ProblemField {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            "this resource does not support the request method",
        )
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            format!("the request body exceeds the limit of {limit} bytes"),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "the request body must be JSON (Content-Type: application/json)",
        )
    }

    /// A body serde could not turn into the request type, classified as
    /// shop-api does: bad JSON is 400, JSON of the wrong shape 422.
    pub fn from_json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        match error.classify() {
            Category::Data => {
                let message = error.to_string();
                let field = named_field(&message).unwrap_or_else(|| "body".to_string());
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "Validation failed",
                    message.clone(),
                )
                .with_field(field, message)
            }
            Category::Syntax | Category::Eof | Category::Io => Self::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "Malformed JSON",
                format!("the request body is not valid JSON: {error}"),
            ),
        }
    }

    /// 500 with a generic detail; the real cause goes to the log only.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error",
            "the server failed to handle the request; it has been logged",
        )
    }

    pub fn body(&self) -> ProblemDetails {
        ProblemDetails {
            problem_type: format!("urn:shop:problem:{}", self.code),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self.body()).unwrap_or_else(|_| "{}".into());
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The field a serde message names (`unknown field `role``), if any.
fn named_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    let name = &message[start..start + len];
    (message.starts_with("unknown field") || message.starts_with("missing field"))
        .then(|| name.to_string())
}

fn fields(errors: Vec<FieldError>) -> Vec<ProblemField> {
    errors
        .into_iter()
        .map(|e| ProblemField {
            field: e.field,
            message: e.message,
        })
        .collect()
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        use StatusCode as S;
        let code = error.code();
        let detail = error.to_string();
        let (status, title) = match &error {
            DomainError::Validation(errors) => {
                let errors = fields(errors.clone());
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut e = Self::new(S::UNPROCESSABLE_ENTITY, code, "Validation failed", detail);
                e.errors = errors;
                return e;
            }
            DomainError::InvalidCredentials => (S::UNAUTHORIZED, "Invalid credentials"),
            DomainError::TokenExpired => (S::UNAUTHORIZED, "Token expired"),
            DomainError::InvalidToken => (S::UNAUTHORIZED, "Invalid token"),
            DomainError::AccountInactive => (S::UNAUTHORIZED, "Account inactive"),
            DomainError::Forbidden => (S::FORBIDDEN, "Forbidden"),
            DomainError::NotFound(_) => (S::NOT_FOUND, "Not found"),
            DomainError::EmailTaken => (S::CONFLICT, "E-mail taken"),
            DomainError::AlreadyExists(_) => (S::CONFLICT, "Already exists"),
            DomainError::InsufficientStock { .. } => (S::CONFLICT, "Insufficient stock"),
            DomainError::IdempotencyKeyReused => (S::CONFLICT, "Idempotency key reused"),
            DomainError::QuoteExpired => (S::CONFLICT, "Quote expired"),
            DomainError::PriceChanged => (S::CONFLICT, "Price changed"),
            DomainError::InvalidOrderState { .. } => (S::CONFLICT, "Invalid order state"),
            DomainError::InvalidState(_) => (S::CONFLICT, "Invalid state"),
            DomainError::InvalidPromotion(reason) => {
                return Self::new(S::UNPROCESSABLE_ENTITY, code, "Invalid promotion", detail)
                    .with_field("promo_code", reason.clone());
            }
            DomainError::PaymentDeclined { .. } => (S::PAYMENT_REQUIRED, "Payment declined"),
            DomainError::PaymentUnavailable(cause) => {
                tracing::warn!(error = %cause, "payment provider unavailable");
                return Self::new(
                    S::SERVICE_UNAVAILABLE,
                    code,
                    "Payment provider unavailable",
                    "the payment provider could not be reached; retry later",
                );
            }
            DomainError::Store(_) | DomainError::Internal(_) => {
                tracing::error!(error = %error, code, "request failed");
                return Self::new(
                    S::INTERNAL_SERVER_ERROR,
                    code,
                    "Internal error",
                    "the server failed to handle the request; it has been logged",
                );
            }
        };
        Self::new(status, code, title, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_map_as_in_shop_api() {
        let cases = [
            (
                DomainError::invalid("email", "bad"),
                422,
                "validation_failed",
            ),
            (DomainError::InvalidCredentials, 401, "invalid_credentials"),
            (DomainError::TokenExpired, 401, "token_expired"),
            (DomainError::InvalidToken, 401, "invalid_token"),
            (DomainError::AccountInactive, 401, "account_inactive"),
            (DomainError::EmailTaken, 409, "email_taken"),
            (DomainError::NotFound("user"), 404, "not_found"),
            (DomainError::Internal("boom".into()), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error.clone());
            assert_eq!((api.status.as_u16(), api.code), (status, code), "{error:?}");
        }
    }

    #[test]
    fn internal_details_are_never_echoed() {
        let api = ApiError::from(DomainError::Internal("secret table xyz".into()));
        assert!(!api.detail.contains("xyz"));
        let api = ApiError::from(DomainError::Store(shop_domain::StoreError::Backend(
            "password=hunter2".into(),
        )));
        assert!(!api.detail.contains("hunter2"));
    }

    #[test]
    fn unauthorized_carries_www_authenticate() {
        let response = ApiError::from(DomainError::InvalidToken).into_response();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE),
            Some(&header::HeaderValue::from_static("Bearer"))
        );
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE),
            Some(&header::HeaderValue::from_static(PROBLEM_CONTENT_TYPE))
        );
    }
}
