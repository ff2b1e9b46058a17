//! The payment gateway port, shaped on Square's Payments API: authorize with
//! delayed capture, then complete, cancel or refund.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::account::Email;
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// Derived from the order id and the step only, so a retry after any
    /// failure is the same request to the provider.
    pub idempotency_key: String,
    pub amount: Money,
    pub source_id: String,
    /// The order number, shown in the provider's dashboard.
    pub reference_id: String,
    pub buyer_email: Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Authorized, waiting for completion.
    Approved,
    Completed,
    Canceled,
    Failed,
}

impl PaymentStatus {
    /// Square's own word for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Completed => "COMPLETED",
            Self::Canceled => "CANCELED",
            Self::Failed => "FAILED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub payment_id: String,
    pub status: PaymentStatus,
    /// When the provider will void an uncompleted authorization.
    pub delayed_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaymentError {
    /// The card or its holder's bank said no; retrying will not help.
    #[error("declined: {code}")]
    Declined { code: String },
    /// Timeout, 5xx, rate limit, dropped connection: the same request may
    /// succeed later, and may already have taken effect.
    #[error("transient payment failure: {0}")]
    Transient(String),
    /// The provider refused the request itself (a bug or a state conflict).
    #[error("payment request rejected: {0}")]
    Rejected(String),
}

#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Creates a payment with `autocomplete = false`.
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError>;
    /// Captures an approved payment. Completing a completed payment succeeds.
    async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError>;
    /// Voids an approved payment. Canceling a canceled payment succeeds.
    async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError>;
    /// Voids whatever payment a create with this key made, if any; for a
    /// create whose outcome is unknown.
    async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError>;
    async fn refund(
        &self,
        payment_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError>;
}

/// The idempotency key of one step of one order's payment.
pub fn idempotency_key(order_id: &crate::ids::OrderId, step: &str) -> String {
    // Square allows 45 characters; an id is at most 36, a step a few more.
    let key = format!("{order_id}:{step}");
    key.chars().take(45).collect()
}
