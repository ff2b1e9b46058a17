//! What the SMTP and SES tests share: a message to send and the checks of
//! what arrived.

use mail_parser::{MessageParser, MimeHeaders as _};
use shop_domain::account::Email;
use shop_domain::mail::{MailMessage, message_id};
pub use shop_testkit::smtp_sink::header_values;

/// A message from and to addresses no other test uses, so tests that share
/// a server (moto) can tell their mail apart. The subject and bodies hold
/// non-ASCII text, so the encodings are exercised too.
pub fn unique_message(sender_domain: &str) -> MailMessage {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let to = Email::trusted(&format!("ann-{tag}@example.test"));
    MailMessage {
        message_id: message_id("order_confirmation", &tag, &to, "shop.test"),
        from: Email::trusted(&format!("orders-{tag}@{sender_domain}")),
        to,
        subject: format!("Order {tag} confirmed — merci, Zoë"),
        text: format!("Hello Zoë,\n\nyour order {tag} is confirmed: 2 × Café (€ 7.50).\n"),
        html: format!(
            "<p>Hello Zoë,</p><p>your order <b>{tag}</b> is confirmed: 2 &times; Café (€ 7.50).</p>"
        ),
    }
}

/// `raw` is `sent` as a MIME message: From, one To, Subject, the
/// Message-ID exactly as given, and a text and an HTML alternative.
pub fn assert_is_sent_message(raw: &[u8], sent: &MailMessage) {
    let text = String::from_utf8_lossy(raw);
    let parsed = MessageParser::default()
        .parse(raw)
        .unwrap_or_else(|| panic!("not a MIME message:\n{text}"));

    assert_eq!(parsed.subject(), Some(sent.subject.as_str()), "{text}");
    let from: Vec<_> = parsed.from().into_iter().flat_map(|a| a.iter()).collect();
    assert_eq!(from.len(), 1, "{text}");
    assert_eq!(from[0].address(), Some(sent.from.as_str()), "{text}");
    let to: Vec<_> = parsed.to().into_iter().flat_map(|a| a.iter()).collect();
    assert_eq!(to.len(), 1, "{text}");
    assert_eq!(to[0].address(), Some(sent.to.as_str()), "{text}");
    assert!(parsed.cc().is_none() && parsed.bcc().is_none(), "{text}");

    assert_eq!(
        header_values(&text, "Message-ID"),
        std::slice::from_ref(&sent.message_id),
        "{text}"
    );

    assert!(
        parsed
            .root_part()
            .is_content_type("multipart", "alternative"),
        "{text}"
    );
    assert_eq!(parsed.text_body_count(), 1, "{text}");
    assert_eq!(parsed.html_body_count(), 1, "{text}");
    let text_part = parsed.text_part(0).expect("a text part");
    let html_part = parsed.html_part(0).expect("an HTML part");
    assert!(text_part.is_content_type("text", "plain"), "{text}");
    assert!(html_part.is_content_type("text", "html"), "{text}");
    assert_eq!(
        parsed.body_text(0).map(|b| b.replace("\r\n", "\n")),
        Some(sent.text.clone()),
        "{text}"
    );
    assert_eq!(
        parsed.body_html(0).map(|b| b.replace("\r\n", "\n")),
        Some(sent.html.clone()),
        "{text}"
    );
}
