//! RFC 9457 problem details: the document, and every domain error as a
//! status, a stable `code`, a title and a detail.

use serde::Serialize;
use shop_domain::{DomainError, FieldError};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemField {
    /// The field, dotted for nested ones (`ship_to.country`, `items[0].quantity`),
    /// or a header name (`Idempotency-Key`).
    pub field: String,
    pub message: String,
}

/// An error response (`application/problem+json`, RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemDetails {
    /// A URI naming the problem type (`urn:shop:problem:<code>`).
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "urn:shop:problem:validation_failed")
    )]
    pub problem_type: String,
    #[cfg_attr(feature = "openapi", schema(example = "Validation failed"))]
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(example = 422))]
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    #[cfg_attr(feature = "openapi", schema(example = "validation_failed"))]
    pub code: String,
    /// The invalid fields; empty unless `code` is `validation_failed` or similar.
    pub errors: Vec<ProblemField>,
    /// `quote_used`: the live order the quote already became.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// An error as plain data: what both apps answer, before their transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<ProblemField>,
    /// Seconds, for `Retry-After`.
    pub retry_after: Option<u32>,
    /// The order a `quote_used` problem names.
    pub order_id: Option<String>,
}

/// How long a client should wait before retrying after the store failed.
pub const STORE_RETRY_AFTER_SECONDS: u32 = 5;
/// How long a client should wait before retrying when the server is at its
/// password-hashing budget.
pub const BUSY_RETRY_AFTER_SECONDS: u32 = 1;
/// How long a client should wait before retrying when the payment
/// provider could not be reached.
pub const PAYMENT_RETRY_AFTER_SECONDS: u32 = 10;

