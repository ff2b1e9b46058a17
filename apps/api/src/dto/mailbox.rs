//! Mail kept by the embedded file mailbox.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shop_memory::StoredMail;
use utoipa::ToSchema;

use super::common::list_response;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailDto {
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sent_at: DateTime<Utc>,
}

impl From<StoredMail> for MailDto {
    fn from(m: StoredMail) -> Self {
        Self {
            message_id: m.message_id,
            from: m.from,
            to: m.to,
            subject: m.subject,
            text: m.text,
            html: m.html,
            sent_at: m.sent_at,
        }
    }
}

list_response!(
    /// Every stored mail, newest first (not paged: `next_cursor` is always null).
    MailList,
    MailDto
);
