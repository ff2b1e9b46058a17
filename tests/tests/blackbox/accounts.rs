//! Accounts: registration, login, profile, password change, login throttle.

use serde_json::json;
use shop_blackbox::{ANON, CUSTOMER_PASSWORD, TestApp, spawn_app, unique};

fn new_email() -> String {
    format!("{}@example.com", unique("acct"))
}

#[tokio::test]
async fn register_returns_the_user_and_login_returns_tokens_and_next_action() {
    let app = spawn_app().await;
    let email = new_email();
    let reg = app
        .register(&email, CUSTOMER_PASSWORD, "Robin Register")
        .await;
    let user = &reg.expect(201)["user"];
    assert!(user["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(user["email"], email.as_str());
    assert_eq!(user["name"], "Robin Register");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["status"], "active");
    assert!(user["created_at"].is_string());
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());

    let login = app.login(&email, CUSTOMER_PASSWORD).await;
    let body = login.expect(200);
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().is_some_and(|s| s > 0));
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 32)
    );
    assert_eq!(body["user"]["id"], user["id"]);
    assert_eq!(body["business_status"], "none");
    assert_eq!(body["next_action"], "complete_business_profile");
}

#[tokio::test]
async fn email_is_normalised_and_a_duplicate_is_409_email_taken() {
    let app = spawn_app().await;
    let email = new_email();
    app.register(&email, CUSTOMER_PASSWORD, "First")
        .await
        .expect(201);
    app.register(&email, CUSTOMER_PASSWORD, "Second")
        .await
        .problem(409, "email_taken");
    app.register(
        &format!("  {}  ", email.to_uppercase()),
        CUSTOMER_PASSWORD,
        "Third",
    )
    .await
    .problem(409, "email_taken");
    // Login works with the address as typed differently.
    app.login(&email.to_uppercase(), CUSTOMER_PASSWORD)
        .await
        .expect(200);
}

#[tokio::test]
async fn register_refuses_a_client_setting_its_role() {
    let app = spawn_app().await;
    let email = new_email();
    let resp = app
        .post(
            "/api/v1/auth/register",
            ANON,
            &json!({"email": email, "password": CUSTOMER_PASSWORD, "name": "Mallory", "role": "admin"}),
        )
        .await;
    resp.invalid("role");
    // Nothing was created.
    app.login(&email, CUSTOMER_PASSWORD)
        .await
        .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn register_validation_reports_each_bad_field() {
    let app = spawn_app().await;
    let resp = app.register("not-an-email", "short", "").await;
    resp.invalid("email");
    resp.invalid("password");
    resp.invalid("name");
    app.register(&new_email(), "password123", "Pat")
        .await
        .invalid("password");
    // A missing member is a validation failure too, not a 500.
    app.post(
        "/api/v1/auth/register",
        ANON,
        &json!({"email": new_email()}),
    )
    .await
    .invalid("password");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_are_indistinguishable() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let wrong = app.login(&c.email, "Wrong-password-123").await;
    let unknown = app.login(&new_email(), "Wrong-password-123").await;
    wrong.problem(401, "invalid_credentials");
    unknown.problem(401, "invalid_credentials");
    for member in ["type", "title", "detail", "code", "status"] {
        assert_eq!(wrong.body[member], unknown.body[member], "member {member}");
    }
}

#[tokio::test]
async fn me_reads_and_renames_the_caller() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let me = app.get("/api/v1/me", &c).await;
    assert_eq!(me.expect(200)["user"]["id"], c.id.as_str());
    assert_eq!(me.body["user"]["email"], c.email.as_str());

    let renamed = app
        .patch("/api/v1/me", &c, &json!({"name": "Casey Renamed"}))
        .await;
    assert_eq!(renamed.expect(200)["user"]["name"], "Casey Renamed");
    let me = app.get("/api/v1/me", &c).await;
    assert_eq!(me.expect(200)["user"]["name"], "Casey Renamed");

    app.patch("/api/v1/me", &c, &json!({"name": ""}))
        .await
        .invalid("name");
    app.patch("/api/v1/me", &c, &json!({"name": "X", "role": "admin"}))
        .await
        .invalid("role");
    app.patch(
        "/api/v1/me",
        &c,
        &json!({"name": "X", "email": "x@example.com"}),
    )
    .await
    .invalid("email");
    let me = app.get("/api/v1/me", &c).await;
    assert_eq!(me.expect(200)["user"]["role"], "customer");
    assert_eq!(me.body["user"]["email"], c.email.as_str());
}

