//! Where the ledger keeps its payments: a transactional port, so the
//! embedded shop can keep them in its own database and they survive a
//! restart.
//!
//! Every ledger operation is one transaction: [`LedgerStore::begin`], read
//! what it needs, write what it decided, [`LedgerTx::commit`]. Dropping a
//! transaction without committing discards its writes. An SQL store:
//!
//! - holds what a transaction reads until it ends (`SELECT ... FOR UPDATE`
//!   on MySQL, `BEGIN IMMEDIATE` on SQLite), so two transactions never
//!   decide on the same payment at once;
//! - gives create records and refunds a unique key on `idempotency_key`,
//!   and answers [`LedgerStoreError::Conflict`] when an insert hits it (or
//!   on a deadlock or serialization failure): the ledger then runs the whole
//!   operation again and finds the other request's outcome;
//! - lists oldest first by insertion order (an autoincrement column), as
//!   several rows may share a `created_at`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::failure::{ErrorCategory, SquareErrorItem, SquareFailure};
use crate::model::{IdempotencyKey, Payment, Refund};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerStoreError {
    /// Another transaction got there first (a unique key, a deadlock): the
    /// operation may succeed if run again.
    #[error("conflicting ledger transaction")]
    Conflict,
    /// The store failed; the transaction did not take effect.
    #[error("ledger store unavailable: {0}")]
    Unavailable(String),
}

/// The first answer to a CreatePayment, kept under its key so a retry gets
/// the same answer (a row of the create records table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRecord {
    /// Primary (unique) key.
    pub idempotency_key: IdempotencyKey,
    /// [`CreatePayment::fingerprint`](crate::CreatePayment::fingerprint) of
    /// the first request: 64 hex digits.
    pub request_fingerprint: String,
    /// The payment the request made: APPROVED or COMPLETED, or FAILED on a
    /// decline. `None` when it was refused before any payment existed.
    pub payment_id: Option<String>,
    /// The error the request was answered with; `None` when it succeeded.
    pub failure: Option<RecordedFailure>,
    pub created_at: DateTime<Utc>,
}

/// A create's error answer, flat: the ledger's errors have exactly one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedFailure {
    pub http_status: u16,
    /// [`ErrorCategory::as_str`] in a column.
    pub category: ErrorCategory,
    pub code: String,
    pub detail: Option<String>,
    pub field: Option<String>,
}

impl RecordedFailure {
    pub(crate) fn of(failure: &SquareFailure) -> Option<Self> {
        let first = failure.errors.first()?;
        Some(Self {
            http_status: failure.http_status,
            category: first.category,
            code: first.code.clone(),
            detail: first.detail.clone(),
            field: first.field.clone(),
        })
    }

    /// The failure as first answered, without its payment.
    pub fn failure(&self) -> SquareFailure {
        SquareFailure {
            http_status: self.http_status,
            errors: vec![SquareErrorItem {
                category: self.category,
                code: self.code.clone(),
                detail: self.detail.clone(),
                field: self.field.clone(),
            }],
            payment: None,
        }
    }
}

/// Everything in the ledger, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerSnapshot {
    pub payments: Vec<Payment>,
    pub refunds: Vec<Refund>,
}

#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Starts a transaction; see the module's documentation.
    async fn begin(&self) -> Result<Box<dyn LedgerTx + '_>, LedgerStoreError>;

    /// Every payment and refund as committed, oldest first; read-only.
    async fn snapshot(&self) -> Result<LedgerSnapshot, LedgerStoreError>;
}

/// One transaction. Reads see the transaction's own writes.
#[async_trait]
pub trait LedgerTx: Send {
    async fn payment(&mut self, id: &str) -> Result<Option<Payment>, LedgerStoreError>;

    /// The payment a CreatePayment with this key made.
    async fn payment_by_key(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Payment>, LedgerStoreError>;

    /// Every APPROVED payment, oldest first.
    async fn approved_payments(&mut self) -> Result<Vec<Payment>, LedgerStoreError>;

    async fn create_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<CreateRecord>, LedgerStoreError>;

    /// The refund a RefundPayment with this key made.
    async fn refund_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Refund>, LedgerStoreError>;

    /// The payment's refunds, oldest first.
    async fn refunds_of(&mut self, payment_id: &str) -> Result<Vec<Refund>, LedgerStoreError>;

    /// Inserts the payment, or replaces the one with its id.
    async fn put_payment(&mut self, payment: &Payment) -> Result<(), LedgerStoreError>;

    /// [`LedgerStoreError::Conflict`] when its key is taken.
    async fn insert_create(&mut self, record: &CreateRecord) -> Result<(), LedgerStoreError>;

    /// [`LedgerStoreError::Conflict`] when its key is taken.
    async fn insert_refund(&mut self, refund: &Refund) -> Result<(), LedgerStoreError>;

    async fn commit(self: Box<Self>) -> Result<(), LedgerStoreError>;
}
