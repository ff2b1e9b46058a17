//! The outbox as admins see it: each mail and how far its delivery got.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::jobs::Job;
use shop_domain::mail::OutboxMail;
use utoipa::{IntoParams, ToSchema};

use super::common::list_response;
use super::order::FinalizationDto;

/// One mail the shop recorded, and its delivery job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxMailDto {
    /// Its id in `/api/v1/admin/mail/{id}` (the SHA-256 of the Message-ID).
    pub id: String,
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    /// When the transport took it; `null` while unsent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The delivery job: `queued` (waiting for its next attempt), `running`,
    /// `done`, or `dead` (it gave up: resend it once the transport is
    /// mended). `null` for a mail without one.
    pub delivery: Option<FinalizationDto>,
}

impl OutboxMailDto {
    pub fn new(mail: OutboxMail, job: Option<Job>) -> Self {
        Self {
            id: mail.id(),
            message_id: mail.message.message_id,
            to: mail.message.to.to_string(),
            subject: mail.message.subject,
            created_at: mail.created_at,
            sent_at: mail.sent_at,
            delivery: job.map(Into::into),
        }
    }
}

/// `{mail}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMailEnvelope {
    pub mail: OutboxMailDto,
}

list_response!(
    /// A page of recorded mail, newest first.
    OutboxMailList,
    OutboxMailDto
);

/// Which mail to list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailStatusFilter {
    /// Not handed to the transport yet (the default).
    #[default]
    Unsent,
    Sent,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `unsent` (default) or `sent`.
    pub status: Option<MailStatusFilter>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
