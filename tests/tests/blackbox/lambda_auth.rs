//! The serverless auth path end to end: the auth Lambda (`apps/lambda-auth`,
//! called with API Gateway v2 events) registers and signs in a customer on
//! DynamoDB (moto), and the access token it issues opens `GET /api/v1/me` on
//! `shop-api`, which shares the accounts table and trusts the Lambda's keys
//! through its JWKS (`SHOP_JWT_JWKS_URL`). Both use the same relational
//! store: business profiles (a business shop-api's admin approves is the
//! status the Lambda's sign-in reports), the verification and reset links,
//! and the outbox, where the Lambda records its mails and shop-api's worker
//! delivers them. The sign-in back-off counters live in the accounts table,
//! shared by both. Never skipped: without moto it fails and says how to
//! start it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use shop_blackbox::{TempDir, TestApp, address, serve_json, unique};
use shop_crypto::Ed25519Key;
use shop_domain::account::{AccountToken, AccountTokenPurpose, AccountTokenStore as _};
use shop_domain::ids::UserId;
use shop_dynamodb::{DynamoAccountStore, DynamoTables, create_tables};
use shop_lambda_auth::{AuthLambda, Config, MAIL_ANSWER_FLOOR};
use shop_sql::SqlStore;

use super::accounts::{PUBLIC_URL, link_token};

const PASSWORD: &str = "Tr0ub4dor&3-long-enough";

fn new_email() -> String {
    format!("{}@example.com", unique("lambda"))
}

/// One of the Lambda's API Gateway v2 event fixtures, with `body` and
/// `headers` added.
fn event(name: &str, body: &Value, headers: &[(&str, &str)]) -> String {
    let path = format!(
        "{}/../apps/lambda-auth/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON");
    let body = body.to_string();
    event["headers"]["content-length"] = json!(body.len().to_string());
    event["body"] = json!(body);
    for (name, value) in headers {
        event["headers"][*name] = json!(value);
    }
    event.to_string()
}

/// The Lambda's answer: status, headers and the body as sent.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    text: String,
    /// The body parsed as JSON; `Value::Null` when it is not JSON.
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    #[track_caller]
    fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {self:?}");
        &self.body
    }

    /// A problem+json answer with this status and code.
    #[track_caller]
    fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(self.body["code"], code, "{self:?}");
        assert_eq!(self.body["status"], status, "{self:?}");
        &self.body
    }

    /// A 422 naming `field`.
    #[track_caller]
    fn invalid(&self, field: &str) {
        self.problem(422, "validation_failed");
        let named = self.body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field));
        assert!(named, "{field} not named: {self:?}");
    }
}

/// The serverless auth path on new tables in moto, next to shop-api: the
/// Lambda (a fresh key; the relational store shop-api migrates; links to
/// [`PUBLIC_URL`]) and shop-api on the same accounts table and relational
/// store, trusting the Lambda's JWKS. The mails the Lambda records in the
/// shared outbox are delivered by shop-api's embedded worker to its file
/// mailbox, where the tests read them.
struct Serverless {
    lambda: AuthLambda,
    /// The JWKS document the Lambda publishes.
    jwks: String,
    app: TestApp,
    /// The relational store they share (business profiles, account links,
    /// the mail outbox), as the Lambda opens it.
    sql: SqlStore,
    /// The SQLite file's directory, when the backend is SQLite; dropped
    /// after the app.
    _sqlite_dir: TempDir,
}

