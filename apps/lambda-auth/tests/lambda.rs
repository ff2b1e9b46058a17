//! The Lambda handler fed real API Gateway HTTP API (payload 2.0) events,
//! on DynamoDB in moto server (`SHOP_TEST_MOTO_URL`, default
//! `http://127.0.0.1:5005`; `bash .ci/services/moto.sh` starts one). Each
//! test makes its own uniquely named tables. A moto that does not answer
//! fails the tests: they never skip.

// Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shop_crypto::{Ed25519Key, KeyRing};
use shop_domain::account::TokenSigner as _;
use shop_dynamodb::{DynamoAccountStore, DynamoTables, create_tables};
use shop_lambda_auth::{AuthLambda, Config};
use shop_sql::{PoolOptions, SqlStore};

const PASSWORD: &str = "Tr0ub4dor&3-long-enough";

fn moto_url() -> String {
    std::env::var("SHOP_TEST_MOTO_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:5005".to_string())
}

/// Static test credentials: the process environment is neither read for
/// credentials nor changed. (Unlike shop-dynamodb's race tests these send
/// no concurrent conditional writes, so moto's lack of per-item atomicity
/// cannot show and requests need no serialising.)
async fn moto_client() -> Client {
    let url = moto_url();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .build();
    let client = Client::from_conf(config);
    if let Err(err) = client.list_tables().limit(1).send().await {
        panic!(
            "moto server does not answer at {url} (SHOP_TEST_MOTO_URL): start it with \
             `bash .ci/services/moto.sh`. These tests never skip. Error: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        );
    }
    client
}

struct Harness {
    lambda: AuthLambda,
    store: DynamoAccountStore,
    /// The relational store business profiles are read from.
    sql: SqlStore,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn new(extra: &[(&str, String)]) -> Self {
        let client = moto_client().await;
        let tables = DynamoTables::with_prefix(&format!("t{}", uuid::Uuid::new_v4().simple()));
        create_tables(&client, &tables).await.unwrap();
        let store = DynamoAccountStore::new(client, tables);
        let pem = Ed25519Key::generate().unwrap().to_pkcs8_pem().unwrap();
        let mut vars: HashMap<String, String> =
            HashMap::from([("SHOP_JWT_PRIVATE_KEY_PEM".to_string(), pem.to_string())]);
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("shop.db").display());
        vars.insert("SHOP_DATABASE_URL".to_string(), url.clone());
        let sql = SqlStore::connect(&url, &PoolOptions::default())
            .await
            .unwrap();
        sql.migrate().await.unwrap();
        let config = Config::from_env(&|name| vars.get(name).cloned()).unwrap();
        Self {
            lambda: AuthLambda::new(store.clone(), Arc::new(sql.clone()), config),
            store,
            sql,
            _dir: dir,
        }
    }

    async fn send(&self, event: &Value) -> Reply {
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        Reply::of(self.lambda.handle(request).await)
    }

    async fn fixture(&self, name: &str) -> Reply {
        self.send(&fixture(name)).await
    }

    async fn done(self) {
        for table in [&self.store.tables().accounts, &self.store.tables().sessions] {
            let _ = self
                .store
                .client()
                .delete_table()
                .table_name(table)
                .send()
                .await;
        }
    }
}

/// An API Gateway event from `tests/fixtures/`.
fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `event` with another JSON body, its length header kept true.
fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = json!(body);
    event["headers"]["content-length"] = json!(body.len().to_string());
    event
}

fn with_header(mut event: Value, name: &str, value: &str) -> Value {
    event["headers"][name] = json!(value);
    event
}

fn refresh_event(refresh_token: &str) -> Value {
    with_body(
        fixture("refresh.json"),
        &json!({ "refresh_token": refresh_token }).to_string(),
    )
}

