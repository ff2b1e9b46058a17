//! Admin: the audit trail (read-only: no route edits or deletes it).

use actix_web::web;
use shop_domain::audit::{AuditAction, AuditFilter};
use shop_domain::ids::UserId;

use super::State;
use crate::auth::Admin;
use crate::dto::audit::{AuditEntryList, AuditQuery};
use crate::dto::common::page_request;
use crate::payload::resource;
use crate::problem::{ApiError, ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/audit").route(web::get().to(list_audit)));
}

/// The audit trail, newest first, filtered by actor, target or action.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries", body = AuditEntryList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_audit(
    state: State,
    Admin(admin): Admin,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<AuditEntryList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let action = match query.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(AuditAction::parse(raw).ok_or_else(|| {
            ApiError::invalid(
                "action",
                "is not a known audit action (e.g. product.update)",
            )
        })?),
    };
    let nonblank = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        actor: nonblank(query.actor).map(UserId::new),
        target_id: nonblank(query.target),
        action,
    };
    let entries = state.audit.list(&admin, &filter, &page).await?;
    Ok(web::Json(AuditEntryList::from_page(entries, Into::into)))
}