impl Serverless {
    /// `lambda_env` and `app_env` over the wiring above.
    async fn start(lambda_env: &[(&str, &str)], app_env: &[(&str, &str)]) -> Self {
        let url = shop_blackbox::moto_url();
        let client = shop_blackbox::moto_dynamodb(&url).await;
        let prefix = unique("la");
        let tables = DynamoTables::with_prefix(&prefix);
        create_tables(&client, &tables).await.expect("tables");
        let pem = Ed25519Key::generate()
            .expect("key")
            .to_pkcs8_pem()
            .expect("pem");
        // The relational store shop-api will migrate and the Lambda uses.
        let mut builder = TestApp::builder().with_test_backend();
        let sqlite_dir = TempDir::new("shop-lambda-auth");
        let database_url = match builder.database_url() {
            Some(url) => url.to_string(),
            None => format!("sqlite://{}", sqlite_dir.path().join("shop.db").display()),
        };
        let mut vars = HashMap::from([
            ("SHOP_JWT_PRIVATE_KEY_PEM".to_string(), pem.to_string()),
            ("SHOP_DATABASE_URL".to_string(), database_url.clone()),
            ("SHOP_PUBLIC_URL".to_string(), PUBLIC_URL.to_string()),
        ]);
        vars.extend(
            lambda_env
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        );
        let config = Config::from_env(&|name| vars.get(name).cloned()).expect("config");
        let sql = SqlStore::connect(&config.database_url, &config.database_pool)
            .await
            .expect("the relational store");
        let lambda = AuthLambda::new(
            DynamoAccountStore::new(client, tables),
            Arc::new(sql.clone()),
            config,
        );
        let jwks = call(&lambda, &event("jwks.json", &Value::Null, &[])).await;
        assert_eq!(jwks.status, 200, "{jwks:?}");
        let jwks_url = serve_json(jwks.text.clone()).await;
        builder = builder
            .env("SHOP_DATABASE_URL", &database_url)
            .env("SHOP_ACCOUNTS", "dynamodb")
            .env("SHOP_DYNAMODB_ENDPOINT_URL", &url)
            .env("SHOP_DYNAMODB_TABLE_PREFIX", &prefix)
            .env("SHOP_DYNAMODB_REGION", "us-east-1")
            .env("SHOP_JWT_JWKS_URL", &jwks_url)
            .env("SHOP_PUBLIC_URL", PUBLIC_URL)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1");
        for (key, value) in app_env {
            builder = builder.env(key, value);
        }
        Self {
            lambda,
            jwks: jwks.text,
            app: builder.spawn().await,
            sql,
            _sqlite_dir: sqlite_dir,
        }
    }

    /// The fixture's event with `body`, answered by the Lambda.
    async fn call(&self, fixture: &str, body: &Value) -> Reply {
        call(&self.lambda, &event(fixture, body, &[])).await
    }

    async fn register(&self, email: &str, name: &str) -> Value {
        let reply = self
            .call(
                "register.json",
                &json!({"email": email, "password": PASSWORD, "name": name}),
            )
            .await;
        reply.expect(201)["user"].clone()
    }

    async fn login(&self, email: &str, password: &str) -> Reply {
        self.call("login.json", &json!({"email": email, "password": password}))
            .await
    }

    /// [`Self::call`], and how long the Lambda took to answer.
    async fn timed_call(&self, fixture: &str, body: &Value) -> (Reply, std::time::Duration) {
        let event = event(fixture, body, &[]);
        let started = std::time::Instant::now();
        let reply = call(&self.lambda, &event).await;
        (reply, started.elapsed())
    }

    /// A signed-in session: its access and refresh tokens.
    async fn session(&self, email: &str, password: &str) -> (String, String) {
        let reply = self.login(email, password).await;
        let body = reply.expect(200);
        let token = |name: &str| body[name].as_str().expect(name).to_string();
        (token("access_token"), token("refresh_token"))
    }

    /// Stores a link for `user_id` whose lifetime ended an hour ago, as
    /// the Lambda would have stored it a day earlier, and returns its token.
    async fn expired_link(&self, user_id: &str, purpose: AccountTokenPurpose) -> String {
        let token = unique("expired-link");
        let now = chrono::Utc::now();
        self.sql
            .insert(&AccountToken {
                token_hash: format!("{:x}", Sha256::digest(token.as_bytes())),
                user_id: UserId::new(user_id),
                purpose,
                created_at: now - chrono::Duration::days(1),
                expires_at: now - chrono::Duration::hours(1),
                used_at: None,
            })
            .await
            .expect("an expired link");
        token
    }
}

async fn call(lambda: &AuthLambda, event: &str) -> Reply {
    let request = lambda_http::request::from_str(event).expect("an API Gateway v2 event");
    let response = lambda.handle(request).await;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().expect("a text header").to_string(),
            )
        })
        .collect();
    let text = String::from_utf8(response.body().as_ref().to_vec()).expect("a UTF-8 body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        body,
    }
}

