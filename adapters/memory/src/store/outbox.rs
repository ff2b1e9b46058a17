use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shop_domain::audit::AuditEntry;
use shop_domain::jobs::Job;
use shop_domain::mail::{MailMessage, MailOutbox, OutboxMail};
use shop_domain::{DomainError, Page, PageRequest};

use super::page::{Order, paginate};
use super::{JobRow, MemoryStore, State};

impl State {
    /// Records `mails` and their delivery jobs, due at `now`. The caller
    /// holds the lock for its own change too, so both land together. A
    /// Message-ID already recorded keeps its row and its job: recording a
    /// mail twice must not send it twice.
    pub(super) fn record_mails(&mut self, mails: &[MailMessage], now: DateTime<Utc>) {
        for mail in mails {
            if self.outbox.contains_key(&mail.message_id) {
                continue;
            }
            self.outbox.insert(
                mail.message_id.clone(),
                OutboxMail {
                    message: mail.clone(),
                    created_at: now,
                    sent_at: None,
                },
            );
            let job = Job::deliver_mail(&mail.message_id, now);
            self.jobs.entry(job.id.clone()).or_insert(JobRow {
                job,
                claim_token: None,
            });
        }
    }
}

#[async_trait]
impl MailOutbox for MemoryStore {
    async fn enqueue(&self, mails: &[MailMessage], now: DateTime<Utc>) -> Result<(), DomainError> {
        self.lock().record_mails(mails, now);
        Ok(())
    }

    async fn get(&self, message_id: &str) -> Result<Option<OutboxMail>, DomainError> {
        Ok(self.lock().outbox.get(message_id).cloned())
    }

    async fn mark_sent(&self, message_id: &str, at: DateTime<Utc>) -> Result<(), DomainError> {
        let mut state = self.lock();
        let mail = state
            .outbox
            .get_mut(message_id)
            .ok_or(DomainError::NotFound("outbox mail"))?;
        mail.sent_at.get_or_insert(at);
        Ok(())
    }

    async fn unsent(&self, limit: usize) -> Result<Vec<OutboxMail>, DomainError> {
        let state = self.lock();
        let mut mails: Vec<&OutboxMail> = state
            .outbox
            .values()
            .filter(|m| m.sent_at.is_none())
            .collect();
        mails.sort_by(|a, b| {
            (a.created_at, &a.message.message_id).cmp(&(b.created_at, &b.message.message_id))
        });
        Ok(mails.into_iter().take(limit).cloned().collect())
    }

    async fn find(&self, id: &str) -> Result<Option<OutboxMail>, DomainError> {
        Ok(self.lock().outbox.values().find(|m| m.id() == id).cloned())
    }

    async fn list(&self, sent: bool, page: &PageRequest) -> Result<Page<OutboxMail>, DomainError> {
        let state = self.lock();
        let rows = state
            .outbox
            .values()
            .filter(|m| m.sent_at.is_some() == sent)
            .cloned();
        paginate(
            rows,
            |m| (m.created_at.timestamp_micros(), m.id()),
            Order::Descending,
            page,
        )
    }

    async fn resend(
        &self,
        id: &str,
        now: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(OutboxMail, Job), DomainError> {
        let mut state = self.lock();
        let mail = state
            .outbox
            .values()
            .find(|m| m.id() == id)
            .cloned()
            .ok_or(DomainError::NotFound("mail"))?;
        if mail.sent_at.is_some() {
            return Err(DomainError::MailAlreadySent);
        }
        let fresh = Job::deliver_mail(&mail.message.message_id, now);
        let job = state
            .requeue_job(&fresh.id, now, Some(&fresh))
            .ok_or_else(|| DomainError::Internal("the delivery job vanished".into()))?;
        state.audit.extend_from_slice(audit);
        Ok((mail, job))
    }
}
