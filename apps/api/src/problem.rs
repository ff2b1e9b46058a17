//! RFC 9457 problem details: every error the API answers, with a stable `code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use shop_domain::DomainError;
use shop_http_contract::problem::{self, Problem as Contract};

pub use shop_http_contract::{PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemField};

/// An error on its way to the client: the contract's problem (the one the
/// auth Lambda answers too), boxed because errors travel in every
/// handler's `Result`, as an actix-web response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(Box<Contract>);

impl std::ops::Deref for ApiError {
    type Target = Contract;

    fn deref(&self) -> &Contract {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Contract {
        &mut self.0
    }
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Contract::new(status.as_u16(), code, title, detail).into()
    }

    pub fn with_field(self, field: impl Into<String>, message: impl Into<String>) -> Self {
        (*self.0).with_field(field, message).into()
    }

    /// 422 `validation_failed` for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Contract::invalid(field, message).into()
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Contract::unauthorized(detail).into()
    }

    pub fn forbidden() -> Self {
        Contract::forbidden().into()
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Contract::not_found(detail).into()
    }

    pub fn method_not_allowed() -> Self {
        Contract::method_not_allowed().into()
    }

    pub fn rate_limited(retry_after: u32) -> Self {
        Contract::rate_limited(retry_after).into()
    }

    /// 500 with a generic detail; the real cause goes to the log only.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        Contract::internal(cause).into()
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.status, self.0.code, self.0.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some(seconds) = self.0.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.0.status == 401 {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.body(problem::to_json(&self.0.body()))
    }
}

impl From<Contract> for ApiError {
    fn from(p: Contract) -> Self {
        Self(Box::new(p))
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        Contract::from(error).into()
    }
}

/// Handlers answer `Result<T, ApiError>`; domain errors convert with `?`.
pub type ApiResult<T> = Result<T, ApiError>;

/// The reusable OpenAPI response for every error status.
pub struct Problem;

impl utoipa::ToResponse<'static> for Problem {
    fn response() -> (
        &'static str,
        utoipa::openapi::RefOr<utoipa::openapi::Response>,
    ) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let response = ResponseBuilder::new()
            .description("An error, as RFC 9457 problem details with a stable `code`")
            .content(
                PROBLEM_CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemDetails")))
                    .build(),
            )
            .build();
        ("Problem", response.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use shop_domain::FieldError;

    #[actix_web::test]
    async fn problem_json_has_every_member() {
        let api = ApiError::from(DomainError::Validation(vec![
            FieldError::new("email", "is not a valid e-mail address"),
            FieldError::new("password", "must be at least 10 characters"),
        ]));
        let response = api.error_response();
        assert_eq!(response.status(), 422);
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_CONTENT_TYPE)
        );
        let body = to_bytes(response.into_body()).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["type"], "urn:shop:problem:validation_failed");
        assert_eq!(json["title"], "Validation failed");
        assert_eq!(json["status"], 422);
        assert_eq!(json["code"], "validation_failed");
        assert!(json["detail"].as_str().unwrap().contains("email"));
        assert_eq!(json["errors"][1]["field"], "password");
        assert_eq!(
            json["errors"][1]["message"],
            "must be at least 10 characters"
        );
    }

    #[test]
    fn unavailable_stores_and_providers_say_when_to_retry() {
        for (error, seconds) in [
            (
                DomainError::Store(shop_domain::StoreError::unavailable("down")),
                "5",
            ),
            (DomainError::PaymentUnavailable("timeout".into()), "10"),
        ] {
            let response = ApiError::from(error).error_response();
            assert_eq!(response.status(), 503);
            assert_eq!(
                response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()),
                Some(seconds)
            );
        }
    }

    #[actix_web::test]
    async fn a_used_quote_names_its_order() {
        let response = ApiError::from(DomainError::QuoteUsed {
            order_id: shop_domain::ids::OrderId::new("o-42"),
        })
        .error_response();
        let body = to_bytes(response.into_body()).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "quote_used");
        assert_eq!(json["order_id"], "o-42");
        assert!(json["detail"].as_str().unwrap().contains("o-42"));
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let response = ApiError::rate_limited(7).error_response();
        assert_eq!(response.status(), 429);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
    }
}
