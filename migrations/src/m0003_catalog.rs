//! Categories and products. Stock can never go negative: reservations are
//! conditional updates, and a CHECK constraint backs them.

use sea_orm_migration::prelude::*;

use crate::columns::{Columns, create_table, index, nullable};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Categories {
    Table,
    Id,
    Slug,
    Name,
}

#[derive(DeriveIden)]
pub enum Products {
    Table,
    Id,
    Sku,
    Name,
    Description,
    CategoryId,
    Price,
    Currency,
    Stock,
    Active,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Columns::new(manager.get_database_backend());
        create_table(
            manager,
            Table::create()
                .table(Categories::Table)
                .col(c.id(Categories::Id).primary_key())
                .col(c.varchar(Categories::Slug, 64))
                .col(c.varchar(Categories::Name, 255))
                .take(),
            vec![
                index("uq_categories_slug", Categories::Table)
                    .col(Categories::Slug)
                    .unique()
                    .take(),
                index("idx_categories_name_id", Categories::Table)
                    .col(Categories::Name)
                    .col(Categories::Id)
                    .take(),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Products::Table)
                .col(c.id(Products::Id).primary_key())
                .col(c.varchar(Products::Sku, 64))
                .col(c.varchar(Products::Name, 255))
                .col(c.text(Products::Description))
                .col(nullable(c.id(Products::CategoryId)))
                .col(c.money(Products::Price))
                .col(c.varchar(Products::Currency, 3))
                .col(
                    c.big_int(Products::Stock)
                        .check(Expr::col(Products::Stock).gte(0))
                        .take(),
                )
                .col(c.boolean(Products::Active))
                .col(c.timestamp(Products::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_products_category")
                        .from(Products::Table, Products::CategoryId)
                        .to(Categories::Table, Categories::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
            vec![
                index("uq_products_sku", Products::Table)
                    .col(Products::Sku)
                    .unique()
                    .take(),
                // list_products: by name, then id; filtered by activity or category.
                index("idx_products_name_id", Products::Table)
                    .col(Products::Name)
                    .col(Products::Id)
                    .take(),
                index("idx_products_active_name_id", Products::Table)
                    .col(Products::Active)
                    .col(Products::Name)
                    .col(Products::Id)
                    .take(),
                index("idx_products_category_name_id", Products::Table)
                    .col(Products::CategoryId)
                    .col(Products::Name)
                    .col(Products::Id)
                    .take(),
            ],
        )
        .await
    }
}
