//! One model of Square's Payments API sandbox, for the simulator the
//! embedded shop pays through and for the HTTP test double
//! (`shop-square-double`):
//!
//! - [`model`]: Square's objects, typed ([`Payment`], [`Refund`]);
//! - [`CreatePayment`], [`CompletePayment`], [`RefundPayment`]: the requests;
//!   [`SquareFailure`]: Square's error answers;
//! - [`SquareLedger`]: the semantics (sandbox nonces, idempotent replays,
//!   the authorization window, complete, cancel, refund), one transaction
//!   of a [`LedgerStore`] per operation;
//! - [`MemoryLedgerStore`]: the store in memory (an SQL one lives with the
//!   shop's database);
//! - [`SimulatedSquare`]: the domain's `PaymentGateway` on the ledger.

mod failure;
mod ledger;
mod memory;
pub mod model;
mod nonce;
mod request;
mod rules;
mod simulated;
mod store;

pub use failure::{ErrorCategory, SquareErrorItem, SquareFailure};
pub use ledger::{DEFAULT_AUTHORIZATION_WINDOW, SquareLedger};
pub use memory::MemoryLedgerStore;
pub use model::{IdempotencyKey, MAX_IDEMPOTENCY_KEY_CHARS, Money, Payment, PaymentStatus, Refund};
pub use nonce::{DECLINING_NONCES, NONCE_OK};
pub use request::{CompletePayment, CreatePayment, RefundPayment};
pub use simulated::{SimulatedSquare, payment_error};
pub use store::{
    CreateRecord, LedgerSnapshot, LedgerStore, LedgerStoreError, LedgerTx, RecordedFailure,
};
