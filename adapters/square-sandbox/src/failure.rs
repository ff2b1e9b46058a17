//! Square's error answers: `{"errors":[{category, code, detail, field}]}`
//! with an HTTP status, and for a decline the FAILED payment.

use serde::{Deserialize, Serialize};

use crate::model::Payment;

/// Square's `ErrorCategory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCategory {
    ApiError,
    AuthenticationError,
    InvalidRequestError,
    RateLimitError,
    PaymentMethodError,
    RefundError,
    MerchantSubscriptionError,
    ExternalVendorError,
}

impl ErrorCategory {
    pub const ALL: [Self; 8] = [
        Self::ApiError,
        Self::AuthenticationError,
        Self::InvalidRequestError,
        Self::RateLimitError,
        Self::PaymentMethodError,
        Self::RefundError,
        Self::MerchantSubscriptionError,
        Self::ExternalVendorError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiError => "API_ERROR",
            Self::AuthenticationError => "AUTHENTICATION_ERROR",
            Self::InvalidRequestError => "INVALID_REQUEST_ERROR",
            Self::RateLimitError => "RATE_LIMIT_ERROR",
            Self::PaymentMethodError => "PAYMENT_METHOD_ERROR",
            Self::RefundError => "REFUND_ERROR",
            Self::MerchantSubscriptionError => "MERCHANT_SUBSCRIPTION_ERROR",
            Self::ExternalVendorError => "EXTERNAL_VENDOR_ERROR",
        }
    }

    /// The inverse of [`as_str`](Self::as_str), for stores reading a column.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == word)
    }
}

/// One of Square's `Error` objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SquareErrorItem {
    pub category: ErrorCategory,
    /// Square's `ErrorCode`, e.g. `GENERIC_DECLINE`.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request field it is about, e.g. `idempotency_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Square's answer to a request it refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{http_status} {}", describe(.errors))]
pub struct SquareFailure {
    pub http_status: u16,
    pub errors: Vec<SquareErrorItem>,
    /// A decline carries the FAILED payment it recorded (boxed: most
    /// failures have none, and results stay small).
    pub payment: Option<Box<Payment>>,
}

fn describe(errors: &[SquareErrorItem]) -> String {
    match errors.first() {
        Some(SquareErrorItem {
            code,
            detail: Some(detail),
            ..
        }) => format!("{code}: {detail}"),
        Some(first) => first.code.clone(),
        None => "no error given".into(),
    }
}

impl SquareFailure {
    /// A failure with one error.
    pub fn new(http_status: u16, category: ErrorCategory, code: &str, detail: &str) -> Self {
        Self {
            http_status,
            errors: vec![SquareErrorItem {
                category,
                code: code.to_string(),
                detail: Some(detail.to_string()),
                field: None,
            }],
            payment: None,
        }
    }

    /// Names the request field the (first) error is about.
    pub fn with_field(mut self, field: &str) -> Self {
        if let Some(first) = self.errors.first_mut() {
            first.field = Some(field.to_string());
        }
        self
    }

    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(Box::new(payment));
        self
    }

    /// A 400 about the request itself.
    pub fn invalid_request(code: &str, field: &str, detail: &str) -> Self {
        Self::new(400, ErrorCategory::InvalidRequestError, code, detail).with_field(field)
    }

    pub fn missing(field: &str) -> Self {
        Self::invalid_request(
            "MISSING_REQUIRED_PARAMETER",
            field,
            "Missing required parameter.",
        )
    }

    pub fn payment_not_found(payment_id: &str) -> Self {
        Self::new(
            404,
            ErrorCategory::InvalidRequestError,
            "NOT_FOUND",
            &format!("Could not find payment with id: {payment_id}"),
        )
    }

    /// A 500: Square failed before the request took effect.
    pub fn internal(detail: &str) -> Self {
        Self::new(
            500,
            ErrorCategory::ApiError,
            "INTERNAL_SERVER_ERROR",
            detail,
        )
    }

    /// The first error's code, e.g. `IDEMPOTENCY_KEY_REUSED`.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|e| e.code.as_str())
    }

    /// The code of the decline among the errors, if the card was refused.
    pub fn decline_code(&self) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.category == ErrorCategory::PaymentMethodError)
            .map(|e| e.code.as_str())
    }
}
