//! Orders, their lines and history, order numbers and idempotency keys.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};
use crate::m0003_catalog::Products;
use crate::m0004_pricing::Quotes;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Orders {
    Table,
    Id,
    Number,
    UserId,
    CustomerEmail,
    QuoteId,
    Status,
    CreatedAt,
    Currency,
    Subtotal,
    DiscountTotal,
    TaxTotal,
    ShippingTotal,
    Total,
    PromoCode,
    TaxExemption,
    ShipTo,
    PaymentSourceId,
    PaymentProvider,
    PaymentId,
    PaymentStatus,
    PaymentFailureCode,
    PaymentAuthorizationExpiresAt,
    CustomerNotified,
    AdminsNotified,
    JobId,
}

#[derive(DeriveIden)]
pub enum OrderLines {
    Table,
    OrderId,
    LineNo,
    ProductId,
    Sku,
    Name,
    UnitPrice,
    Quantity,
    Subtotal,
    Discount,
    Tax,
    Total,
}

#[derive(DeriveIden)]
pub enum OrderHistory {
    Table,
    OrderId,
    Seq,
    Status,
    At,
    Actor,
    Note,
}

/// The source of order numbers: one auto-incremented row per order.
#[derive(DeriveIden)]
pub enum OrderNumbers {
    Table,
    Seq,
    OrderId,
}

#[derive(DeriveIden)]
pub enum IdempotencyKeys {
    Table,
    UserId,
    IdemKey,
    Fingerprint,
    OrderId,
}

fn to_order<T: IntoIden>(name: &str, table: T, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Orders::Table, Orders::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(OrderNumbers::Table)
                .col(c.serial(OrderNumbers::Seq))
                .col(c.id(OrderNumbers::OrderId))
                .take(),
            vec![
                index("uq_order_numbers_order_id", OrderNumbers::Table)
                    .col(OrderNumbers::OrderId)
                    .unique()
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Orders::Table)
                .col(c.id(Orders::Id).primary_key())
                .col(c.varchar(Orders::Number, 32))
                .col(c.id(Orders::UserId))
                .col(c.varchar(Orders::CustomerEmail, 254))
                .col(c.id(Orders::QuoteId))
                .col(c.varchar(Orders::Status, 32))
                .col(c.timestamp(Orders::CreatedAt))
                .col(c.varchar(Orders::Currency, 3))
                .col(c.money(Orders::Subtotal))
                .col(c.money(Orders::DiscountTotal))
                .col(c.money(Orders::TaxTotal))
                .col(c.money(Orders::ShippingTotal))
                .col(c.money(Orders::Total))
                .col(nullable(c.varchar(Orders::PromoCode, 64)))
                .col(nullable(c.text(Orders::TaxExemption)))
                .col(c.text(Orders::ShipTo))
                .col(c.varchar(Orders::PaymentSourceId, 255))
                .col(c.varchar(Orders::PaymentProvider, 64))
                .col(nullable(c.varchar(Orders::PaymentId, 255)))
                .col(c.varchar(Orders::PaymentStatus, 64))
                .col(nullable(c.varchar(Orders::PaymentFailureCode, 255)))
                .col(nullable(c.timestamp(Orders::PaymentAuthorizationExpiresAt)))
                .col(c.boolean(Orders::CustomerNotified))
                .col(c.boolean(Orders::AdminsNotified))
                .col(nullable(c.varchar(Orders::JobId, 128)))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_orders_quote")
                        .from(Orders::Table, Orders::QuoteId)
                        .to(Quotes::Table, Quotes::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
            vec![
                index("uq_orders_number", Orders::Table)
                    .col(Orders::Number)
                    .unique()
                    .take(),
                // list: newest (largest id) first, by the primary key, or
                // per user / per status.
                index("idx_orders_user_id", Orders::Table)
                    .col(Orders::UserId)
                    .col(Orders::Id)
                    .take(),
                index("idx_orders_status_id", Orders::Table)
                    .col(Orders::Status)
                    .col(Orders::Id)
                    .take(),
                index("idx_orders_quote_id", Orders::Table)
                    .col(Orders::QuoteId)
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(OrderLines::Table)
                .col(c.id(OrderLines::OrderId))
                .col(c.big_int(OrderLines::LineNo))
                .col(c.id(OrderLines::ProductId))
                .col(c.varchar(OrderLines::Sku, 64))
                .col(c.varchar(OrderLines::Name, 255))
                .col(c.money(OrderLines::UnitPrice))
                .col(c.big_int(OrderLines::Quantity))
                .col(c.money(OrderLines::Subtotal))
                .col(c.money(OrderLines::Discount))
                .col(c.money(OrderLines::Tax))
                .col(c.money(OrderLines::Total))
                .primary_key(
                    Index::create()
                        .col(OrderLines::OrderId)
                        .col(OrderLines::LineNo),
                )
                .foreign_key(&mut to_order(
                    "fk_order_lines_order",
                    OrderLines::Table,
                    OrderLines::OrderId,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_order_lines_product")
                        .from(OrderLines::Table, OrderLines::ProductId)
                        .to(Products::Table, Products::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
            vec![
                index("idx_order_lines_product_id", OrderLines::Table)
                    .col(OrderLines::ProductId)
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(OrderHistory::Table)
                .col(c.id(OrderHistory::OrderId))
                .col(c.big_int(OrderHistory::Seq))
                .col(c.varchar(OrderHistory::Status, 32))
                .col(c.timestamp(OrderHistory::At))
                .col(c.varchar(OrderHistory::Actor, 128))
                .col(nullable(c.text(OrderHistory::Note)))
                .primary_key(
                    Index::create()
                        .col(OrderHistory::OrderId)
                        .col(OrderHistory::Seq),
                )
                .foreign_key(&mut to_order(
                    "fk_order_history_order",
                    OrderHistory::Table,
                    OrderHistory::OrderId,
                ))
                .take(),
            vec![],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(c.id(IdempotencyKeys::UserId))
                .col(c.varchar(IdempotencyKeys::IdemKey, 255))
                .col(c.varchar(IdempotencyKeys::Fingerprint, 128))
                .col(c.id(IdempotencyKeys::OrderId))
                // The unique (user, key) the domain relies on.
                .primary_key(
                    Index::create()
                        .name("pk_idempotency_keys")
                        .col(IdempotencyKeys::UserId)
                        .col(IdempotencyKeys::IdemKey),
                )
                .foreign_key(&mut to_order(
                    "fk_idempotency_keys_order",
                    IdempotencyKeys::Table,
                    IdempotencyKeys::OrderId,
                ))
                .take(),
            vec![
                index("idx_idempotency_keys_order_id", IdempotencyKeys::Table)
                    .col(IdempotencyKeys::OrderId)
                    .take(),
            ],
        )
        .await
    }
}
