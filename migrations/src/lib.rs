//! The shop's relational schema, as sea-orm-migration migrations that run
//! unchanged on MySQL/MariaDB and SQLite.
//!
//! Applied at start-up and by `shop-api migrate`: [`Migrator::up`] applies
//! only the migrations not yet recorded in `seaql_migrations`, so running it
//! twice is a no-op. Migrations are never destructive: none drops or
//! rewrites data, and `down` is refused.
//!
//! Column types differ where the backends do (see [`columns`]): money is
//! `DECIMAL(19,4)` on MySQL and canonical decimal text on SQLite (whose
//! `DECIMAL` affinity would store a float); times are UTC, `DATETIME(6)` on
//! MySQL and RFC 3339 text on SQLite; every MySQL table is InnoDB in
//! `utf8mb4` with the binary collation, so keys, sorting and uniqueness
//! behave as they do on SQLite and in memory (byte order, case-sensitive).

pub mod columns;
mod m0001_accounts;
mod m0002_business_profiles;
mod m0003_catalog;
mod m0004_pricing;
mod m0005_orders;
mod m0006_jobs;
mod m0007_contact_messages;
mod m0008_payment_events;
mod m0009_outbox;
mod m0010_money_safety;
mod m0011_payment_simulator;
mod m0012_account_tokens;
mod m0013_login_throttle;
mod m0014_audit_log;

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

/// Every migration of the schema, oldest first.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_accounts::Migration),
            Box::new(m0002_business_profiles::Migration),
            Box::new(m0003_catalog::Migration),
            Box::new(m0004_pricing::Migration),
            Box::new(m0005_orders::Migration),
            Box::new(m0006_jobs::Migration),
            Box::new(m0007_contact_messages::Migration),
            Box::new(m0008_payment_events::Migration),
            Box::new(m0009_outbox::Migration),
            Box::new(m0010_money_safety::Migration),
            Box::new(m0011_payment_simulator::Migration),
            Box::new(m0012_account_tokens::Migration),
            Box::new(m0013_login_throttle::Migration),
            Box::new(m0014_audit_log::Migration),
        ]
    }
}
