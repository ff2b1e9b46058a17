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

    fn status_and_code(e: DomainError) -> (u16, String) {
        let api = ApiError::from(e);
        (api.status().as_u16(), api.code.to_string())
    }

    #[test]
    fn domain_errors_map_to_statuses_and_codes() {
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
            (DomainError::Forbidden, 403, "forbidden"),
            (DomainError::NotFound("order"), 404, "not_found"),
            (DomainError::EmailTaken, 409, "email_taken"),
            (DomainError::AlreadyExists("sku"), 409, "already_exists"),
            (
                DomainError::InsufficientStock {
                    product_id: "p1".into(),
                },
                409,
                "insufficient_stock",
            ),
            (
                DomainError::IdempotencyKeyReused,
                409,
                "idempotency_key_reused",
            ),
            (DomainError::QuoteExpired, 409, "quote_expired"),
            (DomainError::PriceChanged, 409, "price_changed"),
            (
                DomainError::InvalidOrderState {
                    current: "paid".into(),
                    action: "cancel",
                },
                409,
                "invalid_order_state",
            ),
            (DomainError::InvalidState("x".into()), 409, "invalid_state"),
            (
                DomainError::InvalidPromotion("expired".into()),
                422,
                "invalid_promotion",
            ),
            (
                DomainError::PaymentDeclined {
                    reason: "CARD_DECLINED".into(),
                },
                402,
                "payment_declined",
            ),
            (
                DomainError::PaymentUnavailable("timeout".into()),
                503,
                "payment_unavailable",
            ),
            (
                DomainError::Store(shop_domain::StoreError::unavailable("disk")),
                503,
                "store_unavailable",
            ),
            (
                DomainError::QuoteUsed {
                    order_id: shop_domain::ids::OrderId::new("o-1"),
                },
                409,
                "quote_used",
            ),
            (DomainError::MailAlreadySent, 409, "mail_already_sent"),
            (DomainError::Internal("boom".into()), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            assert_eq!(
                status_and_code(error.clone()),
                (status, code.to_string()),
                "{error:?}"
            );
        }
    }

    #[test]
    fn internal_details_are_never_echoed() {
        let api = ApiError::from(DomainError::Internal("secret table xyz".into()));
        assert!(!api.detail.contains("xyz"));
        let api = ApiError::from(DomainError::Store(shop_domain::StoreError::unavailable(
            "password=hunter2",
        )));
        assert!(!api.detail.contains("hunter2"));
        let api = ApiError::from(DomainError::Store(shop_domain::StoreError::backend(
            "query failed",
            "password=hunter2",
        )));
        assert!(!api.detail.contains("hunter2"));
        let api = ApiError::from(DomainError::PaymentUnavailable("10.0.0.7 refused".into()));
        assert!(!api.detail.contains("10.0.0.7"));
    }

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
