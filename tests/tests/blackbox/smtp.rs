//! Mail over SMTP (`SHOP_MAIL=smtp`): the embedded worker delivers the
//! outbox to a real SMTP server (aiosmtpd, one per test; a missing aiosmtpd
//! fails these tests, `.ci/services/smtp.sh` installs it).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shop_blackbox::{ADMIN_EMAIL, ANON, AppBuilder, TestApp};
use shop_testkit::smtp_sink::{SinkMessage, SmtpSink, free_port};

const OK: &str = "cnon:card-nonce-ok";
const PAID_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries back off 1 s, 2 s, 4 s, ... with jitter: a relay that comes back
/// after a few seconds gets the mail well within this.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(40);
const MAIL_FROM: &str = "orders@shop.test";

fn smtp_app(port: u16) -> AppBuilder {
    TestApp::builder()
        .env("SHOP_MAIL", "smtp")
        .env("SHOP_SMTP_HOST", "127.0.0.1")
        .env("SHOP_SMTP_PORT", &port.to_string())
        .env("SHOP_SMTP_SECURITY", "plain")
        .env("SHOP_SMTP_TIMEOUT_SECONDS", "5")
        .env("SHOP_MAIL_FROM", MAIL_FROM)
}

/// The deterministic Message-ID the domain gives a mail (`shop_domain::mail::message_id`),
/// rebuilt from the outside: `<kind.entity.recipient@domain>`, each part
/// keeping `A-Z a-z 0-9 -` and writing other bytes as `_XX`.
fn expected_message_id(kind: &str, entity: &str, recipient: &str) -> String {
    let part = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    char::from(b).to_string()
                } else {
                    format!("_{b:02X}")
                }
            })
            .collect()
    };
    let domain = MAIL_FROM.rsplit('@').next().expect("a domain");
    format!(
        "<{}.{}.{}@{domain}>",
        part(kind),
        part(entity),
        part(recipient)
    )
}

/// Polls the sink until it holds `count` messages.
async fn wait_for_mail(sink: &SmtpSink, app: &TestApp, count: usize) -> Vec<SinkMessage> {
    let started = Instant::now();
    loop {
        let messages = sink.messages();
        if messages.len() >= count {
            return messages;
        }
        assert!(
            started.elapsed() < DELIVERY_TIMEOUT,
            "{} of {count} mails after {DELIVERY_TIMEOUT:?}: {messages:#?}\nRCPTs: {:?}\n\
             aiosmtpd log:\n{}\nshop-api stderr:\n{}",
            messages.len(),
            sink.rcpt_attempts(),
            sink.log(),
            app.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for `count` mails and for the outbox to settle (no delivery left
/// that could send again), then checks no more came.
async fn exactly(sink: &SmtpSink, app: &TestApp, count: usize) -> Vec<SinkMessage> {
    wait_for_mail(sink, app, count).await;
    let admin = app.admin_token().await;
    app.wait_for_settled_outbox(&admin, DELIVERY_TIMEOUT).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), count, "{messages:#?}");
    let ids: HashSet<_> = messages.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), count, "a Message-ID twice: {messages:#?}");
    messages
}

/// The one message whose envelope names `recipient` (and only it).
fn to<'a>(messages: &'a [SinkMessage], recipient: &str) -> &'a SinkMessage {
    let found: Vec<_> = messages
        .iter()
        .filter(|m| m.envelope_to.iter().any(|r| r == recipient))
        .collect();
    assert_eq!(found.len(), 1, "mails to {recipient}: {messages:#?}");
    let message = found[0];
    assert_eq!(message.envelope_to, [recipient], "{message:?}");
    assert_eq!(message.to, [recipient], "{message:?}");
    assert_eq!(message.from, [MAIL_FROM], "{message:?}");
    assert_eq!(message.envelope_from.as_deref(), Some(MAIL_FROM));
    assert!(message.alternative, "{message:?}");
    assert_eq!(
        (message.text_parts, message.html_parts),
        (1, 1),
        "{message:?}"
    );
    message
}

struct Placed {
    order_id: String,
    number: String,
    customer: String,
}

/// A customer orders one unit, the order reaches `paid` and its
/// finalization is done: every mail it sends is in the outbox.
async fn order_paid(app: &TestApp) -> Placed {
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "12.50", 5).await;
    let pid = product["id"].as_str().expect("product id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let placed = app
        .place_order(&c.token, &quote_id, OK, "smtp-order-1")
        .await;
    let order = placed.expect(201)["order"].clone();
    let order_id = order["id"].as_str().expect("order id").to_string();
    let number = order["number"].as_str().expect("number").to_string();
    app.wait_for_order(&c.token, &order_id, "paid", PAID_TIMEOUT)
        .await;
    app.wait_for_finalization(&admin, &order_id, "done", PAID_TIMEOUT)
        .await;
    Placed {
        order_id,
        number,
        customer: c.email,
    }
}

