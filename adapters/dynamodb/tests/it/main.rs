//! shop-dynamodb against moto server (`SHOP_TEST_MOTO_URL`, default
//! `http://127.0.0.1:5005`; `bash .ci/services/moto.sh` starts one). Every
//! test makes its own uniquely named tables, so tests run in parallel. A
//! moto that does not answer fails the tests: they never skip.

// Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod common;
mod conformance;
mod errors;
mod races;
mod schema;
