use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "simulator_refunds")]
pub struct Model {
    /// Insertion order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: String,
    pub idempotency_key: String,
    pub payment_id: String,
    pub amount: i64,
    pub currency: String,
    pub location_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
