//! The black-box suite: every test starts the real `shop-api` binary on a
//! free port with a fresh data directory and talks HTTP to it (API.md).
//! One test binary for all of them (link time).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The real binaries run on the wall clock; so do the waits for them and
// the unique names.
#![allow(clippy::disallowed_methods)]

#[path = "blackbox/accounts.rs"]
mod accounts;
#[path = "blackbox/admin.rs"]
mod admin;
#[path = "blackbox/audit.rs"]
mod audit;
#[path = "blackbox/business.rs"]
mod business;
#[path = "blackbox/catalog.rs"]
mod catalog;
#[path = "blackbox/checkout.rs"]
mod checkout;
#[path = "blackbox/config.rs"]
mod config;
#[path = "blackbox/contact.rs"]
mod contact;
#[path = "blackbox/crash.rs"]
mod crash;
#[path = "blackbox/dynamodb.rs"]
mod dynamodb;
#[path = "blackbox/errors.rs"]
mod errors;
#[path = "blackbox/health.rs"]
mod health;
#[path = "blackbox/jwt.rs"]
mod jwt;
#[path = "blackbox/lambda_auth.rs"]
mod lambda_auth;
#[path = "blackbox/money.rs"]
mod money;
#[path = "blackbox/orders.rs"]
mod orders;
#[path = "blackbox/persistence.rs"]
mod persistence;
#[path = "blackbox/smtp.rs"]
mod smtp;
#[path = "blackbox/square.rs"]
mod square;
#[path = "blackbox/stepfunctions.rs"]
mod stepfunctions;
#[path = "blackbox/tokens.rs"]
mod tokens;
#[path = "blackbox/webhooks.rs"]
mod webhooks;
#[path = "blackbox/workers.rs"]
mod workers;
