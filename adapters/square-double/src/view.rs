//! What the double has done, for assertions (`GET /_double/ledger`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shop_square_sandbox::{Payment, Refund};

/// One payment in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerPayment {
    pub id: String,
    pub idempotency_key: String,
    pub amount: i64,
    pub currency: String,
    pub source_id: String,
    pub location_id: Option<String>,
    pub reference_id: Option<String>,
    pub buyer_email_address: Option<String>,
    /// Square's word: APPROVED, COMPLETED, CANCELED or FAILED.
    pub status: String,
    /// How many times it went from APPROVED to COMPLETED: more than one
    /// would be a double charge.
    pub completions: u32,
    pub refunded: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delayed_until: Option<DateTime<Utc>>,
    pub version_token: String,
}

impl From<Payment> for LedgerPayment {
    fn from(p: Payment) -> Self {
        Self {
            id: p.id,
            idempotency_key: p.idempotency_key.into(),
            amount: p.amount,
            currency: p.currency,
            source_id: p.source_id,
            location_id: p.location_id,
            reference_id: p.reference_id,
            buyer_email_address: p.buyer_email_address,
            status: p.status.as_str().to_string(),
            completions: p.completions,
            refunded: p.refunded,
            created_at: p.created_at,
            updated_at: p.updated_at,
            delayed_until: p.delayed_until,
            version_token: p.version_token,
        }
    }
}

/// One refund in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerRefund {
    pub id: String,
    pub idempotency_key: String,
    pub payment_id: String,
    pub amount: i64,
    pub currency: String,
}

impl From<Refund> for LedgerRefund {
    fn from(r: Refund) -> Self {
        Self {
            id: r.id,
            idempotency_key: r.idempotency_key.into(),
            payment_id: r.payment_id,
            amount: r.amount,
            currency: r.currency,
        }
    }
}

/// What the double has done, for assertions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Ledger {
    pub payments: Vec<LedgerPayment>,
    pub refunds: Vec<LedgerRefund>,
    /// Every Square request's method, path and `Square-Version` header.
    pub requests: Vec<RecordedRequest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub square_version: Option<String>,
    /// The JSON body, when there was one: as sent, whatever its shape.
    pub body: Option<Value>,
}
