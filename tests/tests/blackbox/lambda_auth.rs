//! The serverless auth path end to end: the auth Lambda (`apps/lambda-auth`,
//! called with API Gateway v2 events) registers and signs in a customer on
//! DynamoDB (moto), and the access token it issues opens `GET /api/v1/me` on
//! `shop-api`, which shares the accounts table and trusts the Lambda's keys
//! through its JWKS (`SHOP_JWT_JWKS_URL`). Both read business profiles from
//! the same relational store, so a business shop-api's admin approves is
//! the status the Lambda's sign-in reports. Never skipped: without moto it
//! fails and says how to start it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use shop_blackbox::{TempDir, TestApp, address, serve_json, unique};
use shop_crypto::Ed25519Key;
use shop_dynamodb::{DynamoAccountStore, DynamoTables, create_tables};
use shop_lambda_auth::{AuthLambda, Config};
use shop_sql::SqlStore;

/// One of the Lambda's API Gateway v2 event fixtures, with `body`.
fn event(name: &str, body: &Value) -> String {
    let path = format!(
        "{}/../apps/lambda-auth/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON");
    let body = body.to_string();
    event["headers"]["content-length"] = json!(body.len().to_string());
    event["body"] = json!(body);
    event.to_string()
}

async fn call(lambda: &AuthLambda, event: &str) -> (u16, Value) {
    let request = lambda_http::request::from_str(event).expect("an API Gateway v2 event");
    let response = lambda.handle(request).await;
    let status = response.status().as_u16();
    let body = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

#[tokio::test]
async fn a_token_from_the_auth_lambda_opens_me_on_shop_api() {
    let url = shop_blackbox::moto_url();
    let client = shop_blackbox::moto_dynamodb(&url).await;
    let prefix = unique("la");
    let tables = DynamoTables::with_prefix(&prefix);
    create_tables(&client, &tables).await.expect("tables");
    let pem = Ed25519Key::generate()
        .expect("key")
        .to_pkcs8_pem()
        .expect("pem");
    // The relational store shop-api will migrate and the Lambda reads.
    let builder = TestApp::builder().with_test_backend();
    let sqlite_dir = TempDir::new("shop-lambda-auth");
    let database_url = match builder.database_url() {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", sqlite_dir.path().join("shop.db").display()),
    };
    let vars = HashMap::from([
        ("SHOP_JWT_PRIVATE_KEY_PEM", pem.to_string()),
        ("SHOP_DATABASE_URL", database_url.clone()),
    ]);
    let config = Config::from_env(&|name| vars.get(name).cloned()).expect("config");
    let profiles = SqlStore::connect(&config.database_url, &config.database_pool)
        .await
        .expect("the relational store");
    let lambda = AuthLambda::new(
        DynamoAccountStore::new(client, tables),
        Arc::new(profiles),
        config,
    );

    let (status, jwks) = call(&lambda, &event("jwks.json", &Value::Null)).await;
    assert_eq!(status, 200, "{jwks}");
    let jwks_url = serve_json(jwks.to_string()).await;
    let app = builder
        .env("SHOP_DATABASE_URL", &database_url)
        .env("SHOP_ACCOUNTS", "dynamodb")
        .env("SHOP_DYNAMODB_ENDPOINT_URL", &url)
        .env("SHOP_DYNAMODB_TABLE_PREFIX", &prefix)
        .env("SHOP_DYNAMODB_REGION", "us-east-1")
        .env("SHOP_JWT_JWKS_URL", &jwks_url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .spawn()
        .await;

    let email = format!("{}@example.com", unique("lambda"));
    let password = "Tr0ub4dor&3-long-enough";
    let (status, registered) = call(
        &lambda,
        &event(
            "register.json",
            &json!({"email": email, "password": password, "name": "Lena Lambda"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let (status, login) = call(
        &lambda,
        &event("login.json", &json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["business_status"], "none", "{login}");
    let token = login["access_token"].as_str().expect("access_token");

    let me = app.get("/api/v1/me", token).await;
    let me = me.expect(200);
    assert_eq!(me["user"]["email"], email.as_str(), "{me}");
    assert_eq!(me["user"]["id"], registered["user"]["id"], "{me}");

    // A token signed by a key the Lambda does not publish is refused.
    let forged =
        shop_crypto::KeyRing::new(Ed25519Key::generate().expect("key"), [], "shop", "shop-api")
            .expect("ring");
    let claims = {
        use shop_domain::account::TokenSigner as _;
        let ring_of_lambda =
            shop_crypto::KeyRing::from_jwks(&jwks.to_string(), "shop", "shop-api").expect("jwks");
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
    let (_, pending) = call(
        &lambda,
        &event("login.json", &json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(pending["business_status"], "pending", "{pending}");
    let admin = app.admin_token().await;
    let user_id = registered["user"]["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/admin/businesses/{user_id}/approve"),
        admin.as_str(),
        &json!({"tax_exempt": false}),
    )
    .await
    .expect(200);
    let (status, approved) = call(
        &lambda,
        &event("login.json", &json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["business_status"], "approved", "{approved}");
    assert!(approved["next_action"].is_null(), "{approved}");
}