#[tokio::test]
async fn a_token_from_the_auth_lambda_opens_me_on_shop_api() {
    let s = Serverless::start(&[], &[]).await;
    let app = &s.app;
    let email = new_email();
    let registered = s.register(&email, "Lena Lambda").await;
    let login = s.login(&email, PASSWORD).await;
    let login = login.expect(200);
    assert_eq!(login["business_status"], "none", "{login}");
    let token = login["access_token"].as_str().expect("access_token");

    let me = app.get("/api/v1/me", token).await;
    let me = me.expect(200);
    assert_eq!(me["user"]["email"], email.as_str(), "{me}");
    assert_eq!(me["user"]["id"], registered["id"], "{me}");

    // A token signed by a key the Lambda does not publish is refused.
    let forged =
        shop_crypto::KeyRing::new(Ed25519Key::generate().expect("key"), [], "shop", "shop-api")
            .expect("ring");
    let claims = {
        use shop_domain::account::TokenSigner as _;
        let ring_of_lambda =
            shop_crypto::KeyRing::from_jwks(&s.jwks, "shop", "shop-api").expect("jwks");
        ring_of_lambda
            .verify(token)
            .expect("the Lambda's token verifies")
    };
    let forged_token = {
        use shop_domain::account::TokenSigner as _;
        forged.sign(&claims).expect("sign")
    };
    app.get("/api/v1/me", forged_token.as_str())
        .await
        .problem(401, "invalid_token");

    // The customer submits a business on shop-api and its admin approves
    // it: the Lambda's next sign-in says so.
    let business = json!({
        "legal_name": "Lambda Widgets LLC",
        "tax_id": "12-3456789",
        "phone": "+1 555 0100",
        "address": address("CA"),
        "tax_exempt_requested": false,
        "exemption_certificate": null,
    });
    app.put("/api/v1/me/business", token, &business)
        .await
        .expect(200);
    let pending = s.login(&email, PASSWORD).await;
    assert_eq!(
        pending.expect(200)["business_status"],
        "pending",
        "{pending:?}"
    );
    let admin = app.admin_token().await;
    let user_id = registered["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/admin/businesses/{user_id}/approve"),
        admin.as_str(),
        &json!({"tax_exempt": false}),
    )
    .await
    .expect(200);
    let approved = s.login(&email, PASSWORD).await;
    let approved = approved.expect(200);
    assert_eq!(approved["business_status"], "approved", "{approved}");
    assert!(approved["next_action"].is_null(), "{approved}");
}

// ------------------------------------------------- e-mail verification, reset

