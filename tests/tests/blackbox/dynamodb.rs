//! `SHOP_ACCOUNTS=dynamodb`: accounts and refresh sessions in DynamoDB
//! (moto server, `SHOP_TEST_MOTO_URL`, default `http://127.0.0.1:5005`),
//! everything else in the SQL store. Never skipped: without moto it fails
//! and says how to start it.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use shop_blackbox::{ADMIN_EMAIL, TestApp, unique};

async fn user_item(client: &Client, table: &str, id: &str) -> Option<String> {
    let item = client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("USER#{id}")))
        .consistent_read(true)
        .send()
        .await
        .expect("get_item on moto")
        .item?;
    item.get("email")
        .and_then(|v| v.as_s().ok())
        .map(ToString::to_string)
}

#[tokio::test]
async fn accounts_and_sessions_live_in_dynamodb() {
    let url = shop_blackbox::moto_url();
    let client = shop_blackbox::moto_dynamodb(&url).await;
    let prefix = unique("bb");
    let mut app = TestApp::builder()
        .env("SHOP_ACCOUNTS", "dynamodb")
        .env("SHOP_DYNAMODB_ENDPOINT_URL", &url)
        .env("SHOP_DYNAMODB_TABLE_PREFIX", &prefix)
        .env("SHOP_DYNAMODB_CREATE_TABLES", "true")
        .env("SHOP_DYNAMODB_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .spawn()
        .await;

    let c = app.customer().await;
    let me = app.get("/api/v1/me", &c).await;
    assert_eq!(me.expect(200)["user"]["email"], c.email.as_str());

    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            shop_blackbox::ANON,
            &serde_json::json!({"refresh_token": c.refresh_token}),
        )
        .await;
    refreshed.expect(200);

    let admin = app.admin_token().await;
    let list = app
        .get("/api/v1/admin/users?limit=100", admin.as_str())
        .await;
    let items = list.expect(200)["items"].as_array().expect("items").clone();
    assert!(
        items.iter().any(|u| u["id"] == c.id.as_str()),
        "{}",
        list.text
    );

    // The users really are in DynamoDB: the customer, and the admin the
    // app ensured at start-up.
    let accounts = format!("{prefix}-accounts");
    assert_eq!(
        user_item(&client, &accounts, &c.id).await.as_deref(),
        Some(c.email.as_str())
    );
    let admin_id = app.get("/api/v1/me", admin.as_str()).await.expect(200)["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        user_item(&client, &accounts, &admin_id).await.as_deref(),
        Some(ADMIN_EMAIL)
    );
    let sessions = client
        .scan()
        .table_name(format!("{prefix}-sessions"))
        .send()
        .await
        .expect("scan sessions");
    assert!(sessions.count() > 0, "no session item in DynamoDB");

    // ...and not in the SQL store: on SQL accounts, the same data
    // directory knows no such customer.
    app.set_env("SHOP_ACCOUNTS", "sql");
    app.restart().await;
    app.login(&c.email, &c.password)
        .await
        .problem(401, "invalid_credentials");

    for table in [accounts, format!("{prefix}-sessions")] {
        let _ = client.delete_table().table_name(table).send().await;
    }
}

/// On DynamoDB accounts the audited account changes (user status, a reused
/// refresh token) still reach the SQL audit trail, appended right after the
/// DynamoDB change.
#[tokio::test]
async fn account_changes_on_dynamodb_are_audited_in_the_sql_trail() {
    let url = shop_blackbox::moto_url();
    let client = shop_blackbox::moto_dynamodb(&url).await;
    let prefix = unique("bba");
    let app = TestApp::builder()
        .env("SHOP_ACCOUNTS", "dynamodb")
        .env("SHOP_DYNAMODB_ENDPOINT_URL", &url)
        .env("SHOP_DYNAMODB_TABLE_PREFIX", &prefix)
        .env("SHOP_DYNAMODB_CREATE_TABLES", "true")
        .env("SHOP_DYNAMODB_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let c = app.customer().await;
    for _ in 0..2 {
        app.post(
            "/api/v1/auth/refresh",
            shop_blackbox::ANON,
            &serde_json::json!({"refresh_token": c.refresh_token}),
        )
        .await;
    }
    app.post_empty(
        &format!("/api/v1/admin/users/{}/inactivate", c.id),
        admin.as_str(),
    )
    .await
    .expect(200);
    let trail = app
        .get(
            &format!("/api/v1/admin/audit?limit=100&actor={}", c.id),
            admin.as_str(),
        )
        .await;
    let reuse = trail.expect(200)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(reuse.len(), 1, "{reuse:#?}");
    assert_eq!(reuse[0]["action"], "refresh_token.reuse");
    let trail = app
        .get(
            &format!("/api/v1/admin/audit?limit=100&target={}", c.id),
            admin.as_str(),
        )
        .await;
    let on_user = trail.expect(200)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(on_user.len(), 1, "{on_user:#?}");
    assert_eq!(on_user[0]["action"], "user.inactivate");
    let status = on_user[0]["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["field"] == "status"))
        .expect("the status change");
    assert_eq!(
        (status["before"].as_str(), status["after"].as_str()),
        (Some("active"), Some("inactive"))
    );
    for table in [format!("{prefix}-accounts"), format!("{prefix}-sessions")] {
        let _ = client.delete_table().table_name(table).send().await;
    }
}
