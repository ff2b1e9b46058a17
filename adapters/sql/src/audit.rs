//! The audit trail: entries are inserted by the store methods, in the
//! transaction of the change they describe (`record`); `AuditLog` reads them.

use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use sea_orm::{QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use shop_domain::audit::{AuditAction, AuditEntry, AuditFilter, AuditLog, FieldChange};
use shop_domain::ids::AuditEntryId;
use shop_domain::order::Actor;
use shop_domain::{DomainError, Page, PageRequest};

use crate::cursor;
use crate::entity::audit_log::{self as audit, Column};
use crate::error::{DbResultExt, Fail, corrupt};
use crate::store::{SqlStore, finish};
use crate::value::instant;

#[derive(Serialize, Deserialize)]
struct ChangeJson {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

fn row(entry: &AuditEntry) -> Result<audit::ActiveModel, Fail> {
    let changes: Vec<ChangeJson> = entry
        .changes
        .iter()
        .map(|c| ChangeJson {
            field: c.field.clone(),
            before: c.before.clone(),
            after: c.after.clone(),
        })
        .collect();
    let changes = serde_json::to_string(&changes)
        .map_err(|e| Fail::Domain(DomainError::Internal(format!("audit changes: {e}"))))?;
    Ok(audit::ActiveModel {
        id: Set(entry.id.to_string()),
        at: Set(instant(entry.at)),
        actor: Set(entry.actor.label()),
        action: Set(entry.action.as_str().to_owned()),
        target_type: Set(entry.target_type.clone()),
        target_id: Set(entry.target_id.clone()),
        changes: Set(changes),
        request_id: Set(entry.origin.request_id.clone()),
        client_ip: Set(entry.origin.client_ip.clone()),
    })
}

/// Appends `entries` inside `tx`: they commit or roll back with the change.
pub(crate) async fn record(tx: &DatabaseTransaction, entries: &[AuditEntry]) -> Result<(), Fail> {
    for entry in entries {
        audit::Entity::insert(row(entry)?)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

fn entry_from(m: audit::Model) -> Result<AuditEntry, DomainError> {
    let changes: Vec<ChangeJson> =
        serde_json::from_str(&m.changes).map_err(|_| corrupt("audit changes", &m.id))?;
    Ok(AuditEntry {
        actor: Actor::parse(&m.actor).ok_or_else(|| corrupt("audit actor", &m.actor))?,
        action: AuditAction::parse(&m.action).ok_or_else(|| corrupt("audit action", &m.action))?,
        id: AuditEntryId::new(m.id),
        at: m.at,
        target_type: m.target_type,
        target_id: m.target_id,
        changes: changes
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                before: c.before,
                after: c.after,
            })
            .collect(),
        origin: shop_domain::audit::RequestOrigin {
            request_id: m.request_id,
            client_ip: m.client_ip,
        },
    })
}

#[async_trait]
impl AuditLog for SqlStore {
    /// Newest (largest id) first, keyset-paged on the id.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, DomainError> {
        let mut query = audit::Entity::find();
        if let Some(actor) = &filter.actor {
            query = query.filter(Column::Actor.eq(Actor::User(actor.clone()).label()));
        }
        if let Some(target) = &filter.target_id {
            query = query.filter(Column::TargetId.eq(target.as_str()));
        }
        if let Some(action) = filter.action {
            query = query.filter(Column::Action.eq(action.as_str()));
        }
        if let Some(after) = cursor::after::<String>(page)? {
            query = query.filter(Column::Id.lt(after));
        }
        let rows = query
            .order_by_desc(Column::Id)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(rows, page, |m| m.id.clone(), entry_from)
    }

    /// The entries on their own, in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(entries = entries.len()))]
    async fn append(&self, entries: &[AuditEntry]) -> Result<(), DomainError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = record(&tx, entries).await;
            finish(tx, result).await
        })
        .await
    }
}
