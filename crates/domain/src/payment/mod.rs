//! The payment gateway port, shaped on Square's Payments API: authorize with
//! delayed capture, then complete, cancel or refund.

pub mod events;

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

#[cfg_attr(test, mockall::automock)]
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
    /// The payment as the provider holds it now (Square's GetPayment).
    async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError>;
}

/// How long Square holds a card-not-present authorization when it does
/// not say (its `delayed_until`): 7 days.
pub const DEFAULT_AUTHORIZATION_WINDOW: chrono::Duration = chrono::Duration::days(7);

/// The longest idempotency key Square accepts.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 45;

/// The idempotency key of one step of one order's payment: derived from the
/// order id and the step only, at most 45 characters, and different for every
/// (order, step). `order:step` when it fits; otherwise the first 45 hex digits
/// of its SHA-256 (cutting it short would give every step of a long id the
/// same key, and Square would refuse the refund as a reused key).
pub fn idempotency_key(order_id: &crate::ids::OrderId, step: &str) -> String {
    let key = format!("{order_id}:{step}");
    if key.len() <= MAX_IDEMPOTENCY_KEY_LEN && key.is_ascii() {
        return key;
    }
    let mut digest = crate::account::service::sha256_hex(&key);
    digest.truncate(MAX_IDEMPOTENCY_KEY_LEN);
    digest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrderId;

    const STEPS: [&str; 3] = ["authorize", "complete", "refund"];

    #[test]
    fn keys_are_deterministic() {
        let id = OrderId::new("0190f1f2-7c5e-7a1b-9c3d-4e5f60718293");
        for step in STEPS {
            assert_eq!(idempotency_key(&id, step), idempotency_key(&id, step));
            assert_eq!(
                idempotency_key(&id, step),
                idempotency_key(&OrderId::new(id.as_str()), step)
            );
        }
    }

    #[test]
    fn short_keys_stay_readable() {
        assert_eq!(
            idempotency_key(&OrderId::new("o-1"), "refund"),
            "o-1:refund"
        );
    }

    #[test]
    fn keys_fit_square_and_differ_by_order_and_step() {
        let ids = [
            "o-1".to_string(),
            "0190f1f2-7c5e-7a1b-9c3d-4e5f60718293".to_string(),
            "0190f1f2-7c5e-7a1b-9c3d-4e5f60718294".to_string(),
            "x".repeat(44),
            "x".repeat(45),
            format!("{}a", "x".repeat(199)),
            format!("{}b", "x".repeat(199)),
        ];
        let mut seen = std::collections::HashSet::new();
        for id in &ids {
            for step in STEPS {
                let key = idempotency_key(&OrderId::new(id.as_str()), step);
                assert!(!key.is_empty() && key.chars().count() <= 45, "{key:?}");
                assert!(key.is_ascii(), "{key:?}");
                assert!(seen.insert(key.clone()), "{id}/{step} collides: {key}");
            }
        }
    }

    #[test]
    fn payment_status_words_are_squares() {
        assert_eq!(PaymentStatus::Approved.as_str(), "APPROVED");
        assert_eq!(PaymentStatus::Completed.as_str(), "COMPLETED");
        assert_eq!(PaymentStatus::Canceled.as_str(), "CANCELED");
        assert_eq!(PaymentStatus::Failed.as_str(), "FAILED");
    }
}
