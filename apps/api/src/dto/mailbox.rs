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
            text: redact_link_tokens(&m.text),
            html: redact_link_tokens(&m.html),
            sent_at: m.sent_at,
        }
    }
}

/// Single-use link tokens (e-mail verification, password reset) shown as
/// `token=[redacted]`: an admin reading the mailbox must not be able to take
/// over the recipient's account. The mail on disk keeps them.
fn redact_link_tokens(body: &str) -> String {
    const MARK: &str = "token=";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(after.len());
        if end > 0 {
            out.push_str("[redacted]");
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

list_response!(
    /// Every stored mail, newest first (not paged: `next_cursor` is always null).
    MailList,
    MailDto
);

#[cfg(test)]
mod tests {
    use super::redact_link_tokens;

    #[test]
    fn link_tokens_are_redacted_and_the_rest_kept() {
        let text = "Reset: https://shop.test/reset-password?token=AbC-12_x.y\nthanks";
        assert_eq!(
            redact_link_tokens(text),
            "Reset: https://shop.test/reset-password?token=[redacted]\nthanks"
        );
        let html = r#"<a href="https://s/verify?token=Zz9">go</a> token=&amp;"#;
        assert_eq!(
            redact_link_tokens(html),
            r#"<a href="https://s/verify?token=[redacted]">go</a> token=&amp;"#
        );
        assert_eq!(redact_link_tokens("no links"), "no links");
    }
}
