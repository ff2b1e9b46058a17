//! The requests the ledger answers, typed after Square's.

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
    /// SHA-256 of the fields, each length-prefixed so no two requests run
    /// together (adding a field changes every fingerprint: stored ones then
    /// no longer match their replays).
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        let mut field = |value: Option<&str>| match value {
            None => hash.update([0]),
            Some(text) => {
                hash.update([1]);
                hash.update((text.len() as u64).to_be_bytes());
                hash.update(text.as_bytes());
            }
        };
        field(Some(&self.amount_money.amount.to_string()));
        field(Some(&self.amount_money.currency));
        field(Some(&self.source_id));
        field(Some(if self.autocomplete { "true" } else { "false" }));
        field(self.location_id.as_deref());
        field(self.reference_id.as_deref());
        field(self.buyer_email_address.as_deref());
        hex::encode(hash.finalize())
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