#[tokio::test]
async fn password_change_ends_the_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let other = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;

    app.post(
        "/api/v1/me/password",
        &c,
        &json!({"current_password": "Not-the-password-1", "new_password": "Brand-new-secret-42"}),
    )
    .await
    .invalid("current_password");
    app.post(
        "/api/v1/me/password",
        &c,
        &json!({"current_password": c.password, "new_password": "short"}),
    )
    .await
    .invalid("new_password");

    let changed = app
        .post(
            "/api/v1/me/password",
            &c,
            &json!({"current_password": c.password, "new_password": "Brand-new-secret-42"}),
        )
        .await;
    // This session goes on with the new pair; every earlier access token
    // (this session's too) is over, and the other session's refresh token.
    let pair = changed.expect(200);
    let access = pair["access_token"].as_str().expect("a new access token");
    assert_eq!(changed.header("cache-control"), Some("no-store"));
    app.get("/api/v1/me", access).await.expect(200);
    app.get("/api/v1/me", &c)
        .await
        .problem(401, "invalid_token");
    // A client that ignored the body refreshes with this session's token.
    app.post(
        "/api/v1/auth/refresh",
        ANON,
        &json!({"refresh_token": c.refresh_token}),
    )
    .await
    .expect(200);
    assert_eq!(app.get("/api/v1/me", &other).await.status, 401);
    app.get("/api/v1/me", &other)
        .await
        .problem(401, "invalid_token");
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            ANON,
            &json!({"refresh_token": other.refresh_token}),
        )
        .await;
    assert_eq!(refresh.status, 401, "{}", refresh.text);

    app.login(&c.email, &c.password)
        .await
        .problem(401, "invalid_credentials");
    app.login(&c.email, "Brand-new-secret-42").await.expect(200);
}

#[tokio::test]
async fn password_changes_are_rate_limited_per_user() {
    let app = TestApp::builder()
        .env("SHOP_RATE_LIMIT_PASSWORD_CHANGE_PER_MINUTE", "2")
        .spawn()
        .await;
    let c = app.customer().await;
    let wrong =
        json!({"current_password": "Not-the-password-1", "new_password": "Brand-new-secret-42"});
    for _ in 0..2 {
        app.post("/api/v1/me/password", &c, &wrong)
            .await
            .invalid("current_password");
    }
    let limited = app.post("/api/v1/me/password", &c, &wrong).await;
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    // Another user has their own quota.
    let d = app.customer().await;
    app.post("/api/v1/me/password", &d, &wrong)
        .await
        .invalid("current_password");
}

