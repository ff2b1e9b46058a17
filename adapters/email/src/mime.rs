//! The one MIME message both transports send.

use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use shop_domain::account::Email;
use shop_domain::mail::{MailError, MailMessage};

/// `message` as a MIME message: From, To, Subject and Message-ID (exactly as
/// given), a Date of now, and a multipart/alternative body of the text and
/// the HTML.
///
/// Headers go only through lettre's typed builder, which encodes any control
/// character (RFC 2047), so a CR/LF in the subject cannot start a header.
pub(crate) fn mime_message(message: &MailMessage) -> Result<Message, MailError> {
    Message::builder()
        .from(mailbox("sender", &message.from)?)
        .to(mailbox("recipient", &message.to)?)
        .subject(message.subject.as_str())
        .message_id(Some(message.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(
            message.text.clone(),
            message.html.clone(),
        ))
        // The same message can never be built: retrying cannot help.
        .map_err(|e| MailError::Rejected(format!("cannot build the message: {e}")))
}

fn mailbox(role: &str, email: &Email) -> Result<Mailbox, MailError> {
    email
        .as_str()
        .parse::<Address>()
        .map(|address| Mailbox::new(None, address))
        .map_err(|e| MailError::Rejected(format!("{role} address {}: {e}", email.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(subject: &str) -> MailMessage {
        MailMessage {
            message_id: "<order.42.ann-example-com@shop.test>".into(),
            from: Email::trusted("shop@shop.test"),
            to: Email::trusted("ann@example.com"),
            subject: subject.into(),
            text: "Thank you.".into(),
            html: "<p>Thank you.</p>".into(),
        }
    }

    fn formatted(message: &MailMessage) -> String {
        let mime = mime_message(message).expect("the sample builds");
        String::from_utf8(mime.formatted()).expect("lettre writes ASCII")
    }

    #[test]
    fn carries_the_headers_and_both_parts() {
        let raw = formatted(&sample("Your order"));
        for header in [
            "From: shop@shop.test\r\n",
            "To: ann@example.com\r\n",
            "Subject: Your order\r\n",
            "Message-ID: <order.42.ann-example-com@shop.test>\r\n",
            "Content-Type: multipart/alternative;",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "Content-Type: text/html; charset=utf-8\r\n",
        ] {
            assert!(raw.contains(header), "{header:?} missing in\n{raw}");
        }
        assert!(raw.contains("Date: "), "{raw}");
    }

    #[test]
    fn a_line_break_in_the_subject_starts_no_header() {
        let raw = formatted(&sample("Hi\r\nBcc: x@evil.test"));
        let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            !headers
                .lines()
                .any(|line| line.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
    }

    #[test]
    fn an_address_lettre_cannot_use_is_rejected() {
        let mut message = sample("x");
        message.to = Email::trusted("not an address");
        assert!(matches!(
            mime_message(&message),
            Err(MailError::Rejected(_))
        ));
    }
}
