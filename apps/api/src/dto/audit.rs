//! The admin audit trail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::audit::{AuditEntry, FieldChange};
use utoipa::{IntoParams, ToSchema};

use super::common::list_response;

/// One field as it was and as it became (`null`: absent).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldChangeDto {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<FieldChange> for FieldChangeDto {
    fn from(c: FieldChange) -> Self {
        Self {
            field: c.field,
            before: c.before,
            after: c.after,
        }
    }
}

/// One admin action or security event: who, what, on which record, when,
/// from where, and the fields it changed. A security event (`login.backoff`,
/// `password.change`, `password.reset`, `refresh_token.reuse`) names the
/// account concerned as its actor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `user:<id>` for a person, `system` for the shop itself.
    #[schema(example = "user:0190d8e2-8c1c-7c3e-a7e4-5b7c7d5a8f10")]
    pub actor: String,
    /// A stable dotted name, e.g. `product.update`.
    #[schema(example = "product.update")]
    pub action: String,
    #[schema(example = "product")]
    pub target_type: String,
    pub target_id: String,
    pub changes: Vec<FieldChangeDto>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id.to_string(),
            at: e.at,
            actor: e.actor.label(),
            action: e.action.as_str().to_string(),
            target_type: e.target_type,
            target_id: e.target_id,
            changes: e.changes.into_iter().map(Into::into).collect(),
            request_id: e.origin.request_id,
            client_ip: e.origin.client_ip,
        }
    }
}

list_response!(
    /// A page of the audit trail, newest first.
    AuditEntryList,
    AuditEntryDto
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only actions of this user id.
    pub actor: Option<String>,
    /// Only actions on this record id.
    pub target: Option<String>,
    /// Only this action (e.g. `product.update`).
    pub action: Option<String>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
