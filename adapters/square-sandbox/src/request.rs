//! The requests the ledger answers, typed after Square's.

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::model::{IdempotencyKey, Money};

/// Square's CreatePayment (`POST /v2/payments`), the fields the sandbox
/// models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePayment {
    pub idempotency_key: IdempotencyKey,
    pub amount_money: Money,
    /// A card nonce; the sandbox's decide the outcome.
    pub source_id: String,
    /// Square's default is `true` (charge at once); `false` authorizes and
    /// waits for CompletePayment.
    pub autocomplete: bool,
    pub location_id: Option<String>,
    pub reference_id: Option<String>,
    pub buyer_email_address: Option<String>,
}

impl CreatePayment {
    /// A request with Square's defaults: autocomplete, no optional field.
    pub fn new(idempotency_key: IdempotencyKey, amount_money: Money, source_id: &str) -> Self {
        Self {
            idempotency_key,
            amount_money,
            source_id: source_id.to_string(),
            autocomplete: true,
            location_id: None,
            reference_id: None,
            buyer_email_address: None,
        }
    }

    /// Identifies what was asked, whatever key asked it: a retry has the
    /// same fingerprint, another request under the key has another. Hex
    /// SHA-256 of the fields in a fixed order (adding a field changes every
    /// fingerprint: stored ones then no longer match their replays).
    pub fn fingerprint(&self) -> String {
        #[derive(Serialize)]
        struct Asked<'a> {
            amount: i64,
            currency: &'a str,
            source_id: &'a str,
            autocomplete: bool,
            location_id: Option<&'a str>,
            reference_id: Option<&'a str>,
            buyer_email_address: Option<&'a str>,
        }
        let asked = Asked {
            amount: self.amount_money.amount,
            currency: &self.amount_money.currency,
            source_id: &self.source_id,
            autocomplete: self.autocomplete,
            location_id: self.location_id.as_deref(),
            reference_id: self.reference_id.as_deref(),
            buyer_email_address: self.buyer_email_address.as_deref(),
        };
        // Serialising plain fields cannot fail; an empty input would only
        // make every request alike, never panic.
        let bytes = serde_json::to_vec(&asked).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }
}

/// Square's CompletePayment body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletePayment {
    /// The version the caller expects; a stale one is `VERSION_MISMATCH`.
    pub version_token: Option<String>,
}

/// Square's RefundPayment (`POST /v2/refunds`) of a card payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPayment {
    pub idempotency_key: IdempotencyKey,
    pub payment_id: String,
    pub amount_money: Money,
}
