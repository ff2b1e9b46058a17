use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "simulator_creates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    pub request_fingerprint: String,
    pub payment_id: Option<String>,
    pub failure_status: Option<i64>,
    pub failure_category: Option<String>,
    pub failure_code: Option<String>,
    pub failure_detail: Option<String>,
    pub failure_field: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
