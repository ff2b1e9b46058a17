use super::{ContactMessage, ContactStatus};
use crate::account::{Email, PersonName, Principal};
use crate::audit::{AuditAction, AuditEntry};
use crate::error::Validator;
use crate::ids::ContactMessageId;
use std::sync::Arc;

use super::ContactStore;
use crate::account::AccountStore;
use crate::mail::{admin_recipients, contact_notice, mail_context, single_line};
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator, Page, PageRequest};

#[derive(Debug, Clone)]
pub struct NewContactMessage {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

/// The ports the contact service uses.
#[derive(Clone)]
pub struct ContactPorts {
    pub contacts: Arc<dyn ContactStore>,
    /// The active admins, who are told of a new message.
    pub accounts: Arc<dyn AccountStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

pub struct ContactService {
    ports: ContactPorts,
    settings: Arc<ShopSettings>,
}

impl ContactService {
    pub fn new(ports: ContactPorts, settings: Arc<ShopSettings>) -> Self {
        Self { ports, settings }
    }

    /// Stores a message from a visitor or a signed-in user. Line breaks in
    /// the subject are folded to spaces: it may end up in a mail header.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn submit(
        &self,
        sender: Option<&Principal>,
        new: &NewContactMessage,
    ) -> Result<ContactMessage, DomainError> {
        let mut v = Validator::new();
        let name = v.take("name", PersonName::parse(&new.name));
        let email = v.take("email", Email::parse(&new.email));
        let subject = single_line(&new.subject);
        v.check(
            !subject.is_empty() && subject.chars().count() <= 200,
            "subject",
            "must be 1..=200 characters",
        );
        let message = new.message.trim().to_string();
        v.check(
            !message.is_empty() && message.chars().count() <= 5000,
            "message",
            "must be 1..=5000 characters",
        );
        v.finish()?;
        let (Some(name), Some(email)) = (name, email) else {
            return Err(DomainError::Internal("validation inconsistency".into()));
        };
        let msg = ContactMessage {
            id: ContactMessageId::new(self.ports.ids.new_id()),
            user_id: sender.map(|p| p.user_id.clone()),
            name,
            email,
            subject,
            message,
            status: ContactStatus::New,
            created_at: self.ports.clock.now(),
        };
        let ctx = mail_context(&self.settings);
        let mails: Vec<_> = admin_recipients(self.ports.accounts.as_ref(), &self.settings)
            .await?
            .iter()
            .map(|admin| contact_notice(&ctx, &msg, admin))
            .collect();
        self.ports.contacts.insert(&msg, &mails).await?;
        Ok(msg)
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn list(
        &self,
        admin: &Principal,
        status: Option<ContactStatus>,
        page: &PageRequest,
    ) -> Result<Page<ContactMessage>, DomainError> {
        admin.require_admin()?;
        self.ports.contacts.list(status, page).await
    }

    /// Sets a message's status; a change is audited
    /// (`contact_message.update`), setting the status it has writes nothing.
    #[tracing::instrument(level = "info", skip_all, fields(message_id = %id))]
    pub async fn set_status(
        &self,
        admin: &Principal,
        id: &ContactMessageId,
        status: ContactStatus,
    ) -> Result<ContactMessage, DomainError> {
        admin.require_admin()?;
        let Some(message) = self.ports.contacts.get(id).await? else {
            return Err(DomainError::NotFound("contact message"));
        };
        let entry = AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            self.ports.clock.now(),
            AuditAction::ContactMessageUpdate,
            "contact_message",
            id,
        )
        .field(
            "status",
            Some(message.status.as_str()),
            Some(status.as_str()),
        );
        let audit = if entry.changes.is_empty() {
            Vec::new()
        } else {
            vec![entry]
        };
        self.ports.contacts.set_status(id, status, &audit).await?;
        self.ports
            .contacts
            .get(id)
            .await?
            .ok_or(DomainError::NotFound("contact message"))
    }
}

#[cfg(test)]
mod tests;