fn logout_event(access_token: &str) -> Value {
    with_header(
        fixture("logout.json"),
        "authorization",
        &format!("Bearer {access_token}"),
    )
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Reply {
    fn of(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let body = String::from_utf8(response.body().as_ref().to_vec()).unwrap();
        Self {
            status,
            headers,
            body,
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// A problem+json answer: its status and stable code.
    fn problem(&self) -> (u16, String) {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        let json = self.json();
        for member in ["type", "title", "status", "detail", "code", "errors"] {
            assert!(json.get(member).is_some(), "{member} missing: {json}");
        }
        assert_eq!(json["status"], self.status);
        assert_eq!(
            json["type"],
            format!("urn:shop:problem:{}", json["code"].as_str().unwrap())
        );
        (self.status, json["code"].as_str().unwrap().to_string())
    }
}

fn jwt_header(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

#[tokio::test]
async fn register_login_refresh_logout_through_api_gateway_events() {
    let h = Harness::new(&[]).await;

    let registered = h.fixture("register.json").await;
    assert_eq!(registered.status, 201, "{registered:?}");
    assert_eq!(registered.header("content-type"), Some("application/json"));
    let user = registered.json()["user"].clone();
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(user["name"], "Ann Example");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["status"], "active");
    assert!(user["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(user.get("password_hash").is_none());

    let login = h.fixture("login.json").await;
    assert_eq!(login.status, 200, "{login:?}");
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let tokens = login.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert_eq!(tokens["user"], user);
    assert_eq!(tokens["business_status"], "none");
    assert_eq!(tokens["next_action"], "complete_business_profile");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    // The token verifies with the public keys the JWKS route gives, under
    // the kid its header carries: what shop-api does with SHOP_JWT_JWKS_URL.
    let jwks = h.fixture("jwks.json").await;
    assert_eq!(jwks.status, 200);
    let verifier = KeyRing::from_jwks(&jwks.body, "shop", "shop-api").unwrap();
    let header = jwt_header(&access);
    assert_eq!(header["alg"], "EdDSA");
    let kid = header["kid"].as_str().unwrap();
    assert_eq!(verifier.kids().collect::<Vec<_>>(), vec![kid]);
    let claims = verifier.verify(&access).unwrap();
    assert_eq!(claims.user_id.to_string(), user["id"].as_str().unwrap());
    assert!(
        KeyRing::from_jwks(&jwks.body, "shop", "another-audience")
            .unwrap()
            .verify(&access)
            .is_err()
    );

    let rotated = h.send(&refresh_event(&refresh)).await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let rotated = rotated.json();
    let access2 = rotated["access_token"].as_str().unwrap().to_string();
    let refresh2 = rotated["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh2, refresh);
    assert_eq!(rotated["user"]["id"], user["id"]);
    assert!(verifier.verify(&access2).is_ok());

    let logout = h.send(&logout_event(&access2)).await;
    assert_eq!(logout.status, 204, "{logout:?}");
    assert!(logout.body.is_empty());

    // The session is over: its refresh token and access token are refused.
    let after = h.send(&refresh_event(&refresh2)).await;
    assert_eq!(after.problem(), (401, "invalid_token".into()));
    assert_eq!(after.header("www-authenticate"), Some("Bearer"));
    let again = h.send(&logout_event(&access2)).await;
    assert_eq!(again.problem(), (401, "invalid_token".into()));

    h.done().await;
}

#[tokio::test]
async fn a_spent_refresh_token_is_refused_and_ends_its_session() {
    let h = Harness::new(&[]).await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    let tokens = h.fixture("login.json").await.json();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let rotated = h.send(&refresh_event(refresh)).await.json();
    let replay = h.send(&refresh_event(refresh)).await;
    assert_eq!(replay.problem(), (401, "invalid_token".into()));
    let newer = rotated["refresh_token"].as_str().unwrap();
    let after = h.send(&refresh_event(newer)).await;
    assert_eq!(after.problem(), (401, "invalid_token".into()));
    h.done().await;
}

#[tokio::test]
async fn a_second_registration_of_an_email_is_409_email_taken() {
    let h = Harness::new(&[]).await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    let again = h.fixture("register.json").await;
    assert_eq!(again.problem(), (409, "email_taken".into()));
    // Case does not make another address.
    let shouted = with_body(
        fixture("register.json"),
        &json!({"email": "ANN@Example.com", "password": PASSWORD, "name": "Ann"}).to_string(),
    );
    assert_eq!(
        h.send(&shouted).await.problem(),
        (409, "email_taken".into())
    );
    h.done().await;
}

#[tokio::test]
async fn a_wrong_password_or_unknown_email_is_401_invalid_credentials() {
    let h = Harness::new(&[]).await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    for (email, password) in [
        ("ann@example.com", "not-the-password-at-all"),
        ("nobody@example.com", PASSWORD),
    ] {
        let event = with_body(
            fixture("login.json"),
            &json!({"email": email, "password": password}).to_string(),
        );
        let reply = h.send(&event).await;
        assert_eq!(reply.problem(), (401, "invalid_credentials".into()));
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }
    h.done().await;
}

#[tokio::test]
async fn malformed_bodies_are_problem_json_as_shop_api_answers() {
    let h = Harness::new(&[]).await;
    let register = fixture("register.json");

    let syntax = h.send(&with_body(register.clone(), r#"{"email":"#)).await;
    assert_eq!(syntax.problem(), (400, "malformed_json".into()));
    let empty = h.send(&with_body(register.clone(), "")).await;
    assert_eq!(empty.problem(), (400, "malformed_json".into()));

    let extra =
        json!({"email": "eve@example.com", "password": PASSWORD, "name": "Eve", "role": "admin"});
    let reply = h
        .send(&with_body(register.clone(), &extra.to_string()))
        .await;
    assert_eq!(reply.problem(), (422, "validation_failed".into()));
    assert_eq!(reply.json()["errors"][0]["field"], "role");

    let missing = h
        .send(&with_body(
            register.clone(),
            r#"{"email":"eve@example.com"}"#,
        ))
        .await;
    assert_eq!(missing.problem(), (422, "validation_failed".into()));
    assert_eq!(missing.json()["errors"][0]["field"], "password");

    let invalid = json!({"email": "not-an-email", "password": "short", "name": "Eve"});
    let reply = h
        .send(&with_body(register.clone(), &invalid.to_string()))
        .await;
    assert_eq!(reply.problem(), (422, "validation_failed".into()));
    let fields: Vec<String> = reply.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["email", "password"]);

    let text = with_header(register.clone(), "content-type", "text/plain");
    assert_eq!(
        h.send(&text).await.problem(),
        (415, "unsupported_media_type".into())
    );

    let big = json!({"email": "eve@example.com", "password": PASSWORD, "name": "x".repeat(70_000)});
    let reply = h.send(&with_body(register, &big.to_string())).await;
    assert_eq!(reply.problem(), (413, "payload_too_large".into()));
    h.done().await;
}

#[tokio::test]
async fn a_base64_encoded_body_is_decoded() {
    let h = Harness::new(&[]).await;
    let event = fixture("register-base64.json");
    assert_eq!(event["isBase64Encoded"], true);
    let reply = h.send(&event).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["user"]["email"], "bob@example.com");

    // And a base64 body that is not JSON is still a problem, not a crash.
    let mut bad = fixture("register-base64.json");
    bad["body"] = json!(base64::engine::general_purpose::STANDARD.encode("{nope"));
    assert_eq!(h.send(&bad).await.problem(), (400, "malformed_json".into()));
    h.done().await;
}

#[tokio::test]
async fn the_jwks_route_publishes_the_active_and_previous_public_keys() {
    let old = KeyRing::new(Ed25519Key::generate().unwrap(), [], "shop", "shop-api").unwrap();
    let h = Harness::new(&[("SHOP_JWT_PREVIOUS_PUBLIC_JWKS", old.jwks().to_string())]).await;
    let reply = h.fixture("jwks.json").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let jwks = reply.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(key["kty"], "OKP");
        assert_eq!(key["crv"], "Ed25519");
        assert_eq!(key["alg"], "EdDSA");
        assert_eq!(key["use"], "sig");
        assert!(key.get("d").is_none(), "a private key is published: {key}");
    }
    let ring = KeyRing::from_jwks(&reply.body, "shop", "shop-api").unwrap();
    assert!(ring.kids().any(|kid| Some(kid) == old.active_kid()));
    h.done().await;
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_missing_tokens_are_problems() {
    let h = Harness::new(&[]).await;

    let mut nowhere = fixture("jwks.json");
    nowhere["rawPath"] = json!("/api/v1/nowhere");
    nowhere["requestContext"]["http"]["path"] = json!("/api/v1/nowhere");
    let reply = h.send(&nowhere).await;
    assert_eq!(reply.problem(), (404, "not_found".into()));
    assert_eq!(reply.json()["detail"], "no route for GET /api/v1/nowhere");

    let mut get_login = fixture("login.json");
    get_login["requestContext"]["http"]["method"] = json!("GET");
    assert_eq!(
        h.send(&get_login).await.problem(),
        (405, "method_not_allowed".into())
    );
    let mut post_jwks = fixture("jwks.json");
    post_jwks["requestContext"]["http"]["method"] = json!("POST");
    assert_eq!(
        h.send(&post_jwks).await.problem(),
        (405, "method_not_allowed".into())
    );

    let mut no_token = fixture("logout.json");
    no_token["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    let reply = h.send(&no_token).await;
    assert_eq!(reply.problem(), (401, "unauthorized".into()));
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    let basic = with_header(fixture("logout.json"), "authorization", "Basic YTpi");
    assert_eq!(h.send(&basic).await.problem(), (401, "unauthorized".into()));
    let forged = logout_event("eyJhbGciOiJIUzI1NiJ9.e30.c2ln");
    assert_eq!(
        h.send(&forged).await.problem(),
        (401, "invalid_token".into())
    );

    // A trailing slash routes as in shop-api (NormalizePath::trim).
    let mut slash = fixture("jwks.json");
    slash["rawPath"] = json!("/.well-known/jwks.json/");
    assert_eq!(h.send(&slash).await.status, 200);
    h.done().await;
}

#[tokio::test]
async fn a_named_stage_in_the_path_is_not_part_of_the_route() {
    let h = Harness::new(&[]).await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    let event = fixture("login-named-stage.json");
    assert_eq!(event["rawPath"], "/prod/api/v1/auth/login");
    let reply = h.send(&event).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    h.done().await;
}

/// The business status a sign-in reports is the one shop-api's admins set,
/// read from the shop's relational store (where shop-api keeps profiles
/// while accounts live in DynamoDB).
#[tokio::test]
async fn a_sign_in_reports_the_approved_business_of_the_relational_store() {
    use shop_domain::business::{
        Address, BusinessProfile, BusinessProfileStore as _, BusinessStatus,
    };
    use shop_domain::ids::UserId;

    let h = Harness::new(&[]).await;
    let registered = h.fixture("register.json").await;
    assert_eq!(registered.status, 201, "{registered:?}");
    let user_id = registered.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap();
    let profile = BusinessProfile {
        user_id: UserId::new(user_id),
        status: BusinessStatus::Approved,
        legal_name: "Example Supplies LLC".into(),
        tax_id: "12-3456789".into(),
        phone: "+1 555 0100".into(),
        address: Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: "CA".into(),
            postal_code: "90210".into(),
            country: "US".into(),
        },
        tax_exempt_requested: false,
        exemption_certificate: None,
        tax_exempt_granted: false,
        rejection_reason: None,
        reviewed_at: Some(now),
        reviewed_by: None,
        submitted_at: now,
    };
    h.sql.put(&profile, &[], &[]).await.unwrap();

    let login = h.fixture("login.json").await;
    assert_eq!(login.status, 200, "{login:?}");
    let tokens = login.json();
    assert_eq!(tokens["business_status"], "approved", "{tokens}");
    assert!(tokens["next_action"].is_null(), "{tokens}");
    h.done().await;
}

/// The links of the mails recorded for `to` in the relational store's
/// outbox (where the Lambda leaves them for shop-api's worker) that open
/// `path` of `SHOP_PUBLIC_URL`, oldest first: their tokens.
async fn link_tokens(h: &Harness, to: &str, path: &str) -> Vec<String> {
    use shop_domain::mail::MailOutbox as _;
    let needle = format!("https://shop.test{path}?token=");
    h.sql
        .unsent(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| mail.message.to.as_str() == to)
        .filter_map(|mail| {
            let text = &mail.message.text;
            let start = text.find(&needle)? + needle.len();
            text[start..].split_whitespace().next().map(str::to_string)
        })
        .collect()
}

fn email_event(fixture_name: &str, email: &str) -> Value {
    with_body(
        fixture(fixture_name),
        &json!({ "email": email }).to_string(),
    )
}

fn token_event(fixture_name: &str, body: &Value) -> Value {
    with_body(fixture(fixture_name), &body.to_string())
}

#[tokio::test]
async fn the_mailed_verification_link_verifies_once() {
    let h = Harness::new(&[("SHOP_PUBLIC_URL", "https://shop.test/".into())]).await;
    let registered = h.fixture("register.json").await;
    assert!(registered.json()["user"]["email_verified_at"].is_null());
    let links = link_tokens(&h, "ann@example.com", "/verify").await;
    assert_eq!(links.len(), 1, "{links:?}");

    let verified = h
        .send(&token_event(
            "verify-email.json",
            &json!({ "token": links[0] }),
        ))
        .await;
    assert_eq!(verified.status, 200, "{verified:?}");
    let user = verified.json()["user"].clone();
    assert_eq!(user["email"], "ann@example.com");
    assert!(user["email_verified_at"].is_string(), "{user}");
    let again = h
        .send(&token_event(
            "verify-email.json",
            &json!({ "token": links[0] }),
        ))
        .await;
    assert_eq!(again.problem(), (400, "token_invalid".into()));
    // The fixture's made-up token was never issued.
    let made_up = h.fixture("verify-email.json").await;
    assert_eq!(made_up.problem(), (400, "token_invalid".into()));
    let login = h.fixture("login.json").await.json();
    assert_eq!(
        login["user"]["email_verified_at"],
        user["email_verified_at"]
    );
    h.done().await;
}

#[tokio::test]
async fn without_required_verification_registration_mails_nothing_until_asked() {
    let h = Harness::new(&[
        ("SHOP_PUBLIC_URL", "https://shop.test".into()),
        ("SHOP_REQUIRE_EMAIL_VERIFICATION", "false".into()),
    ])
    .await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    assert!(
        link_tokens(&h, "ann@example.com", "/verify")
            .await
            .is_empty()
    );
    let asked = h.fixture("resend-verification.json").await;
    assert_eq!(asked.status, 202, "{asked:?}");
    assert_eq!(
        asked.json()["message"],
        "If the address belongs to an account, a mail is on its way."
    );
    assert_eq!(link_tokens(&h, "ann@example.com", "/verify").await.len(), 1);
    h.done().await;
}

#[tokio::test]
async fn link_requests_answer_alike_for_unknown_addresses_and_refuse_malformed_ones() {
    let h = Harness::new(&[("SHOP_PUBLIC_URL", "https://shop.test".into())]).await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    for name in ["resend-verification.json", "password-reset.json"] {
        let known = h.fixture(name).await;
        let unknown = h.send(&email_event(name, "nobody@example.com")).await;
        assert_eq!(known.status, 202, "{known:?}");
        assert_eq!(
            (unknown.status, &unknown.headers, &unknown.body),
            (known.status, &known.headers, &known.body)
        );
        let malformed = h.send(&email_event(name, "not an address")).await;
        assert_eq!(malformed.problem(), (422, "validation_failed".into()));
        assert_eq!(malformed.json()["errors"][0]["field"], "email");
    }
    assert!(
        link_tokens(&h, "nobody@example.com", "/verify")
            .await
            .is_empty()
    );
    assert!(
        link_tokens(&h, "nobody@example.com", "/reset-password")
            .await
            .is_empty()
    );
    assert_eq!(
        link_tokens(&h, "ann@example.com", "/reset-password")
            .await
            .len(),
        1
    );
    h.done().await;
}

#[tokio::test]
async fn a_password_reset_works_once_and_ends_every_session() {
    const NEW_PASSWORD: &str = "Correct-horse-battery-42";
    let h = Harness::new(&[("SHOP_PUBLIC_URL", "https://shop.test".into())]).await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    let first = h.fixture("login.json").await.json();
    let second = h.fixture("login.json").await.json();
    assert_eq!(h.fixture("password-reset.json").await.status, 202);
    let links = link_tokens(&h, "ann@example.com", "/reset-password").await;
    assert_eq!(links.len(), 1, "{links:?}");

    let weak = h
        .send(&token_event(
            "password-reset-confirm.json",
            &json!({ "token": links[0], "new_password": "short" }),
        ))
        .await;
    assert_eq!(weak.problem(), (422, "validation_failed".into()));
    assert_eq!(weak.json()["errors"][0]["field"], "new_password");
    let confirm = token_event(
        "password-reset-confirm.json",
        &json!({ "token": links[0], "new_password": NEW_PASSWORD }),
    );
    let done = h.send(&confirm).await;
    assert_eq!(done.status, 204, "{done:?}");
    assert!(done.body.is_empty());
    let replay = h.send(&confirm).await;
    assert_eq!(replay.problem(), (400, "token_invalid".into()));

    for session in [&first, &second] {
        let refresh = h
            .send(&refresh_event(session["refresh_token"].as_str().unwrap()))
            .await;
        assert_eq!(refresh.problem(), (401, "invalid_token".into()));
        let logout = h
            .send(&logout_event(session["access_token"].as_str().unwrap()))
            .await;
        assert_eq!(logout.problem(), (401, "invalid_token".into()));
    }
    let old = h.fixture("login.json").await;
    assert_eq!(old.problem(), (401, "invalid_credentials".into()));
    let new = h
        .send(&with_body(
            fixture("login.json"),
            &json!({"email": "ann@example.com", "password": NEW_PASSWORD}).to_string(),
        ))
        .await;
    assert_eq!(new.status, 200, "{new:?}");
    // The link proved the address.
    assert!(new.json()["user"]["email_verified_at"].is_string());
    h.done().await;
}

/// The per-address back-off, with its counters in the accounts table: after
/// the configured failures even the right password is refused unchecked,
/// with `Retry-After`; an unknown address backs off the same way.
#[tokio::test]
async fn sign_ins_back_off_after_the_configured_failures() {
    let h = Harness::new(&[
        ("SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", "2".into()),
        ("SHOP_LOGIN_BACKOFF_BASE_SECONDS", "600".into()),
    ])
    .await;
    assert_eq!(h.fixture("register.json").await.status, 201);
    for email in ["ann@example.com", "nobody@example.com"] {
        let wrong = with_body(
            fixture("login.json"),
            &json!({"email": email, "password": "not-the-password-at-all"}).to_string(),
        );
        for _ in 0..2 {
            let reply = h.send(&wrong).await;
            assert_eq!(reply.problem(), (401, "invalid_credentials".into()));
        }
        let refused = h
            .send(&with_body(
                fixture("login.json"),
                &json!({"email": email, "password": PASSWORD}).to_string(),
            ))
            .await;
        assert_eq!(refused.problem(), (429, "login_backoff".into()));
        let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((590..=600).contains(&retry_after), "{retry_after}");
    }
    h.done().await;
}
