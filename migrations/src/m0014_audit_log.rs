//! The audit trail: append-only, newest first, filtered by actor, target or
//! action.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    TargetType,
    TargetId,
    Changes,
    RequestId,
    ClientIp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AuditLog as A;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(A::Table)
                .col(c.id(A::Id).primary_key())
                .col(c.timestamp(A::At))
                .col(c.varchar(A::Actor, 80))
                .col(c.varchar(A::Action, 64))
                .col(c.varchar(A::TargetType, 32))
                .col(c.varchar(A::TargetId, 80))
                .col(c.text(A::Changes))
                .col(nullable(c.varchar(A::RequestId, 128)))
                .col(nullable(c.varchar(A::ClientIp, 64)))
                .take(),
            // Newest (largest id) first within each filter.
            vec![
                index("idx_audit_log_actor_id", A::Table)
                    .col(A::Actor)
                    .col(A::Id)
                    .take(),
                index("idx_audit_log_target_id", A::Table)
                    .col(A::TargetId)
                    .col(A::Id)
                    .take(),
                index("idx_audit_log_action_id", A::Table)
                    .col(A::Action)
                    .col(A::Id)
                    .take(),
            ],
        )
        .await
    }
}
