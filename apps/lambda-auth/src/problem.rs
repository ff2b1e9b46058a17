//! RFC 9457 problem details as lambda_http responses. The documents and the
//! DomainError mapping are shop-http-contract's, as shop-api's are, so a
//! client cannot tell which of the two answered; the body-parsing errors
//! match shop-api's `payload.rs`.

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use shop_domain::DomainError;
use shop_http_contract::problem::{self, Problem, ProblemField};

pub use shop_http_contract::PROBLEM_CONTENT_TYPE;

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
        Problem::unauthorized(detail).into()
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::not_found(detail).into()
    }

    pub fn method_not_allowed() -> Self {
        Problem::method_not_allowed().into()
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
        Problem::internal(cause).into()
    }

    pub fn body(&self) -> problem::ProblemDetails {
        problem::details(
            self.status.as_u16(),
            self.code,
            self.title,
            &self.detail,
            &self.errors,
        )
    }

    pub fn into_response(self) -> Response<Body> {
        let body = problem::to_json(&self.body());
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

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        Self {
            status: StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: p.code,
            title: p.title,
            detail: p.detail,
            errors: p.errors,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        Problem::from(error).into()
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
