//! Outgoing mail: the port and the templates.

mod admin;
mod outbox;
mod templates;

use async_trait::async_trait;

use crate::DomainError;
use crate::account::Email;

pub use admin::{MailAdminPorts, MailAdminService};
#[cfg(test)]
pub(crate) use outbox::MockMailOutbox;
pub use outbox::{MailOutbox, OutboxMail, outbox_id};
pub use templates::{
    MailContext, business_approved, business_rejected, contact_notice, email_verification,
    escape_html, login_backoff_notice, new_order_notice, order_alert, order_confirmation,
    password_reset, payment_failed,
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

/// Why a transport did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later: the server is down, busy, timed out or answered
    /// with a 4xx (temporary) reply.
    #[error("mail transport unavailable: {0}")]
    Transient(String),
    /// Retrying cannot help: the server refused this message or recipient for
    /// good (an SMTP 5xx, an SES rejection). Other recipients are unaffected.
    #[error("mail refused: {0}")]
    Rejected(String),
}

/// A mail transport. Hands one message to the transport; `Ok` means the
/// transport accepted it. A redelivery of the same `message_id` after a crash
/// is expected and must not be treated as an error.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError>;
}

/// A deterministic Message-ID of the form `<kind.entity.recipient@domain>`.
///
/// Each left-hand part keeps `A-Z a-z 0-9 -` and writes any other byte as
/// `_XX` (its hex value), so the id is a valid header dot-atom whatever the
/// input, and different (kind, entity, recipient) never share an id
/// (`a.b@x` and `a_b@x` are different recipients).
pub fn message_id(kind: &str, entity: &str, recipient: &Email, domain: &str) -> String {
    fn part(s: &str) -> String {
        if s.is_empty() {
            // `_` alone is never the output of the escape, so this is unique too.
            return "_".into();
        }
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("_{b:02X}"));
            }
        }
        out
    }
    let host = domain
        .split('.')
        .map(|label| {
            label
                .chars()
                .filter(|c| !c.is_control() && !c.is_whitespace())
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .filter(|label| !label.is_empty())
        .collect::<Vec<_>>()
        .join(".");
    let host = if host.is_empty() {
        "localhost".to_string()
    } else {
        host
    };
    format!(
        "<{}.{}.{}@{host}>",
        part(kind),
        part(entity),
        part(recipient.as_str()),
    )
}

/// Who hears about new orders and contact messages: the configured list,
/// or else every active admin.
pub(crate) async fn admin_recipients(
    accounts: &dyn crate::account::AccountStore,
    settings: &crate::settings::ShopSettings,
) -> Result<Vec<Email>, DomainError> {
    if !settings.admin_notify.is_empty() {
        return Ok(settings.admin_notify.clone());
    }
    Ok(accounts
        .list_active_admins()
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect())
}

/// The sender and footer every template takes from the shop's settings.
pub(crate) fn mail_context(settings: &crate::settings::ShopSettings) -> MailContext {
    MailContext {
        shop_name: settings.shop_name.clone(),
        shop_address: settings.shop_address.clone(),
        from: settings.mail_from.clone(),
    }
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

#[cfg(test)]
mod tests;
