//! Outgoing mail: the port and the templates.

mod templates;

use async_trait::async_trait;

use crate::DomainError;
use crate::account::Email;

pub use templates::{
    business_approved, business_rejected, escape_html, new_order_notice, order_confirmation,
    MailContext,
};

/// A rendered message. `message_id` is deterministic (kind, subject entity,
/// recipient), so a redelivery after a crash is recognisable as the same mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMessage {
    pub message_id: String,
    pub from: Email,
    pub to: Email,
    /// Single line: rendering strips CR/LF so no header can be injected.
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &MailMessage) -> Result<(), DomainError>;
}

/// A deterministic Message-ID of the form `<kind.entity.recipient@domain>`.
pub fn message_id(kind: &str, entity: &str, recipient: &Email, domain: &str) -> String {
    let safe = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect::<String>()
    };
    format!(
        "<{}.{}.{}@{}>",
        safe(kind),
        safe(entity),
        safe(recipient.as_str()),
        safe(domain).replace('_', ".")
    )
}

/// Collapses a would-be header value to one line.
pub fn single_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}
