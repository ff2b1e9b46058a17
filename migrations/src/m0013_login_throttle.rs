//! Failed sign-ins per address (the per-account back-off), shared by every
//! instance: keyed by the SHA-256 of the normalised address, never the
//! address itself.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum LoginThrottle {
    Table,
    ThrottleKey,
    Failures,
    LastFailureAt,
    Notified,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LoginThrottle as T;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(T::Table)
                .col(c.varchar(T::ThrottleKey, 64).primary_key())
                .col(c.big_int(T::Failures))
                .col(c.timestamp(T::LastFailureAt))
                .col(c.boolean(T::Notified))
                .take(),
            vec![],
        )
        .await
    }
}
