//! A bad setting stops start-up with one clear line naming it.

use shop_blackbox::TestApp;

#[track_caller]
fn refuses(builder: shop_blackbox::AppBuilder, variable: &str) {
    let (status, stderr) = builder.run_to_exit();
    assert!(!status.success(), "{variable}: exited with {status}");
    assert!(
        status.code().is_some(),
        "{variable}: killed by a signal ({status}), not a clean exit"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "{variable}: want one stderr line, got:\n{stderr}"
    );
    assert!(
        lines[0].contains(variable),
        "{variable} not named in: {stderr}"
    );
    for panic_text in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(
            !stderr.contains(panic_text),
            "{variable}: panic text in:\n{stderr}"
        );
    }
}

#[test]
fn an_unknown_currency_stops_start_up() {
    refuses(
        TestApp::builder().env("SHOP_CURRENCY", "XX"),
        "SHOP_CURRENCY",
    );
}

#[test]
fn an_unknown_payments_adapter_stops_start_up() {
    refuses(
        TestApp::builder().env("SHOP_PAYMENTS", "bogus"),
        "SHOP_PAYMENTS",
    );
}

#[test]
fn an_unknown_worker_mode_stops_start_up() {
    refuses(
        TestApp::builder().env("SHOP_WORKER", "sometimes"),
        "SHOP_WORKER",
    );
}

#[test]
fn an_unknown_mail_adapter_stops_start_up() {
    refuses(TestApp::builder().env("SHOP_MAIL", "pigeon"), "SHOP_MAIL");
}

#[test]
fn a_malformed_bind_address_stops_start_up() {
    // SHOP_BIND is set by the harness; a bad one comes through `env`.
    refuses(
        TestApp::builder().env("SHOP_BIND", "not-an-address"),
        "SHOP_BIND",
    );
}

#[test]
fn a_non_numeric_quote_ttl_stops_start_up() {
    refuses(
        TestApp::builder().env("SHOP_QUOTE_TTL_SECONDS", "soon"),
        "SHOP_QUOTE_TTL_SECONDS",
    );
}

#[test]
fn an_admin_email_without_a_password_stops_start_up() {
    refuses(
        TestApp::builder().without("SHOP_ADMIN_PASSWORD"),
        "SHOP_ADMIN_PASSWORD",
    );
}
