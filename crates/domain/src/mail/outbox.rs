//! The transactional outbox: a mail is recorded (with its delivery job) in
//! the same transaction as the state change that causes it, and a worker
//! hands it to the transport later, retrying until the transport takes it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MailMessage;
use crate::audit::AuditEntry;
use crate::jobs::Job;
use crate::{DomainError, Page, PageRequest};

/// A recorded mail and how far its delivery got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub message: MailMessage,
    pub created_at: DateTime<Utc>,
    /// Set once the transport took it; a sent mail is never sent again.
    pub sent_at: Option<DateTime<Utc>>,
}

/// The id of the outbox mail with this Message-ID: its SHA-256 in hex (a
/// Message-ID can be long and holds characters a URL must escape).
pub fn outbox_id(message_id: &str) -> String {
    use sha2::{Digest as _, Sha256};
    hex::encode(Sha256::digest(message_id.as_bytes()))
}

impl OutboxMail {
    pub fn id(&self) -> String {
        outbox_id(&self.message.message_id)
    }
}

/// Stores write outbox rows inside their own transactions (order
/// transitions, business reviews, contact messages); this port reads them
/// and records delivery.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Records mails and their delivery jobs on their own, in one
    /// transaction: for a mail whose cause lives in another store (a
    /// registration on DynamoDB accounts). A Message-ID already recorded is
    /// left as it is, so recording the same mail twice sends it once.
    async fn enqueue(&self, mails: &[MailMessage], now: DateTime<Utc>) -> Result<(), DomainError>;
    async fn get(&self, message_id: &str) -> Result<Option<OutboxMail>, DomainError>;
    /// Records that the transport took the mail. Marking a sent mail again
    /// keeps the first time.
    async fn mark_sent(&self, message_id: &str, at: DateTime<Utc>) -> Result<(), DomainError>;
    /// Up to `limit` mails not yet sent, oldest first (by `created_at`,
    /// then Message-ID): what a delivery sweep without the job queue (the
    /// state machine's mail step) hands to the transport.
    async fn unsent(&self, limit: usize) -> Result<Vec<OutboxMail>, DomainError>;
    /// The mail whose [`OutboxMail::id`] is `id`.
    async fn find(&self, id: &str) -> Result<Option<OutboxMail>, DomainError>;
    /// Sent (or unsent) mails, newest first (by `created_at`, then id).
    async fn list(&self, sent: bool, page: &PageRequest) -> Result<Page<OutboxMail>, DomainError>;
    /// An admin's resend of the unsent mail whose [`OutboxMail::id`] is
    /// `id`, all at once: its delivery job runs again, due `now`, as
    /// [`crate::jobs::JobQueue::requeue`] leaves it (see
    /// [`Job::requeued`]; a missing one is inserted), and `audit` is
    /// recorded. The mail and its job as they then stand. Nothing is written
    /// for a missing mail (`NotFound("mail")`) or a sent one
    /// ([`DomainError::MailAlreadySent`]), whatever the race with the
    /// delivery.
    async fn resend(
        &self,
        id: &str,
        now: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(OutboxMail, Job), DomainError>;
}