/// The case: 1,000 wrong passwords for one account, each from
/// another IPv6 address (another /64, so no per-client limit applies): the
/// account backs off after the configured number of failures, refusing the
/// rest without checking them; the owner gets in once the back-off ends.
#[tokio::test]
async fn one_account_backs_off_whatever_the_ipv6_address_and_the_owner_gets_in_after() {
    const BEFORE_BACKOFF: usize = 5;
    let app = TestApp::builder()
        .env("SHOP_TRUST_PROXY", "127.0.0.1,::1")
        .env("SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", "5")
        .env("SHOP_LOGIN_BACKOFF_BASE_SECONDS", "1")
        .env("SHOP_LOGIN_BACKOFF_MAX_SECONDS", "2")
        .env("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "3")
        .spawn()
        .await;
    let c = app.customer().await;
    let body = json!({"email": c.email, "password": "Wrong-password-123"});
    let mut statuses = Vec::new();
    let mut last_refusal = None;
    for i in 0..1000u32 {
        let attacker = format!("2001:db8:{:x}:{:x}::{:x}", i >> 16, i & 0xffff, i + 1);
        let resp = app
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                ANON,
                Some(&body),
                &[("x-forwarded-for", attacker.as_str())],
            )
            .await;
        match resp.status {
            401 => {
                resp.problem(401, "invalid_credentials");
            }
            429 => {
                resp.problem(429, "login_backoff");
                last_refusal = Some(resp.header("retry-after").map(str::to_string));
            }
            _ => panic!("unexpected answer: {} {}", resp.status, resp.text),
        }
        statuses.push(resp.status);
    }
    assert!(
        statuses[..BEFORE_BACKOFF].iter().all(|s| *s == 401),
        "the first {BEFORE_BACKOFF} failures are answered normally: {:?}",
        &statuses[..BEFORE_BACKOFF + 1]
    );
    assert_eq!(statuses[BEFORE_BACKOFF], 429, "then the account backs off");
    // Each failure after the threshold only comes once a back-off ended
    // (1 s, then 2 s): however slow this machine, almost all are refused
    // without a password check.
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= BEFORE_BACKOFF + 100,
        "{checked} of 1000 attempts were checked"
    );
    let retry_after: u64 = last_refusal
        .flatten()
        .and_then(|v| v.parse().ok())
        .expect("a refusal says when to retry");
    assert!((1..=2).contains(&retry_after), "{retry_after}");

    // The owner, from their own address, while the back-off lasts: refused
    // too (it is the account that backs off, not the addresses).
    let owner = json!({"email": c.email, "password": c.password});
    let mut resp = app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            ANON,
            Some(&owner),
            &[("x-forwarded-for", "203.0.113.7")],
        )
        .await;
    // Waiting what Retry-After says (never a fixed guess) lets them in.
    for _ in 0..5 {
        if resp.status != 429 {
            break;
        }
        resp.problem(429, "login_backoff");
        let wait: u64 = resp
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        resp = app
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                ANON,
                Some(&owner),
                &[("x-forwarded-for", "203.0.113.7")],
            )
            .await;
    }
    resp.expect(200);
    // The success starts over: one more failure is answered normally.
    app.send(
        reqwest::Method::POST,
        "/api/v1/auth/login",
        ANON,
        Some(&body),
        &[("x-forwarded-for", "2001:db8:ffff::1")],
    )
    .await
    .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn an_unknown_address_backs_off_like_an_account() {
    let app = TestApp::builder()
        .env("SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", "2")
        .env("SHOP_LOGIN_BACKOFF_BASE_SECONDS", "600")
        .spawn()
        .await;
    let nobody = new_email();
    failed_login(&app, &nobody)
        .await
        .problem(401, "invalid_credentials");
    failed_login(&app, &nobody)
        .await
        .problem(401, "invalid_credentials");
    let refused = failed_login(&app, &nobody).await;
    refused.problem(429, "login_backoff");
    assert!(
        refused
            .header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| (590..=600).contains(&s)),
        "{:?}",
        refused.header("retry-after")
    );
}

async fn failed_login(app: &TestApp, email: &str) -> shop_blackbox::Resp {
    app.login(email, "Wrong-password-123").await
}

