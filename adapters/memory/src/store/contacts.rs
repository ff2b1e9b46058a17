use async_trait::async_trait;
use shop_domain::audit::AuditEntry;
use shop_domain::contact::{ContactMessage, ContactStatus, ContactStore};
use shop_domain::ids::ContactMessageId;
use shop_domain::mail::MailMessage;
use shop_domain::{DomainError, Page, PageRequest};

use super::MemoryStore;
use super::page::{Order, paginate};

#[async_trait]
impl ContactStore for MemoryStore {
    async fn insert(
        &self,
        message: &ContactMessage,
        mails: &[MailMessage],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.contacts.contains_key(&message.id) {
            return Err(DomainError::AlreadyExists("contact message"));
        }
        state.contacts.insert(message.id.clone(), message.clone());
        state.record_mails(mails, message.created_at);
        Ok(())
    }

    async fn get(&self, id: &ContactMessageId) -> Result<Option<ContactMessage>, DomainError> {
        Ok(self.lock().contacts.get(id).cloned())
    }

    async fn set_status(
        &self,
        id: &ContactMessageId,
        status: ContactStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        let message = state
            .contacts
            .get_mut(id)
            .ok_or(DomainError::NotFound("contact message"))?;
        message.status = status;
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    async fn list(
        &self,
        status: Option<ContactStatus>,
        page: &PageRequest,
    ) -> Result<Page<ContactMessage>, DomainError> {
        let state = self.lock();
        let rows = state
            .contacts
            .values()
            .filter(|m| status.is_none_or(|s| m.status == s))
            .cloned();
        paginate(rows, |m| m.id.as_str().to_string(), Order::Descending, page)
    }
}
