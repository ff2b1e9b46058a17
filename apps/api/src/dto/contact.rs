//! Contact messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::contact::{ContactMessage, ContactStatus, NewContactMessage};
use utoipa::{IntoParams, ToSchema};

use super::common::list_response;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactStatusDto {
    New,
    Read,
    Archived,
}

impl From<ContactStatus> for ContactStatusDto {
    fn from(s: ContactStatus) -> Self {
        match s {
            ContactStatus::New => Self::New,
            ContactStatus::Read => Self::Read,
            ContactStatus::Archived => Self::Archived,
        }
    }
}

impl From<ContactStatusDto> for ContactStatus {
    fn from(s: ContactStatusDto) -> Self {
        match s {
            ContactStatusDto::New => Self::New,
            ContactStatusDto::Read => Self::Read,
            ContactStatusDto::Archived => Self::Archived,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

impl From<ContactRequest> for NewContactMessage {
    fn from(r: ContactRequest) -> Self {
        Self {
            name: r.name,
            email: r.email,
            subject: r.subject,
            message: r.message,
        }
    }
}

/// The stored message's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactAccepted {
    pub id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactMessageDto {
    pub id: String,
    /// The sender's account, when they were signed in.
    pub user_id: Option<String>,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub status: ContactStatusDto,
    pub created_at: DateTime<Utc>,
}

impl From<ContactMessage> for ContactMessageDto {
    fn from(m: ContactMessage) -> Self {
        Self {
            id: m.id.to_string(),
            user_id: m.user_id.map(|u| u.to_string()),
            name: m.name.as_str().to_string(),
            email: m.email.to_string(),
            subject: m.subject,
            message: m.message,
            status: m.status.into(),
            created_at: m.created_at,
        }
    }
}

list_response!(
    /// A page of contact messages, newest first.
    ContactMessageList,
    ContactMessageDto
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    pub status: Option<ContactStatusDto>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactStatusRequest {
    pub status: ContactStatusDto,
}
