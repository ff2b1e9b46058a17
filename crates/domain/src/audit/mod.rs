//! The audit trail: who did what to which record, when, from where, and what
//! it was before and after. Append-only: entries are written in the same
//! transaction as the change they describe (the stores take them beside the
//! change), and nothing edits or deletes them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::account::Principal;
use crate::ids::AuditEntryId;
use crate::order::Actor;
use crate::{DomainError, IdGenerator, Page, PageRequest};

/// What was done, as a stable dotted name (`product.update`): clients filter
/// on it and it never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    CategoryCreate,
    ProductCreate,
    ProductUpdate,
    StockAdjust,
    TaxRatesReplace,
    PromotionCreate,
    BusinessApprove,
    BusinessReject,
    BusinessRevokeExemption,
    OrderFulfill,
    OrderRefund,
    OrderRetryFinalization,
    UserInactivate,
    UserActivate,
    ContactMessageUpdate,
    MailResend,
    /// Security events: the actor is the account concerned.
    LoginBackoff,
    PasswordChange,
    PasswordReset,
    RefreshTokenReuse,
}

impl AuditAction {
    pub const ALL: [Self; 20] = [
        Self::CategoryCreate,
        Self::ProductCreate,
        Self::ProductUpdate,
        Self::StockAdjust,
        Self::TaxRatesReplace,
        Self::PromotionCreate,
        Self::BusinessApprove,
        Self::BusinessReject,
        Self::BusinessRevokeExemption,
        Self::OrderFulfill,
        Self::OrderRefund,
        Self::OrderRetryFinalization,
        Self::UserInactivate,
        Self::UserActivate,
        Self::ContactMessageUpdate,
        Self::MailResend,
        Self::LoginBackoff,
        Self::PasswordChange,
        Self::PasswordReset,
        Self::RefreshTokenReuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CategoryCreate => "category.create",
            Self::ProductCreate => "product.create",
            Self::ProductUpdate => "product.update",
            Self::StockAdjust => "stock.adjust",
            Self::TaxRatesReplace => "tax_rates.replace",
            Self::PromotionCreate => "promotion.create",
            Self::BusinessApprove => "business.approve",
            Self::BusinessReject => "business.reject",
            Self::BusinessRevokeExemption => "business.revoke_exemption",
            Self::OrderFulfill => "order.fulfill",
            Self::OrderRefund => "order.refund",
            Self::OrderRetryFinalization => "order.retry_finalization",
            Self::UserInactivate => "user.inactivate",
            Self::UserActivate => "user.activate",
            Self::ContactMessageUpdate => "contact_message.update",
            Self::MailResend => "mail.resend",
            Self::LoginBackoff => "login.backoff",
            Self::PasswordChange => "password.change",
            Self::PasswordReset => "password.reset",
            Self::RefreshTokenReuse => "refresh_token.reuse",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request came from, as the API saw it (for the audit trail).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// One field of the record as it was and as it became (`None`: absent).
/// Values are display strings; secrets never enter them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: AuditEntryId,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: AuditAction,
    /// The kind of record (`product`, `business_profile`, ...) and its id.
    pub target_type: String,
    pub target_id: String,
    /// Only the fields that changed (every field of a created record).
    pub changes: Vec<FieldChange>,
    pub origin: RequestOrigin,
}

impl AuditEntry {
    /// An entry for `admin` doing `action` to `target_type` `target_id`.
    pub fn by(
        admin: &Principal,
        ids: &dyn IdGenerator,
        at: DateTime<Utc>,
        action: AuditAction,
        target_type: &str,
        target_id: impl std::fmt::Display,
    ) -> Self {
        Self::security(
            &admin.user_id,
            &admin.origin,
            ids,
            at,
            action,
            target_type,
            target_id,
        )
    }

    /// An entry for a security event of the account `user` (a sign-in
    /// back-off, a password change or reset, a refresh token presented
    /// again), from the request `origin`: the account concerned is the
    /// actor, whoever was at the keyboard.
    pub fn security(
        user: &crate::ids::UserId,
        origin: &RequestOrigin,
        ids: &dyn IdGenerator,
        at: DateTime<Utc>,
        action: AuditAction,
        target_type: &str,
        target_id: impl std::fmt::Display,
    ) -> Self {
        Self {
            id: AuditEntryId::new(ids.new_id()),
            at,
            actor: Actor::User(user.clone()),
            action,
            target_type: target_type.into(),
            target_id: target_id.to_string(),
            changes: Vec::new(),
            origin: origin.clone(),
        }
    }

    /// Records `field` when its value changed (both sides as displayed).
    pub fn field(
        mut self,
        field: &str,
        before: Option<impl ToString>,
        after: Option<impl ToString>,
    ) -> Self {
        let before = before.map(|v| v.to_string());
        let after = after.map(|v| v.to_string());
        if before != after {
            self.changes.push(FieldChange {
                field: field.into(),
                before,
                after,
            });
        }
        self
    }
}

/// What an admin asks of the trail; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<crate::ids::UserId>,
    pub target_id: Option<String>,
    pub action: Option<AuditAction>,
}

impl AuditFilter {
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        self.actor
            .as_ref()
            .is_none_or(|a| entry.actor == Actor::User(a.clone()))
            && self
                .target_id
                .as_ref()
                .is_none_or(|t| &entry.target_id == t)
            && self.action.is_none_or(|a| entry.action == a)
    }
}

/// Reads the trail. Writing is the stores' business, with the change: every
/// store method that makes an audited change takes its entries and commits
/// them in the change's transaction.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Newest first.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, DomainError>;
    /// Appends entries on their own, in one transaction. Only for an
    /// adapter whose changes cannot share the trail's transaction (accounts
    /// in DynamoDB, whose trail is the relational store's): it appends right
    /// after its change, so a failure between the two loses the entry. No
    /// domain service calls it.
    async fn append(&self, entries: &[AuditEntry]) -> Result<(), DomainError>;
}

/// Admins read the trail.
pub struct AuditService {
    log: std::sync::Arc<dyn AuditLog>,
}

impl AuditService {
    pub fn new(log: std::sync::Arc<dyn AuditLog>) -> Self {
        Self { log }
    }

    /// Newest first.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn list(
        &self,
        admin: &Principal,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, DomainError> {
        admin.require_admin()?;
        self.log.list_audit(filter, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_are_distinct() {
        let names: std::collections::HashSet<_> =
            AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), AuditAction::ALL.len());
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("product.delete"), None);
    }
}
