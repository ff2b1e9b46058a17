//! Contact messages, triaged by admins newest first.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ContactMessages {
    Table,
    Id,
    UserId,
    Name,
    Email,
    Subject,
    Message,
    Status,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ContactMessages as M;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(M::Table)
                .col(c.id(M::Id).primary_key())
                .col(nullable(c.id(M::UserId)))
                .col(c.varchar(M::Name, 100))
                .col(c.varchar(M::Email, 254))
                .col(c.varchar(M::Subject, 255))
                .col(c.text(M::Message))
                .col(c.varchar(M::Status, 16))
                .col(c.timestamp(M::CreatedAt))
                .take(),
            // list(None): newest (largest id) first, by the primary key.
            vec![
                index("idx_contact_messages_status_id", M::Table)
                    .col(M::Status)
                    .col(M::Id)
                    .take(),
                index("idx_contact_messages_user_id", M::Table)
                    .col(M::UserId)
                    .take(),
            ],
        )
        .await
    }
}
