use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "business_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub status: String,
    pub legal_name: String,
    pub tax_id: String,
    pub phone: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub address_city: String,
    pub address_region: String,
    pub address_postal_code: String,
    pub address_country: String,
    pub tax_exempt_requested: bool,
    pub certificate_number: Option<String>,
    pub certificate_region: Option<String>,
    pub certificate_expires_on: Option<Date>,
    pub tax_exempt_granted: bool,
    pub rejection_reason: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<String>,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