#[tokio::test]
async fn login_is_rate_limited_with_retry_after() {
    let app = TestApp::builder()
        .env("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "3")
        .spawn()
        .await;
    let c = app.customer().await;
    // Three attempts a minute: whether the fixture's successful login counts
    // or only failures do, the fifth attempt at the latest is refused.
    failed_login(&app, &c.email)
        .await
        .problem(401, "invalid_credentials");
    failed_login(&app, &c.email)
        .await
        .problem(401, "invalid_credentials");
    let mut limited = failed_login(&app, &c.email).await;
    if limited.status == 401 {
        limited = failed_login(&app, &c.email).await;
    }
    limited.problem(429, "rate_limited");
    let retry_after = limited
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert!(
        retry_after.is_some_and(|s| (1..=60).contains(&s)),
        "Retry-After should be whole seconds within the minute: {:?}",
        limited.header("retry-after")
    );
    // The right password does not get through the throttle either.
    app.login(&c.email, &c.password)
        .await
        .problem(429, "rate_limited");
    // Other routes are not throttled by the login limit.
    app.get("/api/v1/me", &c).await.expect(200);
}

#[tokio::test]
async fn registration_and_contact_are_rate_limited_too() {
    let app = TestApp::builder()
        .env("SHOP_RATE_LIMIT_REGISTER_PER_MINUTE", "2")
        .env("SHOP_RATE_LIMIT_CONTACT_PER_MINUTE", "2")
        .spawn()
        .await;
    app.register(&new_email(), CUSTOMER_PASSWORD, "One")
        .await
        .expect(201);
    app.register(&new_email(), CUSTOMER_PASSWORD, "Two")
        .await
        .expect(201);
    let limited = app.register(&new_email(), CUSTOMER_PASSWORD, "Three").await;
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());

    let message =
        json!({"name": "Vi", "email": "vi@example.com", "subject": "Hi", "message": "Hello"});
    app.post("/api/v1/contact", ANON, &message)
        .await
        .expect(202);
    app.post("/api/v1/contact", ANON, &message)
        .await
        .expect(202);
    let limited = app.post("/api/v1/contact", ANON, &message).await;
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

/// A customer who registered the address an operator later configures as
/// `SHOP_ADMIN_EMAIL` stays a customer with their own password: only the
/// explicit `shop-api admin promote` makes them an admin.
#[tokio::test]
async fn the_configured_admin_address_never_promotes_a_registered_customer() {
    let mut app = spawn_app().await;
    let email = new_email();
    app.register(&email, CUSTOMER_PASSWORD, "Early Bird")
        .await
        .expect(201);
    app.set_env("SHOP_ADMIN_EMAIL", &email);
    app.set_env("SHOP_ADMIN_PASSWORD", "configured-admin-pw-1");
    app.restart().await;

    app.login(&email, "configured-admin-pw-1")
        .await
        .problem(401, "invalid_credentials");
    let body = app
        .login(&email, CUSTOMER_PASSWORD)
        .await
        .expect(200)
        .clone();
    assert_eq!(body["user"]["role"], "customer");
    assert!(
        app.stdout().contains("shop-api admin promote"),
        "the log says what to do: {}",
        app.stdout()
    );

    let out = app.run(&["admin", "promote", &email]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The customer's token ended with the promotion; a new sign-in is an admin.
    let old = body["access_token"].as_str().unwrap();
    app.get("/api/v1/me", old)
        .await
        .problem(401, "invalid_token");
    let body = app
        .login(&email, CUSTOMER_PASSWORD)
        .await
        .expect(200)
        .clone();
    assert_eq!(body["user"]["role"], "admin");
}

/// An admin that another admin inactivated stays inactive across restarts
/// although it is the configured one; `admin create` adds that other admin
/// and refuses an address that has an account.
#[tokio::test]
async fn an_inactivated_configured_admin_stays_inactive_after_a_restart() {
    let mut app = spawn_app().await;
    let configured = app.admin_token().await;
    let me = app
        .get("/api/v1/me", configured.as_str())
        .await
        .expect(200)
        .clone();
    let configured_id = me["user"]["id"].as_str().unwrap().to_string();

    let boss = new_email();
    let out = app.run_with_stdin(&["admin", "create", &boss], "boss-password-123\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = app.run_with_stdin(&["admin", "create", &boss], "boss-password-123\n");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("admin promote"));
    let weak = app.run_with_stdin(&["admin", "create", &new_email()], "short\n");
    assert!(!weak.status.success());

    let boss_login = app
        .login(&boss, "boss-password-123")
        .await
        .expect(200)
        .clone();
    assert_eq!(boss_login["user"]["role"], "admin");
    let boss_token = boss_login["access_token"].as_str().unwrap().to_string();
    app.post_empty(
        &format!("/api/v1/admin/users/{configured_id}/inactivate"),
        boss_token.as_str(),
    )
    .await
    .expect(200);

    app.restart().await;
    app.login(shop_blackbox::ADMIN_EMAIL, shop_blackbox::ADMIN_PASSWORD)
        .await
        .problem(401, "account_inactive");
}

// ------------------------------------------------- e-mail verification, reset

pub(super) const PUBLIC_URL: &str = "https://shop.test";

/// An app that requires verified addresses and links to [`PUBLIC_URL`].
async fn verifying_app() -> TestApp {
    TestApp::builder()
        .env("SHOP_REQUIRE_EMAIL_VERIFICATION", "true")
        .env("SHOP_PUBLIC_URL", PUBLIC_URL)
        .spawn()
        .await
}

/// Waits for the `n`-th mail (1-based, in delivery order) to `email` whose
/// text links to `path`, and returns the token of its link.
pub(super) async fn link_token(app: &TestApp, email: &str, path: &str, n: usize) -> String {
    let needle = format!("{PUBLIC_URL}{path}?token=");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut mails: Vec<serde_json::Value> = app
            .mail_files_naming(email)
            .into_iter()
            .filter(|m| m["to"] == email && m["text"].as_str().is_some_and(|t| t.contains(&needle)))
            .collect();
        if mails.len() >= n {
            mails.sort_by(|a, b| a["sent_at"].as_str().cmp(&b["sent_at"].as_str()));
            let text = mails[n - 1]["text"].as_str().unwrap_or_default();
            let start = text.find(&needle).expect("the link") + needle.len();
            return text[start..]
                .split_whitespace()
                .next()
                .expect("a token")
                .to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail {n} to {email} linking {path}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_unverified_customer_cannot_order_until_the_mailed_link_verifies_them() {
    let app = verifying_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "12.50", 5).await;
    let product_id = product["id"].as_str().expect("product id");
    let c = app.customer().await;
    assert_eq!(
        c.login["user"]["email_verified_at"],
        serde_json::Value::Null
    );

    // Browsing, quoting and the profile work; ordering and a business
    // profile wait for the address.
    app.get("/api/v1/products", &c).await.expect(200);
    let quote_id = app.quote_id(&c.token, product_id, 1).await;
    app.place_order(&c.token, &quote_id, "cnon:card-nonce-ok", &unique("key"))
        .await
        .problem(403, "email_unverified");
    app.put("/api/v1/me/business", &c, &super::business::profile(false))
        .await
        .problem(403, "email_unverified");
    app.patch("/api/v1/me", &c, &json!({"name": "Casey Renamed"}))
        .await
        .expect(200);
    let admin_view = app
        .get(&format!("/api/v1/admin/users/{}", c.id), admin.as_str())
        .await;
    assert_eq!(
        admin_view.expect(200)["user"]["email_verified_at"],
        serde_json::Value::Null,
        "{}",
        admin_view.text
    );

    let token = link_token(&app, &c.email, "/verify", 1).await;
    let verified = app
        .post("/api/v1/auth/verify-email", ANON, &json!({"token": token}))
        .await;
    let user = &verified.expect(200)["user"];
    assert_eq!(user["id"], c.id.as_str());
    assert!(user["email_verified_at"].is_string(), "{user}");
    // The link works once; a made-up one never.
    app.post("/api/v1/auth/verify-email", ANON, &json!({"token": token}))
        .await
        .problem(400, "token_invalid");
    app.post(
        "/api/v1/auth/verify-email",
        ANON,
        &json!({"token": "not-a-real-token"}),
    )
    .await
    .problem(400, "token_invalid");

    // The same access token orders now: the next request sees the address.
    let me = app.get("/api/v1/me", &c).await;
    assert!(me.expect(200)["user"]["email_verified_at"].is_string());
    let placed = app
        .place_order(&c.token, &quote_id, "cnon:card-nonce-ok", &unique("key"))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    app.put("/api/v1/me/business", &c, &super::business::profile(false))
        .await
        .expect(200);
    let admin_view = app
        .get(&format!("/api/v1/admin/users/{}", c.id), admin.as_str())
        .await;
    assert!(admin_view.expect(200)["user"]["email_verified_at"].is_string());
}

#[tokio::test]
async fn resend_verification_mails_a_new_link_and_answers_alike_for_unknown_addresses() {
    let app = verifying_app().await;
    let c = app.customer().await;
    let first = link_token(&app, &c.email, "/verify", 1).await;
    let known = app
        .post(
            "/api/v1/auth/resend-verification",
            ANON,
            &json!({"email": c.email}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/resend-verification",
            ANON,
            &json!({"email": format!("{}@example.com", unique("nobody"))}),
        )
        .await;
    assert_eq!(known.status, 202, "{}", known.text);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.text, known.text);
    let second = link_token(&app, &c.email, "/verify", 2).await;
    assert_ne!(first, second);
    app.post("/api/v1/auth/verify-email", ANON, &json!({"token": second}))
        .await
        .expect(200);
    app.post(
        "/api/v1/auth/resend-verification",
        ANON,
        &json!({"email": "not an address"}),
    )
    .await
    .invalid("email");
}

#[tokio::test]
async fn password_reset_works_once_and_ends_every_session() {
    let app = TestApp::builder()
        .env("SHOP_PUBLIC_URL", PUBLIC_URL)
        .spawn()
        .await;
    let c = app.customer().await;
    let other = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;
    let asked = app
        .post(
            "/api/v1/auth/password-reset",
            ANON,
            &json!({"email": c.email}),
        )
        .await;
    asked.expect(202);
    let token = link_token(&app, &c.email, "/reset-password", 1).await;

    // The password rules of registration; a refused password keeps the link.
    app.post(
        "/api/v1/auth/password-reset/confirm",
        ANON,
        &json!({"token": token, "new_password": "short"}),
    )
    .await
    .invalid("new_password");
    app.post(
        "/api/v1/auth/password-reset/confirm",
        ANON,
        &json!({"token": token, "new_password": "Brand-new-secret-42"}),
    )
    .await
    .expect(204);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        ANON,
        &json!({"token": token, "new_password": "Another-new-secret-43"}),
    )
    .await
    .problem(400, "token_invalid");

    // Every session is over, access and refresh alike.
    for session in [&c, &other] {
        assert_eq!(app.get("/api/v1/me", session).await.status, 401);
        let refresh = app
            .post(
                "/api/v1/auth/refresh",
                ANON,
                &json!({"refresh_token": session.refresh_token}),
            )
            .await;
        assert_eq!(refresh.status, 401, "{}", refresh.text);
    }
    app.login(&c.email, &c.password)
        .await
        .problem(401, "invalid_credentials");
    let login = app.login(&c.email, "Brand-new-secret-42").await;
    assert!(login.expect(200)["user"]["email_verified_at"].is_string());
}

#[tokio::test]
async fn password_reset_for_an_unknown_address_answers_exactly_like_a_known_one() {
    let app = TestApp::builder()
        .env("SHOP_PUBLIC_URL", PUBLIC_URL)
        .spawn()
        .await;
    let c = app.customer().await;
    let nobody = format!("{}@example.com", unique("nobody"));
    let known = app
        .post(
            "/api/v1/auth/password-reset",
            ANON,
            &json!({"email": c.email}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/password-reset",
            ANON,
            &json!({"email": nobody}),
        )
        .await;
    assert_eq!(known.status, 202, "{}", known.text);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.text, known.text);
    assert_eq!(unknown.content_type(), known.content_type());
    link_token(&app, &c.email, "/reset-password", 1).await;
    assert!(app.mail_files_naming(&nobody).is_empty());
    app.post(
        "/api/v1/auth/password-reset",
        ANON,
        &json!({"email": "not an address"}),
    )
    .await
    .invalid("email");
}

#[tokio::test]
async fn resend_and_reset_are_rate_limited_per_client() {
    let app = TestApp::builder()
        .env("SHOP_RATE_LIMIT_REGISTER_PER_MINUTE", "2")
        .spawn()
        .await;
    for path in [
        "/api/v1/auth/resend-verification",
        "/api/v1/auth/password-reset",
    ] {
        let body = json!({"email": format!("{}@example.com", unique("rl"))});
        app.post(path, ANON, &body).await.expect(202);
        app.post(path, ANON, &body).await.expect(202);
        let limited = app.post(path, ANON, &body).await;
        limited.problem(429, "rate_limited");
        assert!(limited.header("retry-after").is_some());
    }
}

/// shop-api dies (SIGKILL) after a registration and a reset request were
/// recorded but before any mail left: the links are in the outbox and their
/// tokens in the database, so a worker started after the restart delivers
/// both and both work once. (The reset request is recorded just after its
/// 202, so the answer's timing says nothing about the address; a crash in
/// those milliseconds loses that one request, which the customer repeats.)
#[tokio::test]
async fn links_asked_for_before_a_crash_arrive_and_work_after_the_restart() {
    let mut app = TestApp::builder()
        .env("SHOP_REQUIRE_EMAIL_VERIFICATION", "true")
        .env("SHOP_PUBLIC_URL", PUBLIC_URL)
        .env("SHOP_WORKER", "off")
        .spawn()
        .await;
    let c = app.customer().await;
    app.post(
        "/api/v1/auth/password-reset",
        ANON,
        &json!({"email": c.email}),
    )
    .await
    .expect(202);
    let admin = app.admin_token().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let unsent = app
            .walk("/api/v1/admin/mail?status=unsent", admin.as_str(), 50)
            .await;
        let to_customer = unsent
            .iter()
            .filter(|m| m["to"] == c.email.as_str())
            .count();
        if to_customer == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the two links were never recorded: {unsent:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        app.mail_files_naming(&c.email).is_empty(),
        "nothing delivers mail yet"
    );
    app.restart().await;
    let _worker = app.spawn_worker();

    let verify = link_token(&app, &c.email, "/verify", 1).await;
    let reset = link_token(&app, &c.email, "/reset-password", 1).await;
    app.post("/api/v1/auth/verify-email", ANON, &json!({"token": verify}))
        .await
        .expect(200);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        ANON,
        &json!({"token": reset, "new_password": "After-the-crash-42"}),
    )
    .await
    .expect(204);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        ANON,
        &json!({"token": reset, "new_password": "Twice-after-the-crash-43"}),
    )
    .await
    .problem(400, "token_invalid");
    let login = app.login(&c.email, "After-the-crash-42").await;
    assert!(login.expect(200)["user"]["email_verified_at"].is_string());
}
