//! `PaymentEventStore`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use shop_domain::DomainError;
use shop_domain::payment::events::PaymentEventStore;

use crate::entity::payment_events;
use crate::error::{DbResultExt, unique_violation};
use crate::store::SqlStore;
use crate::value::instant;

#[async_trait]
impl PaymentEventStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(event_id = %event_id))]
    async fn seen(&self, event_id: &str) -> Result<bool, DomainError> {
        Ok(payment_events::Entity::find_by_id(event_id.to_owned())
            .one(&self.db)
            .await
            .db()?
            .is_some())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(event_id = %event_id))]
    async fn remember(&self, event_id: &str, at: DateTime<Utc>) -> Result<(), DomainError> {
        let row = payment_events::ActiveModel {
            event_id: Set(event_id.to_owned()),
            received_at: Set(instant(at)),
        };
        match payment_events::Entity::insert(row).exec(&self.db).await {
            Ok(_) => Ok(()),
            // Remembered already (a concurrent delivery): nothing changes.
            Err(e) if unique_violation(&e).is_some() => Ok(()),
            Err(e) => Err(e).db(),
        }
    }
}
