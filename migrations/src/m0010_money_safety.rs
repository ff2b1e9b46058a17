//! What the money rules need: a stock ledger (every change a movement that
//! sums to the stock), quotes spent once, alerts on orders, and job
//! generations (a requeued job is new to an external engine). Every step
//! can run again after a crash half-way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::columns::{Columns, add_column_once, create_index_once, create_table, index, nullable};
use crate::m0004_pricing::Quotes;
use crate::m0005_orders::Orders;
use crate::m0006_jobs::Jobs;
use crate::m0009_outbox::MailOutbox;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum StockMovements {
    Table,
    Id,
    ProductId,
    Delta,
    StockAfter,
    Kind,
    Reason,
    OrderId,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum Added {
    /// `quotes.order_id`: the live order the quote became, NULL while it
    /// may be placed.
    OrderId,
    AlertAt,
    AlertReason,
    Generation,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StockMovements as S;
        let backend = manager.get_database_backend();
        let c = Columns::new(backend);
        create_table(
            manager,
            Table::create()
                .table(S::Table)
                .col(c.id(S::Id).primary_key())
                .col(c.id(S::ProductId))
                .col(c.big_int(S::Delta))
                .col(c.big_int(S::StockAfter))
                .col(c.varchar(S::Kind, 32))
                .col(nullable(c.text(S::Reason)))
                .col(nullable(c.id(S::OrderId)))
                .col(c.varchar(S::Actor, 128))
                .col(c.timestamp(S::At))
                .take(),
            vec![
                index("idx_stock_movements_product_id_id", S::Table)
                    .col(S::ProductId)
                    .col(S::Id)
                    .take(),
            ],
        )
        .await?;
        // The ledger starts from the stock as it stands: one opening
        // movement per product that has none. Its id sorts before every
        // time-ordered id, so it lists as the oldest.
        let opening_id = match backend {
            DbBackend::MySql => "CONCAT('0000-opening-', p.id)",
            _ => "'0000-opening-' || p.id",
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO stock_movements (id, product_id, delta, stock_after, kind, reason, order_id, actor, at) \
             SELECT {opening_id}, p.id, p.stock, p.stock, 'initial', 'stock when the ledger began', NULL, 'system', p.created_at \
             FROM products p \
             WHERE p.stock > 0 AND NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.product_id = p.id)"
        ))
        .await?;

        add_column_once(
            manager,
            Quotes::Table,
            "order_id",
            nullable(c.id(Added::OrderId)),
        )
        .await?;
        // Quotes already placed as a live order are spent.
        db.execute_unprepared(
            "UPDATE quotes SET order_id = (SELECT o.id FROM orders o WHERE o.quote_id = quotes.id \
             AND o.status NOT IN ('canceled', 'payment_failed') ORDER BY o.id LIMIT 1) \
             WHERE order_id IS NULL",
        )
        .await?;

        add_column_once(
            manager,
            Orders::Table,
            "alert_at",
            nullable(c.timestamp(Added::AlertAt)),
        )
        .await?;
        add_column_once(
            manager,
            Orders::Table,
            "alert_reason",
            nullable(c.text(Added::AlertReason)),
        )
        .await?;
        add_column_once(
            manager,
            Jobs::Table,
            "generation",
            c.big_int(Added::Generation).default(0).take(),
        )
        .await?;
        // Admins list unsent mail, newest first.
        create_index_once(
            manager,
            "mail_outbox",
            index("idx_mail_outbox_sent_at_created_at", MailOutbox::Table)
                .col(MailOutbox::SentAt)
                .col(MailOutbox::CreatedAt)
                .col(MailOutbox::IdHash)
                .take(),
        )
        .await
    }
}
