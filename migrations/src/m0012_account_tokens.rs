//! E-mail verification and password reset: `users.email_verified_at` and
//! the single-use account tokens (stored by their SHA-256 only).
//!
//! Accounts that exist when this runs count as verified (their
//! `email_verified_at` becomes their `created_at`): the upgrade must not lock
//! current customers out of ordering. Like `users`, the tokens have no
//! foreign key to it (accounts may live in DynamoDB).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::columns::{Columns, add_column_once, create_table, index, nullable};
use crate::m0001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AccountTokens {
    Table,
    TokenHash,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Added {
    EmailVerifiedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AccountTokens as T;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(T::Table)
                .col(c.varchar(T::TokenHash, 128).primary_key())
                .col(c.id(T::UserId))
                .col(c.varchar(T::Purpose, 32))
                .col(c.timestamp(T::CreatedAt))
                .col(c.timestamp(T::ExpiresAt))
                .col(nullable(c.timestamp(T::UsedAt)))
                .take(),
            vec![
                index("idx_account_tokens_user_id_purpose", T::Table)
                    .col(T::UserId)
                    .col(T::Purpose)
                    .take(),
            ],
        )
        .await?;
        // Added, then filled in for the accounts of before; a rerun after a
        // crash between the two steps fills in the same rows.
        add_column_once(
            manager,
            Users::Table,
            "email_verified_at",
            nullable(c.timestamp(Added::EmailVerifiedAt)),
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL",
            )
            .await?;
        Ok(())
    }
}
