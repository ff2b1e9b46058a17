//! Square's objects as the ledger holds them. `Payment` and `Refund` are
//! also the rows a [`LedgerStore`](crate::LedgerStore) keeps: plain data,
//! each field one column.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::failure::{ErrorCategory, SquareFailure};

/// The longest idempotency key Square accepts, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 45;

/// A client's idempotency key: 1 to 45 characters, as Square requires.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Square's answer to a key out of bounds is the failure.
    pub fn parse(key: impl Into<String>) -> Result<Self, SquareFailure> {
        let key = key.into();
        let chars = key.chars().count();
        if chars == 0 {
            return Err(invalid_key(
                "VALUE_TOO_SHORT",
                "Field must not be less than 1 length",
            ));
        }
        if chars > MAX_IDEMPOTENCY_KEY_CHARS {
            return Err(invalid_key(
                "VALUE_TOO_LONG",
                "Field must not be greater than 45 length",
            ));
        }
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_key(code: &str, detail: &str) -> SquareFailure {
    SquareFailure::new(400, ErrorCategory::InvalidRequestError, code, detail)
        .with_field("idempotency_key")
}

impl TryFrom<String> for IdempotencyKey {
    type Error = SquareFailure;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::parse(key)
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> Self {
        key.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Square's `Money`: an amount in the currency's smallest unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: i64,
    /// ISO 4217, e.g. `USD`.
    pub currency: String,
}

impl Money {
    pub fn new(amount: i64, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// A payment's status, in Square's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Authorized, waiting for CompletePayment or CancelPayment.
    Approved,
    Completed,
    Canceled,
    Failed,
}

impl PaymentStatus {
    pub const ALL: [Self; 4] = [
        Self::Approved,
        Self::Completed,
        Self::Canceled,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Completed => "COMPLETED",
            Self::Canceled => "CANCELED",
            Self::Failed => "FAILED",
        }
    }

    /// The inverse of [`as_str`](Self::as_str), for stores reading a column.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

impl std::fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One payment in the ledger (a row of the payments table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Primary key; opaque, unique across restarts (never a counter: an
    /// order stored elsewhere must never name another order's payment).
    pub id: String,
    /// The key of the CreatePayment that made it; unique among payments.
    pub idempotency_key: IdempotencyKey,
    /// In minor units of `currency`; always > 0.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// The card nonce it was made with.
    pub source_id: String,
    pub location_id: Option<String>,
    pub reference_id: Option<String>,
    pub buyer_email_address: Option<String>,
    pub status: PaymentStatus,
    /// How many times it went from APPROVED to COMPLETED: more than one
    /// would be a double charge.
    pub completions: u32,
    /// Refunded so far, in minor units; never above `amount`.
    pub refunded: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// While APPROVED: when Square voids it if not completed. `None` for a
    /// payment that never waited (autocompleted or failed).
    pub delayed_until: Option<DateTime<Utc>>,
    /// Changes with every update; CompletePayment may name the one it
    /// expects.
    pub version_token: String,
}

impl Payment {
    pub fn amount_money(&self) -> Money {
        Money::new(self.amount, self.currency.clone())
    }

    /// What is left to refund, in minor units.
    pub fn refundable(&self) -> i64 {
        self.amount - self.refunded
    }
}

/// One refund in the ledger (a row of the refunds table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Primary key; opaque.
    pub id: String,
    /// The RefundPayment's key; unique among refunds.
    pub idempotency_key: IdempotencyKey,
    pub payment_id: String,
    /// In minor units of `currency`; always > 0.
    pub amount: i64,
    /// The payment's currency.
    pub currency: String,
    /// The payment's location, which Square repeats on the refund.
    pub location_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Refund {
    pub fn amount_money(&self) -> Money {
        Money::new(self.amount, self.currency.clone())
    }
}
