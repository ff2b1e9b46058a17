use crate::value::Amount;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub currency: String,
    /// JSON: the cart lines.
    pub items: String,
    /// JSON: the address.
    pub ship_to: String,
    pub promo_code: Option<String>,
    /// JSON: the priced lines, amounts as decimal strings.
    pub lines: String,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub subtotal: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub discount_total: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub tax_total: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub shipping_total: Amount,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub total: Amount,
    /// JSON: the exemption applied, if any.
    pub tax_exemption: Option<String>,
    /// The live order this quote became; NULL while it may be placed.
    pub order_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
