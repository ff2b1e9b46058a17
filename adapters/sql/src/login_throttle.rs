//! `LoginThrottleStore`: one row per throttle key, counted up by one upsert
//! (`ON DUPLICATE KEY UPDATE` / `ON CONFLICT`) in a write transaction that
//! also reads the row back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use shop_domain::DomainError;
use shop_domain::account::{LoginThrottle, LoginThrottleStore};
use shop_domain::audit::AuditEntry;

use crate::audit;
use crate::entity::login_throttle::{self as throttle, Column};
use crate::error::{DbResultExt, Fail};
use crate::store::{SqlStore, finish};
use crate::value::{instant, to_u32};

fn state_of(row: throttle::Model) -> Result<LoginThrottle, DomainError> {
    Ok(LoginThrottle {
        failures: to_u32(
            Ord::min(row.failures, i64::from(u32::MAX)),
            "login failures",
        )?,
        last_failure_at: row.last_failure_at,
        notified: row.notified,
    })
}

#[async_trait]
impl LoginThrottleStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn get(&self, key: &str) -> Result<Option<LoginThrottle>, DomainError> {
        throttle::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await
            .db()?
            .map(state_of)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginThrottle, DomainError> {
        let row = throttle::ActiveModel {
            throttle_key: Set(key.to_owned()),
            failures: Set(1),
            last_failure_at: Set(instant(now)),
            notified: Set(false),
        };
        let on_conflict = OnConflict::column(Column::ThrottleKey)
            .value(Column::Failures, Expr::col(Column::Failures).add(1))
            .update_column(Column::LastFailureAt)
            .to_owned();
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                throttle::Entity::insert(row.clone())
                    .on_conflict(on_conflict.clone())
                    .exec_without_returning(&tx)
                    .await?;
                let Some(row) = throttle::Entity::find_by_id(key.to_owned())
                    .one(&tx)
                    .await?
                else {
                    return Err(Fail::Domain(DomainError::Internal(
                        "the login throttle row vanished".into(),
                    )));
                };
                state_of(row).map_err(Fail::Domain)
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    /// The flag flips only where it is still false, so one caller wins;
    /// the winner's entries are appended in the same transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn mark_notified(&self, key: &str, audit: &[AuditEntry]) -> Result<bool, DomainError> {
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                let marked = throttle::Entity::update_many()
                    .col_expr(Column::Notified, Expr::value(true))
                    .filter(Column::ThrottleKey.eq(key))
                    .filter(Column::Notified.eq(false))
                    .exec(&tx)
                    .await?
                    .rows_affected
                    == 1;
                if marked {
                    audit::record(&tx, audit).await?;
                }
                Ok(marked)
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        throttle::Entity::delete_by_id(key.to_owned())
            .exec(&self.db)
            .await
            .db()?;
        Ok(())
    }
}
