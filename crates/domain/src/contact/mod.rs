//! Contact messages: stored, listed and triaged.

mod service;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::account::{Email, PersonName};
use crate::audit::AuditEntry;
use crate::ids::{ContactMessageId, UserId};
use crate::mail::MailMessage;
use crate::{DomainError, Page, PageRequest};

pub use service::{ContactPorts, ContactService, NewContactMessage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactStatus {
    New,
    Read,
    Archived,
}

impl ContactStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Read => "read",
            Self::Archived => "archived",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "new" => Some(Self::New),
            "read" => Some(Self::Read),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactMessage {
    pub id: ContactMessageId,
    pub user_id: Option<UserId>,
    pub name: PersonName,
    pub email: Email,
    pub subject: String,
    pub message: String,
    pub status: ContactStatus,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Stores the message and records `mails` in the outbox (with their
    /// delivery jobs) in the same transaction.
    async fn insert(
        &self,
        message: &ContactMessage,
        mails: &[MailMessage],
    ) -> Result<(), DomainError>;
    async fn get(&self, id: &ContactMessageId) -> Result<Option<ContactMessage>, DomainError>;
    /// Sets the status and records `audit` in the same transaction;
    /// `NotFound` (and nothing written) for a missing message.
    async fn set_status(
        &self,
        id: &ContactMessageId,
        status: ContactStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    /// Newest first.
    async fn list(
        &self,
        status: Option<ContactStatus>,
        page: &PageRequest,
    ) -> Result<Page<ContactMessage>, DomainError>;
}
