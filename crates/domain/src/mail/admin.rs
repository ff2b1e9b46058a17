//! What admins do with the outbox: see what has not gone out (and why),
//! and send a mail again once its transport is mended.

use super::OutboxMail;
use crate::account::Principal;
use crate::jobs::Job;
use std::sync::Arc;

use super::MailOutbox;
use crate::audit::{AuditAction, AuditEntry};
use crate::jobs::JobQueue;
use crate::{Clock, DomainError, IdGenerator, Page, PageRequest};

/// The ports the mail admin service uses.
#[derive(Clone)]
pub struct MailAdminPorts {
    pub outbox: Arc<dyn MailOutbox>,
    pub jobs: Arc<dyn JobQueue>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

pub struct MailAdminService {
    ports: MailAdminPorts,
}

impl MailAdminService {
    pub fn new(ports: MailAdminPorts) -> Self {
        Self { ports }
    }

    /// Unsent (or sent) mails, newest first, each with its delivery job.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn list(
        &self,
        admin: &Principal,
        sent: bool,
        page: &PageRequest,
    ) -> Result<Page<(OutboxMail, Option<Job>)>, DomainError> {
        admin.require_admin()?;
        let mails = self.ports.outbox.list(sent, page).await?;
        let mut items = Vec::with_capacity(mails.items.len());
        for mail in mails.items {
            let job = self.delivery(&mail).await?;
            items.push((mail, job));
        }
        Ok(Page {
            items,
            next_cursor: mails.next_cursor,
        })
    }

    /// Queues an unsent mail's delivery again, due now (its retries ran
    /// out, or an admin will not wait for the next one), with its audit
    /// entry (`mail.resend`). [`DomainError::MailAlreadySent`] for a mail
    /// that went out.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn resend(
        &self,
        admin: &Principal,
        id: &str,
    ) -> Result<(OutboxMail, Option<Job>), DomainError> {
        admin.require_admin()?;
        let mail = self
            .ports
            .outbox
            .find(id)
            .await?
            .ok_or(DomainError::NotFound("mail"))?;
        if mail.sent_at.is_some() {
            return Err(DomainError::MailAlreadySent);
        }
        let now = self.ports.clock.now();
        let before = self.delivery(&mail).await?;
        let after = before.as_ref().map_or_else(
            || Job::deliver_mail(&mail.message.message_id, now),
            |j| j.requeued(now),
        );
        let entry = AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            now,
            AuditAction::MailResend,
            "mail",
            id,
        )
        .field(
            "delivery",
            before.as_ref().map(|j| j.state.as_str()),
            Some(after.state.as_str()),
        )
        .field(
            "delivery_attempts",
            before.as_ref().map(|j| j.attempts),
            Some(after.attempts),
        )
        .field(
            "delivery_generation",
            before.as_ref().map(|j| j.generation),
            Some(after.generation),
        )
        .field(
            "delivery_due",
            before.as_ref().map(|j| j.run_after.to_rfc3339()),
            Some(after.run_after.to_rfc3339()),
        );
        let (mail, job) = self.ports.outbox.resend(id, now, &[entry]).await?;
        Ok((mail, Some(job)))
    }

    async fn delivery(&self, mail: &OutboxMail) -> Result<Option<Job>, DomainError> {
        self.ports
            .jobs
            .get(&Job::deliver_mail_id(&mail.message.message_id))
            .await
    }
}
