use crate::value::Amount;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i64,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub unit_price: Amount,
    pub quantity: i64,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub subtotal: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub discount: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub tax: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub total: Amount,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