impl Problem {
    pub fn new(
        status: u16,
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
            retry_after: None,
            order_id: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(ProblemField {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// 422 `validation_failed` for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Self::new(
            422,
            "validation_failed",
            "Validation failed",
            format!("{field}: {message}"),
        )
        .with_field(field, message)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", "Unauthorized", detail)
    }

    pub fn forbidden() -> Self {
        Self::new(
            403,
            "forbidden",
            "Forbidden",
            "this action needs the admin role",
        )
    }

    pub fn rate_limited(retry_after: u32) -> Self {
        let mut e = Self::new(
            429,
            "rate_limited",
            "Too many requests",
            format!("too many attempts; retry in {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 413; `limit` in bytes, when known.
    pub fn too_large(limit: Option<usize>) -> Self {
        Self::new(
            413,
            "payload_too_large",
            "Payload too large",
            match limit {
                Some(limit) => format!("the request body exceeds the limit of {limit} bytes"),
                None => "the request body exceeds the size limit".into(),
            },
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            415,
            "unsupported_media_type",
            "Unsupported media type",
            "the request body must be JSON (Content-Type: application/json)",
        )
    }

    /// A body serde could not turn into the request type: bad JSON is 400
    /// `malformed_json`, JSON of the wrong shape 422 naming the field.
    pub fn from_json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        match error.classify() {
            Category::Data => {
                let message = error.to_string();
                let field = named_field(&message).unwrap_or_else(|| "body".to_string());
                Self::new(
                    422,
                    "validation_failed",
                    "Validation failed",
                    message.clone(),
                )
                .with_field(field, message)
            }
            Category::Syntax | Category::Eof | Category::Io => Self::new(
                400,
                "malformed_json",
                "Malformed JSON",
                format!("the request body is not valid JSON: {error}"),
            ),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, "bad_request", "Bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, "not_found", "Not found", detail)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "method_not_allowed",
            "Method not allowed",
            "this resource does not support the request method",
        )
    }

    /// 500 with a generic detail; the real cause goes to the log only.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            500,
            "internal_error",
            "Internal error",
            "the server failed to handle the request; it has been logged",
        )
    }

    pub fn body(&self) -> ProblemDetails {
        ProblemDetails {
            order_id: self.order_id.clone(),
            ..details(
                self.status,
                self.code,
                self.title,
                &self.detail,
                &self.errors,
            )
        }
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

/// The problem document of an error.
pub fn details(
    status: u16,
    code: &str,
    title: &str,
    detail: &str,
    errors: &[ProblemField],
) -> ProblemDetails {
    ProblemDetails {
        problem_type: format!("urn:shop:problem:{code}"),
        title: title.to_string(),
        status,
        detail: detail.to_string(),
        code: code.to_string(),
        errors: errors.to_vec(),
        order_id: None,
    }
}

/// The document as the body of a response.
pub fn to_json(details: &ProblemDetails) -> String {
    serde_json::to_string(details).unwrap_or_else(|_| "{}".into())
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

impl From<DomainError> for Problem {
    fn from(error: DomainError) -> Self {
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
                let mut e = Self::new(422, code, "Validation failed", detail);
                e.errors = errors;
                return e;
            }
            DomainError::InvalidCredentials => (401, "Invalid credentials"),
            DomainError::TokenExpired => (401, "Token expired"),
            DomainError::InvalidToken => (401, "Invalid token"),
            DomainError::AccountInactive => (401, "Account inactive"),
            DomainError::Forbidden => (403, "Forbidden"),
            DomainError::EmailUnverified => (403, "E-mail address not verified"),
            DomainError::AccountTokenInvalid => (400, "Invalid or expired link"),
            DomainError::NotFound(_) => (404, "Not found"),
            DomainError::EmailTaken => (409, "E-mail taken"),
            DomainError::AlreadyExists(_) => (409, "Already exists"),
            DomainError::InsufficientStock { .. } => (409, "Insufficient stock"),
            DomainError::IdempotencyKeyReused => (409, "Idempotency key reused"),
            DomainError::QuoteUsed { order_id } => {
                let mut e = Self::new(409, code, "Quote already used", detail);
                e.order_id = Some(order_id.to_string());
                return e;
            }
            DomainError::MailAlreadySent => (409, "Mail already sent"),
            DomainError::QuoteExpired => (409, "Quote expired"),
            DomainError::PriceChanged => (409, "Price changed"),
            DomainError::InvalidOrderState { .. } => (409, "Invalid order state"),
            DomainError::InvalidState(_) => (409, "Invalid state"),
            DomainError::InvalidPromotion(reason) => {
                return Self::new(422, code, "Invalid promotion", detail)
                    .with_field("promo_code", reason.clone());
            }
            DomainError::PaymentDeclined { .. } => (402, "Payment declined"),
            DomainError::LoginBackoff { retry_after } => {
                let mut e = Self::new(429, code, "Too many failed sign-ins", detail);
                e.retry_after = Some(*retry_after);
                return e;
            }
            DomainError::Busy => {
                let mut e = Self::new(503, code, "Busy", detail);
                e.retry_after = Some(BUSY_RETRY_AFTER_SECONDS);
                return e;
            }
            DomainError::PaymentUnavailable(cause) => {
                tracing::warn!(error = %cause, "payment provider unavailable");
                let mut e = Self::new(
                    503,
                    code,
                    "Payment provider unavailable",
                    "the payment provider could not be reached; retry later",
                );
                e.retry_after = Some(PAYMENT_RETRY_AFTER_SECONDS);
                return e;
            }
            DomainError::Store(_) => {
                // The whole chain (the driver's or SDK's error and its
                // causes) goes to the log; the client gets no detail.
                tracing::error!(
                    error = %shop_domain::error::error_chain(&error),
                    code,
                    "request failed: the store is unavailable"
                );
                let mut e = Self::new(
                    503,
                    code,
                    "Store unavailable",
                    "the shop's database could not be reached; retry later",
                );
                e.retry_after = Some(STORE_RETRY_AFTER_SECONDS);
                return e;
            }
            DomainError::Internal(_) => {
                tracing::error!(error = %error, code, "request failed");
                return Self::new(
                    500,
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

    fn status_and_code(e: DomainError) -> (u16, String) {
        let problem = Problem::from(e);
        (problem.status, problem.code.to_string())
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
            (DomainError::EmailUnverified, 403, "email_unverified"),
            (DomainError::AccountTokenInvalid, 400, "token_invalid"),
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
            (
                DomainError::LoginBackoff { retry_after: 4 },
                429,
                "login_backoff",
            ),
            (DomainError::Busy, 503, "busy"),
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
    fn back_off_and_busy_say_when_to_retry() {
        let e = Problem::from(DomainError::LoginBackoff { retry_after: 4 });
        assert_eq!(e.retry_after, Some(4));
        assert_eq!(
            Problem::from(DomainError::Busy).retry_after,
            Some(BUSY_RETRY_AFTER_SECONDS)
        );
    }

    #[test]
    fn internal_details_are_never_echoed() {
        let api = Problem::from(DomainError::Internal("secret table xyz".into()));
        assert!(!api.detail.contains("xyz"));
        let api = Problem::from(DomainError::Store(shop_domain::StoreError::unavailable(
            "password=hunter2",
        )));
        assert!(!api.detail.contains("hunter2"));
        let api = Problem::from(DomainError::Store(shop_domain::StoreError::backend(
            "query failed",
            "password=hunter2",
        )));
        assert!(!api.detail.contains("hunter2"));
        let api = Problem::from(DomainError::PaymentUnavailable("10.0.0.7 refused".into()));
        assert!(!api.detail.contains("10.0.0.7"));
    }

    #[test]
    fn body_names_the_problem_type_after_the_code() {
        let body = Problem::from(DomainError::invalid("email", "bad")).body();
        assert_eq!(body.problem_type, "urn:shop:problem:validation_failed");
        assert_eq!(body.status, 422);
        assert_eq!(body.detail, "email: bad");
        assert_eq!(body.errors.len(), 1);
    }
}