#[test]
fn smtp_without_a_host_or_with_half_the_credentials_stops_start_up() {
    for (builder, variable) in [
        (
            TestApp::builder().env("SHOP_MAIL", "smtp"),
            "SHOP_SMTP_HOST",
        ),
        (
            smtp_app(free_port()).env("SHOP_SMTP_PASSWORD", "smtp-hunter2"),
            "SHOP_SMTP_USERNAME",
        ),
    ] {
        let (status, stderr) = builder.run_to_exit();
        assert!(!status.success(), "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
        assert!(!stderr.contains("smtp-hunter2"), "{stderr}");
    }
}

#[tokio::test]
async fn a_paid_order_mails_the_customer_and_each_admin_once_over_smtp() {
    let sink = SmtpSink::start();
    let app = smtp_app(sink.port())
        .env("SHOP_ADMIN_NOTIFY", "ops@shop.test, sales@shop.test")
        .spawn()
        .await;

    // The file mailbox is not the transport: its listing is not there.
    let admin = app.admin_token().await;
    app.get("/api/v1/admin/mailbox", admin.as_str())
        .await
        .problem(404, "not_found");

    let order = order_paid(&app).await;
    let mail = exactly(&sink, &app, 3).await;

    let confirmation = to(&mail, &order.customer);
    assert_eq!(
        confirmation.subject.as_deref(),
        Some(format!("Shop: order {} confirmed", order.number).as_str())
    );
    assert_eq!(
        confirmation.message_id.as_deref(),
        Some(expected_message_id("order-confirmation", &order.order_id, &order.customer).as_str())
    );
    for text in [&confirmation.text, &confirmation.html] {
        let text = text.as_deref().unwrap_or_default();
        assert!(text.contains(&order.number), "{confirmation:?}");
    }

    for admin in ["ops@shop.test", "sales@shop.test"] {
        let notice = to(&mail, admin);
        let subject = notice.subject.as_deref().unwrap_or_default();
        assert!(
            subject.starts_with(&format!("New order {} (", order.number)),
            "{notice:?}"
        );
        assert_eq!(
            notice.message_id.as_deref(),
            Some(expected_message_id("new-order-notice", &order.order_id, admin).as_str())
        );
        let text = notice.text.as_deref().unwrap_or_default();
        let html = notice.html.as_deref().unwrap_or_default();
        assert!(text.contains(&order.customer), "{notice:?}");
        assert!(html.contains(&order.number), "{notice:?}");
    }
}

#[tokio::test]
async fn mail_waits_while_the_relay_is_down_and_arrives_once_when_it_is_up() {
    let port = free_port();
    let app = smtp_app(port)
        .env("SHOP_ADMIN_NOTIFY", "ops@shop.test")
        .spawn()
        .await;

    // Payment does not wait for mail.
    let order = order_paid(&app).await;
    // Each mail was tried against the dead relay and is waiting to be
    // tried again.
    let admin = app.admin_token().await;
    let started = Instant::now();
    loop {
        let unsent = app
            .walk("/api/v1/admin/mail?status=unsent", admin.as_str(), 50)
            .await;
        let tried = unsent
            .iter()
            .filter(|m| {
                m["delivery"]["state"] == "queued"
                    && m["delivery"]["attempts"].as_u64() >= Some(1)
                    && m["delivery"]["last_error"]
                        .as_str()
                        .is_some_and(|e| !e.is_empty())
            })
            .count();
        if tried == 2 {
            break;
        }
        assert!(
            started.elapsed() < DELIVERY_TIMEOUT,
            "the mails were never tried while the relay was down: {unsent:#?}\n{}",
            app.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let sink = SmtpSink::start_on(port);
    let mail = exactly(&sink, &app, 2).await;
    to(&mail, &order.customer);
    to(&mail, "ops@shop.test");
}

/// A relay down for longer than the quick retries: the mails are not given
/// up but retried slowly (hourly by default; every second here), and the
/// confirmation arrives once the relay is back.
#[tokio::test]
async fn mail_outlives_a_relay_outage_longer_than_the_quick_retries() {
    let port = free_port();
    let app = smtp_app(port)
        .env("SHOP_ADMIN_NOTIFY", "ops@shop.test")
        .env("SHOP_WORKER_MAX_ATTEMPTS", "2")
        .env("SHOP_WORKER_BACKOFF_MAX_MS", "100")
        .env("SHOP_MAIL_SLOW_RETRY_SECONDS", "1")
        .spawn()
        .await;
    let order = order_paid(&app).await;
    let admin = app.admin_token().await;
    // Past the quick retries, and still queued: the old behaviour buried
    // them here and never sent them.
    let started = Instant::now();
    loop {
        let unsent = app
            .walk("/api/v1/admin/mail?status=unsent", admin.as_str(), 50)
            .await;
        let past_quick: Vec<&Value> = unsent
            .iter()
            .filter(|m| m["delivery"]["attempts"].as_u64() > Some(2))
            .collect();
        if past_quick.len() == 2 {
            // Queued for the next slow retry, or being tried right now by
            // the worker (a snapshot may catch it mid-attempt): never dead.
            assert!(
                past_quick
                    .iter()
                    .all(|m| m["delivery"]["state"] == "queued"
                        || m["delivery"]["state"] == "running"),
                "{unsent:#?}"
            );
            assert!(
                past_quick.iter().all(|m| m["delivery"]["last_error"]
                    .as_str()
                    .is_some_and(|e| !e.is_empty())),
                "{unsent:#?}"
            );
            break;
        }
        assert!(
            started.elapsed() < DELIVERY_TIMEOUT,
            "never past the quick retries: {unsent:#?}\n{}",
            app.stderr()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sink = SmtpSink::start_on(port);
    let mail = exactly(&sink, &app, 2).await;
    to(&mail, &order.customer);
    to(&mail, "ops@shop.test");
    let sent = app
        .walk("/api/v1/admin/mail?status=sent", admin.as_str(), 50)
        .await;
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(
        app.walk("/api/v1/admin/mail", admin.as_str(), 50)
            .await
            .is_empty(),
        "nothing left unsent"
    );
}

#[tokio::test]
async fn a_recipient_refused_for_good_is_not_retried_and_blocks_no_one_else() {
    let sink = SmtpSink::start_picky();
    let app = smtp_app(sink.port())
        .env("SHOP_ADMIN_NOTIFY", "gone@shop.test,ops@shop.test")
        .spawn()
        .await;

    let order = order_paid(&app).await;
    let mail = exactly(&sink, &app, 2).await;
    to(&mail, &order.customer);
    to(&mail, "ops@shop.test");
    assert!(
        mail.iter()
            .all(|m| !m.envelope_to.iter().any(|r| r == "gone@shop.test")),
        "{mail:#?}"
    );
    // Buried at the first 550: asked once, never again.
    assert_eq!(
        sink.rcpt_count("gone@shop.test"),
        1,
        "{:?}",
        sink.rcpt_attempts()
    );
}

#[tokio::test]
async fn a_busy_recipient_is_retried_until_the_relay_takes_the_mail_once() {
    let sink = SmtpSink::builder().busy_for(2).start();
    let app = smtp_app(sink.port())
        .env("SHOP_ADMIN_NOTIFY", "busy@shop.test")
        .spawn()
        .await;

    let order = order_paid(&app).await;
    let mail = exactly(&sink, &app, 2).await;
    to(&mail, &order.customer);
    to(&mail, "busy@shop.test");
    let busy: Vec<_> = sink
        .rcpt_attempts()
        .into_iter()
        .filter(|(address, _)| address == "busy@shop.test")
        .map(|(_, reply)| reply)
        .collect();
    assert_eq!(busy.len(), 3, "two 451s, then accepted: {busy:?}");
    assert!(busy[0].starts_with("451") && busy[1].starts_with("451"));
    assert!(busy[2].starts_with("250"), "{busy:?}");
}

#[tokio::test]
async fn a_contact_notice_escapes_the_visitor_and_adds_no_header_or_recipient() {
    let sink = SmtpSink::start();
    let app = smtp_app(sink.port()).spawn().await;

    let sent = app
        .post(
            "/api/v1/contact",
            ANON,
            &json!({
                "name": "<script>alert(1)</script>",
                "email": "vera@example.com",
                "subject": "Hi\r\nBcc: x@evil.test",
                "message": "Do you ship to Alaska?",
            }),
        )
        .await;
    let id = sent.expect(202)["id"].as_str().expect("id").to_string();

    // No SHOP_ADMIN_NOTIFY: every active admin, here the one of the harness.
    let mail = exactly(&sink, &app, 1).await;
    let notice = to(&mail, ADMIN_EMAIL);
    assert_eq!(
        notice.message_id.as_deref(),
        Some(expected_message_id("contact-notice", &id, ADMIN_EMAIL).as_str())
    );
    let html = notice.html.as_deref().unwrap_or_default();
    assert!(html.contains("&lt;script&gt;"), "{notice:?}");
    assert!(!html.to_ascii_lowercase().contains("<script"), "{notice:?}");
    let subject = notice.subject.as_deref().unwrap_or_default();
    assert!(!subject.contains(['\r', '\n']), "{notice:?}");
    assert!(subject.starts_with("Contact: Hi"), "{notice:?}");
    assert!(notice.header("Bcc").is_empty(), "{notice:?}");
    assert!(notice.header("Cc").is_empty(), "{notice:?}");
    let raw = notice.raw_text().replace("\r\n", "\n").to_ascii_lowercase();
    assert!(!raw.contains("\nbcc:"), "{notice:?}");
    assert_eq!(notice.envelope_to, [ADMIN_EMAIL], "{notice:?}");
    assert_eq!(
        sink.rcpt_attempts()
            .iter()
            .map(|(address, _)| address.as_str())
            .collect::<Vec<_>>(),
        [ADMIN_EMAIL],
        "no RCPT for anyone else"
    );
}
