use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "simulator_payments")]
pub struct Model {
    /// Insertion order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: String,
    pub idempotency_key: String,
    pub amount: i64,
    pub currency: String,
    pub source_id: String,
    pub location_id: Option<String>,
    pub reference_id: Option<String>,
    pub buyer_email_address: Option<String>,
    pub status: String,
    pub completions: i64,
    pub refunded: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub delayed_until: Option<DateTimeUtc>,
    pub version_token: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
