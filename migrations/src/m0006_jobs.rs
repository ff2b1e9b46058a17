//! The durable job queue.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `open_run_after` is `run_after` while the job is queued or running and
/// NULL once it is done or dead. Claims walk `(open_run_after, id)` from
/// the start: the jobs in claim order, none of the finished ones, and past
/// only the running jobs whose lease still holds (at most one per worker),
/// so `LIMIT 1 FOR UPDATE SKIP LOCKED` stops at the first claimable row.
#[derive(DeriveIden)]
pub enum Jobs {
    Table,
    Id,
    Kind,
    OrderId,
    State,
    Attempts,
    RunAfter,
    LeaseUntil,
    OpenRunAfter,
    ClaimToken,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(Jobs::Table)
                .col(c.varchar(Jobs::Id, 128).primary_key())
                .col(c.varchar(Jobs::Kind, 32))
                .col(nullable(c.id(Jobs::OrderId)))
                .col(c.varchar(Jobs::State, 16))
                .col(c.big_int(Jobs::Attempts).default(0))
                .col(c.timestamp(Jobs::RunAfter))
                .col(nullable(c.timestamp(Jobs::LeaseUntil)))
                .col(nullable(c.timestamp(Jobs::OpenRunAfter)))
                .col(nullable(c.varchar(Jobs::ClaimToken, 128)))
                .col(nullable(c.text(Jobs::LastError)))
                .take(),
            vec![
                index("idx_jobs_open_run_after_id", Jobs::Table)
                    .col(Jobs::OpenRunAfter)
                    .col(Jobs::Id)
                    .take(),
            ],
        )
        .await
    }
}
