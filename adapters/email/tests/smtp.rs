//! SmtpMailer against a real SMTP server (aiosmtpd, one per test).

// Test helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use shop_domain::account::Email;
use shop_domain::mail::{MailError, Mailer as _};
use shop_email::{SmtpMailer, SmtpSecurity, SmtpSettings};
use shop_testkit::smtp_sink::{SmtpSink, free_port};
use support::{assert_is_sent_message, header_values, unique_message};

fn mailer(settings: &SmtpSettings) -> SmtpMailer {
    SmtpMailer::new(settings).expect("valid SMTP settings")
}

/// Plain SMTP to 127.0.0.1:`port`, with a short timeout.
fn plain_settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        port,
        timeout: Duration::from_secs(5),
        ..SmtpSettings::new("127.0.0.1", SmtpSecurity::Plain)
    }
}

fn sink_settings(sink: &SmtpSink) -> SmtpSettings {
    plain_settings(sink.port())
}

#[tokio::test]
async fn delivers_text_and_html_with_the_given_message_id() {
    let sink = SmtpSink::start();
    let message = unique_message("shop.test");

    mailer(&sink_settings(&sink))
        .send(&message)
        .await
        .expect("the sink accepts the message");

    let stored = sink.messages();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_is_sent_message(&stored[0].raw, &message);
    assert_eq!(
        header_values(&stored[0].raw_text(), "X-MailFrom"),
        [message.from.as_str()]
    );
    assert_eq!(
        header_values(&stored[0].raw_text(), "X-RcptTo"),
        [message.to.as_str()]
    );
}

#[tokio::test]
async fn a_relay_that_is_down_is_transient_and_the_same_send_succeeds_once_it_is_up() {
    let port = free_port();
    let mailer = mailer(&plain_settings(port));
    let message = unique_message("shop.test");

    let refused = mailer.send(&message).await;
    assert!(
        matches!(refused, Err(MailError::Transient(_))),
        "{refused:?}"
    );

    let sink = SmtpSink::start_on(port);
    mailer.send(&message).await.expect("the relay is up now");
    let stored = sink.messages();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_is_sent_message(&stored[0].raw, &message);
}

#[tokio::test]
async fn a_relay_that_never_answers_times_out_as_transient() {
    // Connections complete in the backlog, but no greeting ever comes.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind a listener");
    let port = silent.local_addr().expect("its address").port();
    let settings = SmtpSettings {
        timeout: Duration::from_secs(1),
        ..plain_settings(port)
    };

    let started = Instant::now();
    let result = mailer(&settings).send(&unique_message("shop.test")).await;

    assert!(matches!(result, Err(MailError::Transient(_))), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_4xx_recipient_is_transient_a_5xx_one_rejected_and_others_still_get_mail() {
    let sink = SmtpSink::start_picky();
    let mailer = mailer(&sink_settings(&sink));

    let mut busy = unique_message("shop.test");
    busy.to = Email::trusted("busy@example.test");
    let result = mailer.send(&busy).await;
    match &result {
        Err(MailError::Transient(detail)) => assert!(detail.contains("451"), "{detail}"),
        other => panic!("451 should be transient: {other:?}"),
    }

    let mut gone = unique_message("shop.test");
    gone.to = Email::trusted("gone@example.test");
    let result = mailer.send(&gone).await;
    match &result {
        Err(MailError::Rejected(detail)) => assert!(detail.contains("550"), "{detail}"),
        other => panic!("550 should be a rejection: {other:?}"),
    }

    let welcome = unique_message("shop.test");
    mailer
        .send(&welcome)
        .await
        .expect("another recipient is accepted");

    let stored = sink.messages();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_is_sent_message(&stored[0].raw, &welcome);
    assert_eq!(
        header_values(&stored[0].raw_text(), "X-RcptTo"),
        [welcome.to.as_str()]
    );
}

#[tokio::test]
async fn a_busy_recipient_is_taken_once_the_relay_stops_answering_451() {
    let mut sink = SmtpSink::builder().busy_for(1).start();
    let mailer = mailer(&sink_settings(&sink));
    let mut message = unique_message("shop.test");
    message.to = Email::trusted("busy@example.test");

    let first = mailer.send(&message).await;
    assert!(matches!(first, Err(MailError::Transient(_))), "{first:?}");
    mailer
        .send(&message)
        .await
        .expect("the second try is taken");

    // A restart keeps the port and what was stored; its counters start over.
    sink.restart();
    let again = mailer.send(&message).await;
    assert!(matches!(again, Err(MailError::Transient(_))), "{again:?}");
    sink.stop();
    let down = mailer.send(&message).await;
    assert!(matches!(down, Err(MailError::Transient(_))), "{down:?}");

    let stored = sink.messages();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_is_sent_message(&stored[0].raw, &message);
    assert_eq!(stored[0].envelope_to, [message.to.as_str()]);
    assert_eq!(
        stored[0].message_id.as_deref(),
        Some(message.message_id.as_str())
    );
    assert_eq!(sink.rcpt_count("busy@example.test"), 3);
}

#[tokio::test]
async fn a_line_break_in_the_subject_adds_no_header_and_no_recipient() {
    let sink = SmtpSink::start();
    let mut message = unique_message("shop.test");
    // Built directly: the domain's rendering would have made it one line.
    message.subject = "Your order\r\nBcc: x@evil.test".into();

    mailer(&sink_settings(&sink))
        .send(&message)
        .await
        .expect("the sink accepts the message");

    let stored = sink.messages();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    let raw = &stored[0].raw_text();
    assert!(header_values(raw, "Bcc").is_empty(), "{raw}");
    assert!(header_values(raw, "Cc").is_empty(), "{raw}");
    assert!(!raw.to_ascii_lowercase().contains("\nbcc:"), "{raw}");
    assert_eq!(
        header_values(raw, "X-RcptTo"),
        [message.to.as_str()],
        "{raw}"
    );
    // The line break travels inside the encoded subject, nowhere else.
    assert_eq!(header_values(raw, "Subject").len(), 1, "{raw}");
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a MIME message");
    assert_eq!(parsed.subject(), Some(message.subject.as_str()), "{raw}");
}

#[tokio::test]
async fn starttls_is_required_not_skipped_when_the_relay_lacks_it() {
    let sink = SmtpSink::start();
    let settings = SmtpSettings {
        port: sink.port(),
        timeout: Duration::from_secs(5),
        ..SmtpSettings::new("127.0.0.1", SmtpSecurity::StartTls)
    };

    let result = mailer(&settings).send(&unique_message("shop.test")).await;

    assert!(matches!(result, Err(MailError::Transient(_))), "{result:?}");
    assert!(
        sink.messages().is_empty(),
        "nothing may travel in the clear"
    );
}
