//! The sandbox ledger on `MemoryLedgerStore` and `SimulatedSquare` on it:
//! the `PaymentGateway` conformance suite, what the simulator adds (faults,
//! its ledger view) and the ledger's transactions (retries on conflict,
//! one payment for concurrent same-key creates).

// Tests: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ledger;
mod simulated;
mod support;

use support::fresh_harness;

shop_testkit::gateway_conformance_tests!(fresh_harness);
