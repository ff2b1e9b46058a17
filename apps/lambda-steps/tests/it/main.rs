//! shop-lambda-steps' tests, one binary (link time): the step handlers on a
//! real SQLite store, the deployment files, and the state machine in moto.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod deploy;
mod handlers;
mod state_machine;
