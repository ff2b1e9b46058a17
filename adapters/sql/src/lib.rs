//! sea-orm adapters for every store port of `shop-domain` and its
//! `JobQueue`, on MySQL/MariaDB and SQLite through one code path.
//!
//! - money is exact: `DECIMAL(19,4)` on MySQL, decimal text on SQLite,
//!   never a float;
//! - times are UTC at microsecond precision;
//! - lists are keyset-paged on an index, with opaque cursors;
//! - an order is placed in one transaction: conditional stock reservation
//!   (`stock = stock - n WHERE stock >= n`), promotion redemption,
//!   idempotency key, number, order, lines, history and job;
//! - jobs are claimed with `FOR UPDATE SKIP LOCKED` on MySQL/MariaDB and
//!   under SQLite's single write lock (`BEGIN IMMEDIATE`) on SQLite, and a
//!   lapsed lease makes a running job claimable again;
//! - a mail is recorded in the outbox, with its delivery job, in the
//!   transaction of the change that causes it.

mod account_tokens;
mod accounts;
mod audit;
mod business;
mod catalog;
mod contacts;
mod cursor;
mod entity;
mod error;
mod jobs;
mod json;
mod login_throttle;
mod orders;
mod outbox;
mod payment_events;
mod payment_simulator;
mod pricing;
mod query;
mod settings;
mod stock;
mod store;
mod value;

pub use settings::SETTINGS;
pub use store::{EMBEDDED_DATABASE_URL, PoolOptions, SqlStore, redact};
