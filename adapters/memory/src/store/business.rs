use async_trait::async_trait;
use shop_domain::business::{BusinessProfile, BusinessProfileStore, BusinessStatus};
use shop_domain::ids::UserId;
use shop_domain::mail::MailMessage;
use shop_domain::{DomainError, Page, PageRequest};

use super::MemoryStore;
use super::page::{Order, paginate};

#[async_trait]
impl BusinessProfileStore for MemoryStore {
    async fn get(&self, user_id: &UserId) -> Result<Option<BusinessProfile>, DomainError> {
        Ok(self.lock().profiles.get(user_id).cloned())
    }

    async fn put(
        &self,
        profile: &BusinessProfile,
        mails: &[MailMessage],
        audit: &[shop_domain::audit::AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        state
            .profiles
            .insert(profile.user_id.clone(), profile.clone());
        state.record_mails(mails, profile.reviewed_at.unwrap_or(profile.submitted_at));
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    async fn list(
        &self,
        status: Option<BusinessStatus>,
        page: &PageRequest,
    ) -> Result<Page<BusinessProfile>, DomainError> {
        let state = self.lock();
        let rows = state
            .profiles
            .values()
            .filter(|p| status.is_none_or(|s| p.status == s))
            .cloned();
        paginate(
            rows,
            |p| {
                (
                    p.submitted_at.timestamp_micros(),
                    p.user_id.as_str().to_string(),
                )
            },
            Order::Ascending,
            page,
        )
    }
}
