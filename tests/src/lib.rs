//! Harness for the black-box tests: starts the real `shop-api` binary on a
//! free port with a fresh data directory (`spawn_app`), and talks HTTP to it.
//!
//! The tests themselves live in `tests/blackbox.rs` (one test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The real binaries run on the wall clock; so do the waits for them and
// the unique names.
#![allow(clippy::disallowed_methods)]

mod aws;
mod binary;
mod fixtures;
mod http;
mod spawn;
mod square;

pub use aws::{moto_dynamodb, moto_url};
pub use binary::{shop_api_binary, shop_worker_binary};
pub use fixtures::{CUSTOMER_PASSWORD, Customer, address, amount, unique};
pub use http::{ANON, Bearer, Resp, serve_json};
pub use spawn::{
    ADMIN_EMAIL, ADMIN_PASSWORD, AppBuilder, Backend, TempDir, TestApp, ThrowawayDatabase,
    WorkerProcess, spawn_app,
};
pub use square::{spawn_with_double, spawn_with_square};
