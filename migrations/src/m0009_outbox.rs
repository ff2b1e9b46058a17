//! The transactional mail outbox, and the Message-ID a mail delivery job
//! carries.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, add_column_once, create_table, index, nullable};
use crate::m0006_jobs::Jobs;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A Message-ID may be longer than MySQL's index key limit (3072 bytes,
/// 768 utf8mb4 characters), so the key is its SHA-256 in hex and the id
/// itself sits in a TEXT column.
#[derive(DeriveIden)]
pub enum MailOutbox {
    Table,
    IdHash,
    MessageId,
    MailFrom,
    MailTo,
    Subject,
    TextBody,
    HtmlBody,
    CreatedAt,
    SentAt,
}

/// The column added to `jobs`: the Message-ID of a `deliver_mail` job
/// (TEXT for the same reason; `order_id` stays for order jobs).
#[derive(DeriveIden)]
pub enum JobsMail {
    MailMessageId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MailOutbox as M;
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(M::Table)
                .col(c.varchar(M::IdHash, 64).primary_key())
                .col(c.text(M::MessageId))
                .col(c.text(M::MailFrom))
                .col(c.text(M::MailTo))
                .col(c.text(M::Subject))
                .col(c.document(M::TextBody))
                .col(c.document(M::HtmlBody))
                .col(c.timestamp(M::CreatedAt))
                .col(nullable(c.timestamp(M::SentAt)))
                .take(),
            vec![
                // Admin views and clean-up look for unsent or old mail.
                index("idx_mail_outbox_created_at", M::Table)
                    .col(M::CreatedAt)
                    .take(),
            ],
        )
        .await?;
        // DDL is not transactional on MySQL: a re-run after a crash between
        // the two statements finds the column already there.
        add_column_once(
            manager,
            Jobs::Table,
            "mail_message_id",
            nullable(c.text(JobsMail::MailMessageId)),
        )
        .await
    }
}
