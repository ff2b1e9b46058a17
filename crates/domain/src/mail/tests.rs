use chrono::Duration;

use super::*;
use crate::business::{BusinessProfile, BusinessStatus};
use crate::ids::UserId;
use crate::order::OrderStatus;
use crate::test_support::{address, exemption, order, t0};

fn ctx() -> MailContext {
    MailContext {
        shop_name: "Tool & Die".into(),
        shop_address: "1 Shop St, Town".into(),
        from: Email::trusted("shop@mail.example.com"),
    }
}

fn ann() -> Email {
    Email::trusted("ann@example.com")
}

/// The characters RFC 5322 allows in a msg-id we produce, and the shape
/// `<left@right>` with dot-atoms on both sides.
fn assert_header_safe_message_id(id: &str) {
    assert!(id.starts_with('<') && id.ends_with('>'), "{id}");
    let inner = &id[1..id.len() - 1];
    let (left, right) = inner.split_once('@').expect("an @");
    for part in [left, right] {
        assert!(!part.is_empty(), "{id}");
        assert!(
            !part.starts_with('.') && !part.ends_with('.') && !part.contains(".."),
            "{id}"
        );
        assert!(
            part.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            "{id}"
        );
    }
}

#[test]
fn escape_html_escapes_the_five_special_characters() {
    assert_eq!(
        escape_html(r#"<script>alert('x') & "y"</script>"#),
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
    );
    assert_eq!(escape_html("&amp;"), "&amp;amp;");
    assert_eq!(escape_html("plain text, ünïcode"), "plain text, ünïcode");
    assert_eq!(escape_html(""), "");
}

#[test]
fn single_line_strips_cr_lf_and_other_controls() {
    assert_eq!(
        single_line("Order 1\r\nBcc: evil@example.com"),
        "Order 1  Bcc: evil@example.com"
    );
    assert_eq!(single_line("  a\tb\n"), "a b");
    assert_eq!(single_line("\r\n"), "");
    for nasty in ["x\ry", "x\ny", "x\u{0}y", "x\u{85}y", "x\u{1b}y"] {
        let s = single_line(nasty);
        assert!(!s.chars().any(char::is_control), "{nasty:?} -> {s:?}");
    }
}

#[test]
fn message_id_is_deterministic_and_header_safe() {
    let a = message_id("order-confirmation", "order-1", &ann(), "mail.example.com");
    assert_eq!(
        a,
        message_id("order-confirmation", "order-1", &ann(), "mail.example.com")
    );
    assert_header_safe_message_id(&a);
    assert!(a.ends_with("@mail.example.com>"), "{a}");
    let nasty = message_id("k\r\nBcc: x", "e <1>\n", &ann(), "evil\r\n.com");
    assert_header_safe_message_id(&nasty);
    let empty = message_id("", "", &ann(), "");
    assert_header_safe_message_id(&empty);
}

#[test]
fn message_id_differs_by_kind_entity_and_recipient() {
    let base = message_id("k", "e", &ann(), "d.com");
    assert_ne!(base, message_id("k2", "e", &ann(), "d.com"));
    assert_ne!(base, message_id("k", "e2", &ann(), "d.com"));
    assert_ne!(
        base,
        message_id("k", "e", &Email::trusted("bob@example.com"), "d.com")
    );
    // Addresses that differ only in punctuation are different recipients.
    let dot = message_id("k", "e", &Email::trusted("a.b@example.com"), "d.com");
    let underscore = message_id("k", "e", &Email::trusted("a_b@example.com"), "d.com");
    let dash = message_id("k", "e", &Email::trusted("a-b@example.com"), "d.com");
    assert_ne!(dot, underscore);
    assert_ne!(dot, dash);
    assert_ne!(underscore, dash);
    // Parts cannot bleed into each other.
    assert_ne!(
        message_id("a.b", "c", &ann(), "d.com"),
        message_id("a", "b.c", &ann(), "d.com")
    );
}

#[test]
fn order_confirmation_names_the_order_and_escapes_product_names() {
    let mut o = order(OrderStatus::Paid);
    o.lines[0].name = "<script>alert(1)</script>".into();
    o.lines[0].sku = "A&B".into();
    let m = order_confirmation(&ctx(), &o, &ann(), "Ann <Boss>");
    assert_eq!(m.to, ann());
    assert_eq!(m.from, ctx().from);
    assert_eq!(m.subject, "Tool & Die: order SO-000042 confirmed");
    assert!(m.text.contains("SO-000042"));
    assert!(m.html.contains("SO-000042"));
    assert!(!m.html.contains("<script>"), "{}", m.html);
    assert!(
        m.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        m.html
    );
    assert!(m.html.contains("A&amp;B"));
    assert!(m.html.contains("Ann &lt;Boss&gt;"));
    assert!(m.html.contains("Tool &amp; Die"));
    assert!(m.text.contains("Hello Ann <Boss>"));
    assert!(
        m.text
            .contains("2 x <script>alert(1)</script> (A&B) @ 5.00 USD = 10.73 USD"),
        "{}",
        m.text
    );
    assert!(m.text.contains("Total: 10.73 USD"));
    assert!(m.text.contains("Tax: 0.73 USD"));
    assert!(m.text.contains("1 Shop St, Town"));
    assert_header_safe_message_id(&m.message_id);
    assert_eq!(m, order_confirmation(&ctx(), &o, &ann(), "Ann <Boss>"));
}

#[test]
fn subjects_are_single_lines_whatever_the_shop_name() {
    let ctx = MailContext {
        shop_name: "Shop\r\nBcc: evil@example.com".into(),
        ..ctx()
    };
    let o = order(OrderStatus::Paid);
    for m in [
        order_confirmation(&ctx, &o, &ann(), "Ann"),
        new_order_notice(&ctx, &o, &ann(), &ann()),
    ] {
        assert!(
            !m.subject.contains('\r') && !m.subject.contains('\n'),
            "{:?}",
            m.subject
        );
    }
}

#[test]
fn order_tables_show_the_tax_exemption() {
    let mut o = order(OrderStatus::Paid);
    let plain = order_confirmation(&ctx(), &o, &ann(), "Ann");
    assert!(!plain.text.contains("Tax exempt"));
    assert!(!plain.html.contains("Tax exempt"));
    o.tax_exemption = Some(exemption());
    o.tax_total = rust_decimal::Decimal::new(0, 2);
    for m in [
        order_confirmation(&ctx(), &o, &ann(), "Ann"),
        new_order_notice(&ctx(), &o, &Email::trusted("admin@example.com"), &ann()),
    ] {
        assert!(
            m.text.contains("Tax exempt (certificate EX-1, CA)"),
            "{}",
            m.text
        );
        assert!(
            m.html.contains("Tax exempt (certificate EX-1, CA)"),
            "{}",
            m.html
        );
        assert!(m.text.contains("Tax: 0.00 USD"));
    }
    o.tax_exemption = Some(crate::business::TaxExemption {
        certificate_number: "<b>1</b>".into(),
        ..exemption()
    });
    let m = order_confirmation(&ctx(), &o, &ann(), "Ann");
    assert!(m.html.contains("&lt;b&gt;1&lt;/b&gt;"));
}

#[test]
fn new_order_notice_goes_to_the_admin_and_names_the_customer() {
    let admin = Email::trusted("admin@example.com");
    let o = order(OrderStatus::Paid);
    let m = new_order_notice(&ctx(), &o, &admin, &ann());
    assert_eq!(m.to, admin);
    assert_eq!(m.subject, "New order SO-000042 (10.73 USD)");
    assert!(m.text.contains("from ann@example.com"));
    assert!(m.html.contains("ann@example.com"));
    assert_header_safe_message_id(&m.message_id);
    let confirmation = order_confirmation(&ctx(), &o, &ann(), "Ann");
    assert_ne!(m.message_id, confirmation.message_id);
    let other_admin = new_order_notice(&ctx(), &o, &Email::trusted("boss@example.com"), &ann());
    assert_ne!(m.message_id, other_admin.message_id);
}

fn profile(granted: bool) -> BusinessProfile {
    BusinessProfile {
        user_id: UserId::new("user-1"),
        status: BusinessStatus::Approved,
        legal_name: "Acme <Ltd> & Co".into(),
        tax_id: "1".into(),
        phone: "1".into(),
        address: address(),
        tax_exempt_requested: granted,
        exemption_certificate: None,
        tax_exempt_granted: granted,
        rejection_reason: None,
        reviewed_at: Some(t0()),
        reviewed_by: Some(UserId::new("admin-1")),
        submitted_at: t0(),
    }
}

#[test]
fn business_approved_mail() {
    let m = business_approved(&ctx(), &profile(true), &ann());
    assert_eq!(m.subject, "Tool & Die: your business account is approved");
    assert!(m.text.contains("Acme <Ltd> & Co has been approved"));
    assert!(m.html.contains("Acme &lt;Ltd&gt; &amp; Co"));
    assert!(m.text.contains("tax exempt"));
    let no_exemption = business_approved(&ctx(), &profile(false), &ann());
    assert!(!no_exemption.text.contains("tax exempt"));
    assert_header_safe_message_id(&m.message_id);
    // A later review is another mail.
    let mut later = profile(true);
    later.reviewed_at = Some(t0() + Duration::days(1));
    assert_ne!(
        m.message_id,
        business_approved(&ctx(), &later, &ann()).message_id
    );
}

#[test]
fn business_rejected_mail_escapes_the_reason() {
    let mut p = profile(false);
    p.status = BusinessStatus::Rejected;
    p.rejection_reason = Some("Tax id <unreadable> & expired".into());
    let m = business_rejected(&ctx(), &p, &ann());
    assert_eq!(m.subject, "Tool & Die: your business profile needs changes");
    assert!(m.text.contains("Reason: Tax id <unreadable> & expired"));
    assert!(
        m.html
            .contains("Reason: Tax id &lt;unreadable&gt; &amp; expired")
    );
    assert_ne!(
        m.message_id,
        business_approved(&ctx(), &profile(false), &ann()).message_id
    );
}

#[test]
fn footer_without_an_address() {
    let ctx = MailContext {
        shop_address: String::new(),
        ..ctx()
    };
    let m = order_confirmation(&ctx, &order(OrderStatus::Paid), &ann(), "Ann");
    assert!(m.text.ends_with("\n-- \nTool & Die\n"), "{:?}", m.text);
}

#[test]
fn login_backoff_notice_tells_the_owner_and_links_the_password_reset_page() {
    let mut user =
        crate::test_support::user("u1", "ann@example.com", crate::account::Role::Customer);
    user.name = crate::account::PersonName::parse("Ann <b>Lee</b>").unwrap();
    let m = login_backoff_notice(&ctx(), &user, 5, "https://shop.example/", "e-1");
    assert_eq!(m.to, ann());
    assert_eq!(m.subject, "Tool & Die: sign-ins to your account are paused");
    assert!(m.text.contains("Hello Ann <b>Lee</b>,"), "{}", m.text);
    assert!(m.text.contains("5 failed sign-ins"), "{}", m.text);
    assert!(
        m.text.contains("https://shop.example/forgot-password\n"),
        "{}",
        m.text
    );
    assert!(m.html.contains("Ann &lt;b&gt;Lee&lt;/b&gt;"), "{}", m.html);
    assert!(!m.text.contains("token"), "{}", m.text);
    assert_header_safe_message_id(&m.message_id);
    assert_ne!(
        m.message_id,
        login_backoff_notice(&ctx(), &user, 5, "https://shop.example", "e-2").message_id
    );
}
