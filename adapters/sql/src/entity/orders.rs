use crate::value::Amount;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub number: String,
    pub user_id: String,
    pub customer_email: String,
    pub quote_id: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub currency: String,
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
    pub promo_code: Option<String>,
    /// JSON: the exemption applied, if any.
    pub tax_exemption: Option<String>,
    /// JSON: the address.
    pub ship_to: String,
    pub payment_source_id: String,
    pub payment_provider: String,
    pub payment_id: Option<String>,
    pub payment_status: String,
    pub payment_failure_code: Option<String>,
    pub payment_authorization_expires_at: Option<DateTimeUtc>,
    pub customer_notified: bool,
    pub admins_notified: bool,
    pub job_id: Option<String>,
    pub alert_at: Option<DateTimeUtc>,
    pub alert_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
