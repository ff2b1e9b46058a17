use std::sync::Arc;

use super::BusinessProfileStore;
use super::{BusinessProfile, BusinessStatus, ProfileSubmission};
use crate::account::AccountStore;
use crate::account::Principal;
use crate::audit::{AuditAction, AuditEntry};
use crate::ids::UserId;
use crate::mail::{MailContext, MailMessage, business_approved, business_rejected, mail_context};
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator, Page, PageRequest};

/// The ports the business service uses.
#[derive(Clone)]
pub struct BusinessPorts {
    pub profiles: Arc<dyn BusinessProfileStore>,
    /// The applicant, to mail the review's outcome to.
    pub accounts: Arc<dyn AccountStore>,
    pub clock: Arc<dyn Clock>,
    /// Ids of audit entries.
    pub ids: Arc<dyn IdGenerator>,
}

pub struct BusinessService {
    ports: BusinessPorts,
    settings: Arc<ShopSettings>,
}

impl BusinessService {
    pub fn new(ports: BusinessPorts, settings: Arc<ShopSettings>) -> Self {
        Self { ports, settings }
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn get(&self, principal: &Principal) -> Result<Option<BusinessProfile>, DomainError> {
        self.ports.profiles.get(&principal.user_id).await
    }

    /// Submits or edits the caller's profile; any edit needs a new review.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn submit(
        &self,
        principal: &Principal,
        submission: &ProfileSubmission,
    ) -> Result<BusinessProfile, DomainError> {
        if self.settings.require_email_verification && !principal.email_verified {
            return Err(DomainError::EmailUnverified);
        }
        let now = self.ports.clock.now();
        let valid = submission.validated(now.date_naive())?;
        let profile = BusinessProfile {
            user_id: principal.user_id.clone(),
            status: BusinessStatus::Pending,
            legal_name: valid.legal_name,
            tax_id: valid.tax_id,
            phone: valid.phone,
            address: valid.address,
            tax_exempt_requested: valid.tax_exempt_requested,
            exemption_certificate: valid.exemption_certificate,
            tax_exempt_granted: false,
            rejection_reason: None,
            reviewed_at: None,
            reviewed_by: None,
            submitted_at: now,
        };
        self.ports.profiles.put(&profile, &[], &[]).await?;
        Ok(profile)
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn list(
        &self,
        admin: &Principal,
        status: Option<BusinessStatus>,
        page: &PageRequest,
    ) -> Result<Page<BusinessProfile>, DomainError> {
        admin.require_admin()?;
        self.ports.profiles.list(status, page).await
    }

    async fn pending(&self, user_id: &UserId) -> Result<BusinessProfile, DomainError> {
        let profile = self
            .ports
            .profiles
            .get(user_id)
            .await?
            .ok_or(DomainError::NotFound("business profile"))?;
        if profile.status != BusinessStatus::Pending {
            return Err(DomainError::InvalidState(format!(
                "the profile is {}, only a pending one can be reviewed",
                profile.status.as_str()
            )));
        }
        Ok(profile)
    }

    /// Approves a pending profile; `tax_exempt` grants the exemption its
    /// certificate supports, and needs a certificate valid today.
    #[tracing::instrument(level = "info", skip_all, fields(user_id = %user_id))]
    pub async fn approve(
        &self,
        admin: &Principal,
        user_id: &UserId,
        tax_exempt: bool,
    ) -> Result<BusinessProfile, DomainError> {
        admin.require_admin()?;
        let mut profile = self.pending(user_id).await?;
        let now = self.ports.clock.now();
        if tax_exempt
            && profile
                .exemption_certificate
                .as_ref()
                .is_none_or(|c| c.expires_on < now.date_naive())
        {
            return Err(DomainError::invalid(
                "tax_exempt",
                "the profile has no exemption certificate valid today",
            ));
        }
        let before = profile.clone();
        profile.status = BusinessStatus::Approved;
        profile.tax_exempt_granted = tax_exempt;
        profile.rejection_reason = None;
        profile.reviewed_at = Some(now);
        profile.reviewed_by = Some(admin.user_id.clone());
        let mails = self.review_mail(&profile, business_approved).await?;
        let audit = self.review_audit(admin, AuditAction::BusinessApprove, &before, &profile);
        self.ports.profiles.put(&profile, &mails, &[audit]).await?;
        Ok(profile)
    }

    #[tracing::instrument(level = "info", skip_all, fields(user_id = %user_id))]
    pub async fn reject(
        &self,
        admin: &Principal,
        user_id: &UserId,
        reason: &str,
    ) -> Result<BusinessProfile, DomainError> {
        admin.require_admin()?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(DomainError::invalid(
                "reason",
                "must be 1..=1000 characters",
            ));
        }
        let mut profile = self.pending(user_id).await?;
        let before = profile.clone();
        profile.status = BusinessStatus::Rejected;
        profile.tax_exempt_granted = false;
        profile.rejection_reason = Some(reason.to_string());
        profile.reviewed_at = Some(self.ports.clock.now());
        profile.reviewed_by = Some(admin.user_id.clone());
        let mails = self.review_mail(&profile, business_rejected).await?;
        let audit = self.review_audit(admin, AuditAction::BusinessReject, &before, &profile);
        self.ports.profiles.put(&profile, &mails, &[audit]).await?;
        Ok(profile)
    }

    fn review_audit(
        &self,
        admin: &Principal,
        action: AuditAction,
        before: &BusinessProfile,
        after: &BusinessProfile,
    ) -> AuditEntry {
        AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            after.reviewed_at.unwrap_or_else(|| self.ports.clock.now()),
            action,
            "business_profile",
            &after.user_id,
        )
        .field(
            "status",
            Some(before.status.as_str()),
            Some(after.status.as_str()),
        )
        .field(
            "tax_exempt_granted",
            Some(before.tax_exempt_granted),
            Some(after.tax_exempt_granted),
        )
        .field(
            "rejection_reason",
            before.rejection_reason.as_deref(),
            after.rejection_reason.as_deref(),
        )
    }

    /// The mail telling the owner about the review; it goes through the
    /// outbox with the review itself, so one is never kept without the other.
    async fn review_mail(
        &self,
        profile: &BusinessProfile,
        render: fn(&MailContext, &BusinessProfile, &crate::account::Email) -> MailMessage,
    ) -> Result<Vec<MailMessage>, DomainError> {
        let Some(user) = self.ports.accounts.get(&profile.user_id).await? else {
            // The account is gone (it cannot be deleted through the API);
            // there is nobody to tell.
            return Ok(Vec::new());
        };
        Ok(vec![render(
            &mail_context(&self.settings),
            profile,
            &user.email,
        )])
    }
}

#[cfg(test)]
mod tests;
