//! Quotes, promotions and the tax table.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A quote is an immutable snapshot: its cart, priced lines, address and
/// exemption are JSON documents (amounts as decimal strings); its totals
/// are money columns.
#[derive(DeriveIden)]
pub enum Quotes {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    Currency,
    Items,
    ShipTo,
    PromoCode,
    Lines,
    Subtotal,
    DiscountTotal,
    TaxTotal,
    ShippingTotal,
    Total,
    TaxExemption,
}

#[derive(DeriveIden)]
pub enum Promotions {
    Table,
    Id,
    Code,
    Kind,
    Value,
    MinSubtotal,
    StartsAt,
    EndsAt,
    MaxUses,
    Uses,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum TaxRates {
    Table,
    Country,
    Region,
    Rate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(Quotes::Table)
                .col(c.id(Quotes::Id).primary_key())
                .col(c.id(Quotes::UserId))
                .col(c.timestamp(Quotes::CreatedAt))
                .col(c.timestamp(Quotes::ExpiresAt))
                .col(c.varchar(Quotes::Currency, 3))
                .col(c.document(Quotes::Items))
                .col(c.text(Quotes::ShipTo))
                .col(nullable(c.varchar(Quotes::PromoCode, 64)))
                .col(c.document(Quotes::Lines))
                .col(c.money(Quotes::Subtotal))
                .col(c.money(Quotes::DiscountTotal))
                .col(c.money(Quotes::TaxTotal))
                .col(c.money(Quotes::ShippingTotal))
                .col(c.money(Quotes::Total))
                .col(nullable(c.text(Quotes::TaxExemption)))
                .take(),
            vec![
                index("idx_quotes_user_id", Quotes::Table)
                    .col(Quotes::UserId)
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Promotions::Table)
                .col(c.id(Promotions::Id).primary_key())
                .col(c.varchar(Promotions::Code, 64))
                .col(c.varchar(Promotions::Kind, 16))
                .col(c.money(Promotions::Value))
                .col(nullable(c.money(Promotions::MinSubtotal)))
                .col(nullable(c.timestamp(Promotions::StartsAt)))
                .col(nullable(c.timestamp(Promotions::EndsAt)))
                .col(nullable(c.big_int(Promotions::MaxUses)))
                .col(
                    c.big_int(Promotions::Uses)
                        .default(0)
                        .check(Expr::col(Promotions::Uses).gte(0))
                        .take(),
                )
                .col(c.timestamp(Promotions::CreatedAt))
                .take(),
            // list(): newest (largest id) first, by the primary key.
            vec![
                index("uq_promotions_code", Promotions::Table)
                    .col(Promotions::Code)
                    .unique()
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(TaxRates::Table)
                .col(c.varchar(TaxRates::Country, 8))
                .col(c.varchar(TaxRates::Region, 128))
                .col(c.rate(TaxRates::Rate))
                .primary_key(Index::create().col(TaxRates::Country).col(TaxRates::Region))
                .take(),
            vec![],
        )
        .await
    }
}
