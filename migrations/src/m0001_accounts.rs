//! Users, refresh sessions and refresh tokens.
//!
//! No table references `users` with a foreign key: in the production shape
//! the accounts may live in DynamoDB while orders and profiles stay here,
//! so a user id is a plain indexed column outside the accounts tables.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    Status,
    SessionVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum RefreshSessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
pub enum RefreshTokens {
    Table,
    TokenHash,
    SessionId,
    UserId,
    IssuedAt,
    ExpiresAt,
    SpentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(Users::Table)
                .col(c.id(Users::Id).primary_key())
                .col(c.varchar(Users::Email, 254))
                .col(c.varchar(Users::Name, 100))
                .col(c.varchar(Users::PasswordHash, 255))
                .col(c.varchar(Users::Role, 16))
                .col(c.varchar(Users::Status, 16))
                .col(c.big_int(Users::SessionVersion).default(0))
                .col(c.timestamp(Users::CreatedAt))
                .take(),
            vec![
                index("uq_users_email", Users::Table)
                    .col(Users::Email)
                    .unique()
                    .take(),
                // list(status): newest (largest id) first.
                index("idx_users_status_id", Users::Table)
                    .col(Users::Status)
                    .col(Users::Id)
                    .take(),
                index("idx_users_role_status", Users::Table)
                    .col(Users::Role)
                    .col(Users::Status)
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(RefreshSessions::Table)
                .col(c.id(RefreshSessions::Id).primary_key())
                .col(c.id(RefreshSessions::UserId))
                .col(c.timestamp(RefreshSessions::CreatedAt))
                .col(nullable(c.timestamp(RefreshSessions::RevokedAt)))
                .take(),
            vec![
                index("idx_refresh_sessions_user_id", RefreshSessions::Table)
                    .col(RefreshSessions::UserId)
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(RefreshTokens::Table)
                .col(c.varchar(RefreshTokens::TokenHash, 128).primary_key())
                .col(c.id(RefreshTokens::SessionId))
                .col(c.id(RefreshTokens::UserId))
                .col(c.timestamp(RefreshTokens::IssuedAt))
                .col(c.timestamp(RefreshTokens::ExpiresAt))
                .col(nullable(c.timestamp(RefreshTokens::SpentAt)))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_tokens_session")
                        .from(RefreshTokens::Table, RefreshTokens::SessionId)
                        .to(RefreshSessions::Table, RefreshSessions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
            vec![
                index("idx_refresh_tokens_session_id", RefreshTokens::Table)
                    .col(RefreshTokens::SessionId)
                    .take(),
            ],
        )
        .await
    }
}
