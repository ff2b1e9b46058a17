use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub order_id: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub run_after: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    /// `run_after` while queued or running, NULL once done or dead.
    pub open_run_after: Option<DateTimeUtc>,
    pub claim_token: Option<String>,
    pub last_error: Option<String>,
    /// The Message-ID of a `deliver_mail` job.
    pub mail_message_id: Option<String>,
    pub generation: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