/// Issue 13 on the serverless path: the Lambda registers, its mail arrives
/// (recorded in the shared outbox, delivered by shop-api's worker), the
/// link verifies through the Lambda, and shop-api, which requires verified
/// addresses, then accepts the order it refused.
#[tokio::test]
async fn the_lambdas_mailed_link_verifies_and_shop_api_then_accepts_the_order() {
    let s = Serverless::start(&[], &[("SHOP_REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let app = &s.app;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "12.50", 5).await;
    let product_id = product["id"].as_str().expect("product id");

    let email = new_email();
    let user = s.register(&email, "Vera Verify").await;
    assert!(user["email_verified_at"].is_null(), "{user}");
    let login = s.login(&email, PASSWORD).await;
    let login = login.expect(200);
    assert!(login["user"]["email_verified_at"].is_null(), "{login}");
    let token = login["access_token"].as_str().expect("access_token");

    // Unverified: shop-api quotes but refuses the order.
    let quote_id = app.quote_id(token, product_id, 1).await;
    app.place_order(token, &quote_id, "cnon:card-nonce-ok", &unique("key"))
        .await
        .problem(403, "email_unverified");
    let me = app.get("/api/v1/me", token).await;
    assert!(me.expect(200)["user"]["email_verified_at"].is_null());

    let link = link_token(app, &email, "/verify", 1).await;
    let verified = s.call("verify-email.json", &json!({"token": link})).await;
    let verified = verified.expect(200)["user"].clone();
    assert_eq!(verified["id"], user["id"]);
    assert!(verified["email_verified_at"].is_string(), "{verified}");
    // The link works once; a made-up one never.
    s.call("verify-email.json", &json!({"token": link}))
        .await
        .problem(400, "token_invalid");
    s.call("verify-email.json", &json!({"token": "not-a-real-token"}))
        .await
        .problem(400, "token_invalid");

    // Both sides see the address verified; the same access token orders.
    let me = app.get("/api/v1/me", token).await;
    assert!(me.expect(200)["user"]["email_verified_at"].is_string());
    let placed = app
        .place_order(token, &quote_id, "cnon:card-nonce-ok", &unique("key"))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let again = s.login(&email, PASSWORD).await;
    assert_eq!(
        again.expect(200)["user"]["email_verified_at"],
        verified["email_verified_at"]
    );
}

#[tokio::test]
async fn an_expired_link_is_refused_and_resend_answers_alike_for_unknown_addresses() {
    let s = Serverless::start(&[], &[("SHOP_REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let app = &s.app;
    let email = new_email();
    let user = s.register(&email, "Eddie Expired").await;
    let user_id = user["id"].as_str().expect("id");

    // A link whose 24 hours are over verifies nothing.
    let expired = s
        .expired_link(user_id, AccountTokenPurpose::VerifyEmail)
        .await;
    s.call("verify-email.json", &json!({"token": expired}))
        .await
        .problem(400, "token_invalid");
    // Nor does a password reset link, however fresh.
    s.call("password-reset.json", &json!({"email": email}))
        .await
        .expect(202);
    let reset = link_token(app, &email, "/reset-password", 1).await;
    s.call("verify-email.json", &json!({"token": reset}))
        .await
        .problem(400, "token_invalid");
    let login = s.login(&email, PASSWORD).await;
    assert!(login.expect(200)["user"]["email_verified_at"].is_null());

    // Asking again: the same answer, byte for byte, for an address without
    // an account, which gets no mail.
    let nobody = new_email();
    let known = s
        .call("resend-verification.json", &json!({"email": email}))
        .await;
    let unknown = s
        .call("resend-verification.json", &json!({"email": nobody}))
        .await;
    known.expect(202);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.headers, known.headers);
    assert_eq!(unknown.text, known.text);
    let first = link_token(app, &email, "/verify", 1).await;
    let second = link_token(app, &email, "/verify", 2).await;
    assert_ne!(first, second);
    s.call("verify-email.json", &json!({"token": second}))
        .await
        .expect(200);
    assert!(app.mail_files_naming(&nobody).is_empty());
    s.call(
        "resend-verification.json",
        &json!({"email": "not an address"}),
    )
    .await
    .invalid("email");
}

#[tokio::test]
async fn a_password_reset_through_the_lambda_works_once_and_ends_every_session() {
    const NEW_PASSWORD: &str = "Brand-new-secret-42";
    let s = Serverless::start(&[], &[]).await;
    let app = &s.app;
    let email = new_email();
    let user = s.register(&email, "Rita Reset").await;
    let sessions = [
        s.session(&email, PASSWORD).await,
        s.session(&email, PASSWORD).await,
    ];
    for (access, _) in &sessions {
        app.get("/api/v1/me", access.as_str()).await.expect(200);
    }

    s.call("password-reset.json", &json!({"email": email}))
        .await
        .expect(202);
    let link = link_token(app, &email, "/reset-password", 1).await;
    // The password rules of registration; a refused password keeps the link.
    s.call(
        "password-reset-confirm.json",
        &json!({"token": link, "new_password": "short"}),
    )
    .await
    .invalid("new_password");
    let done = s
        .call(
            "password-reset-confirm.json",
            &json!({"token": link, "new_password": NEW_PASSWORD}),
        )
        .await;
    done.expect(204);
    assert!(done.text.is_empty(), "{done:?}");
    s.call(
        "password-reset-confirm.json",
        &json!({"token": link, "new_password": "Another-new-secret-43"}),
    )
    .await
    .problem(400, "token_invalid");

    // Every session is over: its refresh token at the Lambda, its access
    // token at shop-api and at the Lambda's logout.
    for (access, refresh) in &sessions {
        s.call("refresh.json", &json!({"refresh_token": refresh}))
            .await
            .problem(401, "invalid_token");
        app.get("/api/v1/me", access.as_str())
            .await
            .problem(401, "invalid_token");
        let bearer = format!("Bearer {access}");
        call(
            &s.lambda,
            &event(
                "logout.json",
                &Value::Null,
                &[("authorization", bearer.as_str())],
            ),
        )
        .await
        .problem(401, "invalid_token");
    }
    s.login(&email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let login = s.login(&email, NEW_PASSWORD).await;
    let login = login.expect(200);
    // The link proved the address too.
    assert!(login["user"]["email_verified_at"].is_string(), "{login}");
    let access = login["access_token"].as_str().expect("access_token");
    let me = app.get("/api/v1/me", access).await;
    assert_eq!(me.expect(200)["user"]["id"], user["id"]);

    // A reset link past its 30 minutes changes nothing.
    let user_id = user["id"].as_str().expect("id");
    let expired = s
        .expired_link(user_id, AccountTokenPurpose::PasswordReset)
        .await;
    s.call(
        "password-reset-confirm.json",
        &json!({"token": expired, "new_password": "Another-new-secret-43"}),
    )
    .await
    .problem(400, "token_invalid");
    s.login(&email, NEW_PASSWORD).await.expect(200);
}

#[tokio::test]
async fn a_password_reset_for_an_unknown_address_answers_exactly_like_a_known_one() {
    let s = Serverless::start(&[], &[]).await;
    let app = &s.app;
    let email = new_email();
    s.register(&email, "Kim Known").await;
    let nobody = new_email();
    let (known, known_took) = s
        .timed_call("password-reset.json", &json!({"email": email}))
        .await;
    let (unknown, unknown_took) = s
        .timed_call("password-reset.json", &json!({"email": nobody}))
        .await;
    known.expect(202);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.headers, known.headers);
    assert_eq!(unknown.text, known.text);
    // Neither answers before the floor that hides the work for a known one.
    for took in [known_took, unknown_took] {
        assert!(took >= MAIL_ANSWER_FLOOR, "{took:?}");
    }
    link_token(app, &email, "/reset-password", 1).await;
    assert!(app.mail_files_naming(&nobody).is_empty());
    s.call("password-reset.json", &json!({"email": "not an address"}))
        .await
        .invalid("email");
}

// ----------------------------------------------------------- sign-in back-off

/// The Lambda backs an address off after the configured failures, with the
/// counters in the accounts table: failures at either front door count,
/// and a back-off begun at one is kept by the other.
#[tokio::test]
async fn sign_ins_back_off_with_counters_the_lambda_shares_with_shop_api() {
    let backoff = [
        ("SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", "3"),
        ("SHOP_LOGIN_BACKOFF_BASE_SECONDS", "600"),
    ];
    let s = Serverless::start(&backoff, &backoff).await;
    let app = &s.app;
    let email = new_email();
    s.register(&email, "Bo Backoff").await;
    let other = new_email();
    s.register(&other, "Olga Other").await;

    let wrong = "Wrong-password-123";
    s.login(&email, wrong)
        .await
        .problem(401, "invalid_credentials");
    app.login(&email, wrong)
        .await
        .problem(401, "invalid_credentials");
    s.login(&email, wrong)
        .await
        .problem(401, "invalid_credentials");
    // The right password, now: refused unchecked, at the Lambda and at
    // shop-api alike.
    let refused = s.login(&email, PASSWORD).await;
    refused.problem(429, "login_backoff");
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((590..=600).contains(&retry_after), "{retry_after}");
    app.login(&email, PASSWORD)
        .await
        .problem(429, "login_backoff");
    // Another address is not affected; an unknown one backs off the same.
    s.login(&other, PASSWORD).await.expect(200);
    let nobody = new_email();
    for _ in 0..3 {
        s.login(&nobody, wrong)
            .await
            .problem(401, "invalid_credentials");
    }
    s.login(&nobody, wrong).await.problem(429, "login_backoff");
}
