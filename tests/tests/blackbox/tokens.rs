//! Access tokens and sessions: every way a bad token is refused, logout,
//! refresh rotation with reuse detection, inactivation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use shop_blackbox::{ANON, Resp, TestApp, spawn_app};

/// A 401 problem, whatever its code.
#[track_caller]
fn unauthorized(resp: &Resp) {
    assert_eq!(
        resp.status, 401,
        "{} {} -> {}",
        resp.method, resp.path, resp.text
    );
    assert!(
        resp.content_type().starts_with("application/problem+json"),
        "content type {}",
        resp.content_type()
    );
    assert!(
        resp.body["code"].as_str().is_some_and(|c| !c.is_empty()),
        "no code: {}",
        resp.text
    );
}

fn decode_part(part: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url JWT part");
    serde_json::from_slice(&bytes).expect("JSON JWT part")
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("json"))
}

/// Routes a customer may call, and one admin route.
const PROBES: &[&str] = &["/api/v1/me", "/api/v1/orders", "/api/v1/admin/users"];

async fn refused_everywhere(app: &TestApp, token: &str) {
    for path in PROBES {
        let resp = app.get(path, token).await;
        unauthorized(&resp);
    }
}

#[tokio::test]
async fn missing_token_is_401() {
    let app = spawn_app().await;
    for path in PROBES {
        app.get(path, ANON).await.problem(401, "unauthorized");
    }
    unauthorized(&app.post_empty("/api/v1/auth/logout", ANON).await);
    unauthorized(
        &app.post(
            "/api/v1/checkout/quote",
            ANON,
            &json!({"items": [], "ship_to": shop_blackbox::address("CA")}),
        )
        .await,
    );
}

#[tokio::test]
async fn garbage_tokens_and_other_schemes_are_401() {
    let app = spawn_app().await;
    for token in ["garbage", "a.b.c", "", "eyJhbGciOiJIUzI1NiJ9.e30."] {
        refused_everywhere(&app, token).await;
        if !token.is_empty() {
            app.get("/api/v1/me", token)
                .await
                .problem(401, "invalid_token");
        }
    }
    let c = app.customer().await;
    let basic = app
        .send(
            reqwest::Method::GET,
            "/api/v1/me",
            ANON,
            None,
            &[("Authorization", &format!("Basic {}", c.token))],
        )
        .await;
    basic.problem(401, "unauthorized");
}

#[tokio::test]
async fn forged_signature_is_401() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let parts: Vec<&str> = c.token.split('.').collect();
    assert_eq!(parts.len(), 3, "access token is a JWS");

    // Promote the claims to admin and keep the old signature.
    let mut claims = decode_part(parts[1]);
    claims["role"] = json!("admin");
    let promoted = format!("{}.{}.{}", parts[0], encode_part(&claims), parts[2]);
    refused_everywhere(&app, &promoted).await;
    app.get("/api/v1/me", promoted.as_str())
        .await
        .problem(401, "invalid_token");

    // The genuine claims under a made-up signature.
    let resigned = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode([7u8; 32])
    );
    refused_everywhere(&app, &resigned).await;

    // The untouched token still works: the refusals were about the forgery.
    app.get("/api/v1/me", &c).await.expect(200);
}

#[tokio::test]
async fn alg_none_token_is_401() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let parts: Vec<&str> = c.token.split('.').collect();
    let mut claims = decode_part(parts[1]);
    let header = json!({"alg": "none", "typ": "JWT"});
    let unsigned = format!("{}.{}.", encode_part(&header), encode_part(&claims));
    refused_everywhere(&app, &unsigned).await;
    claims["role"] = json!("admin");
    let unsigned_admin = format!("{}.{}.", encode_part(&header), encode_part(&claims));
    refused_everywhere(&app, &unsigned_admin).await;
    for alg in ["None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT"});
        let token = format!("{}.{}.", encode_part(&header), encode_part(&claims));
        refused_everywhere(&app, &token).await;
    }
}

#[tokio::test]
async fn an_expired_access_token_is_401_token_expired() {
    let app = TestApp::builder()
        .env("SHOP_ACCESS_TOKEN_TTL_SECONDS", "1")
        .spawn()
        .await;
    let c = app.customer().await;
    assert_eq!(c.login["expires_in"], 1);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.get("/api/v1/me", &c)
        .await
        .problem(401, "token_expired");
    // The refresh token still gets a fresh pair. Its access token lives one
    // second too, so using it would race the clock on a loaded machine; its
    // claims show it is a new, later token of the same user.
    let pair = refresh(&app, &c.refresh_token).await;
    let access = pair.expect(200)["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    let claims_of = |token: &str| decode_part(token.split('.').nth(1).expect("JWT payload"));
    let (old, new) = (claims_of(&c.token), claims_of(&access));
    assert_eq!(new["sub"], old["sub"]);
    assert!(
        new["exp"].as_i64() > old["exp"].as_i64(),
        "the refreshed token expires later: {old} then {new}"
    );
}

#[tokio::test]
async fn logout_ends_the_access_token_and_the_refresh_token_of_this_session() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let other = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;

    app.post_empty("/api/v1/auth/logout", &c).await.expect(204);

    unauthorized(&app.get("/api/v1/me", &c).await);
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            ANON,
            &json!({"refresh_token": c.refresh_token}),
        )
        .await;
    unauthorized(&refresh);
    // Another session of the same user is untouched.
    app.get("/api/v1/me", &other).await.expect(200);
    app.post(
        "/api/v1/auth/refresh",
        ANON,
        &json!({"refresh_token": other.refresh_token}),
    )
    .await
    .expect(200);
}

async fn refresh(app: &TestApp, token: &str) -> Resp {
    app.post(
        "/api/v1/auth/refresh",
        ANON,
        &json!({"refresh_token": token}),
    )
    .await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_of_a_spent_token_revokes_the_session() {
    let app = spawn_app().await;
    let c = app.customer().await;

    let first = refresh(&app, &c.refresh_token).await;
    let pair = first.expect(200);
    let access2 = pair["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    let refresh2 = pair["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
    assert_ne!(refresh2, c.refresh_token, "the refresh token rotates");
    assert_eq!(pair["token_type"], "Bearer");
    assert!(pair["expires_in"].as_i64().is_some_and(|s| s > 0));
    app.get("/api/v1/me", access2.as_str()).await.expect(200);

    let second = refresh(&app, &refresh2).await;
    let pair = second.expect(200);
    let access3 = pair["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    let refresh3 = pair["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();

    // The spent first token comes back: it leaked. The session ends.
    let reuse = refresh(&app, &c.refresh_token).await;
    unauthorized(&reuse);
    let after = refresh(&app, &refresh3).await;
    unauthorized(&after);
    unauthorized(&app.get("/api/v1/me", access3.as_str()).await);

    // Unknown and malformed refresh tokens are 401 too.
    unauthorized(&refresh(&app, "not-a-refresh-token").await);
    app.post(
        "/api/v1/auth/refresh",
        ANON,
        &json!({"refresh_token": "x", "user_id": c.id}),
    )
    .await
    .problem(422, "validation_failed");

    // A new login starts a new session.
    app.login(&c.email, &c.password).await.expect(200);
}

#[tokio::test]
async fn inactivation_refuses_the_next_request_whatever_tokens_the_user_holds() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let c = app.customer().await;
    app.get("/api/v1/me", &c).await.expect(200);

    let resp = app
        .post_empty(
            &format!("/api/v1/admin/users/{}/inactivate", c.id),
            admin.as_str(),
        )
        .await;
    assert_eq!(
        resp.expect(200)["user"]["status"],
        "inactive",
        "{}",
        resp.text
    );

    app.get("/api/v1/me", &c)
        .await
        .problem(401, "account_inactive");
    app.get("/api/v1/orders", &c)
        .await
        .problem(401, "account_inactive");
    unauthorized(&refresh(&app, &c.refresh_token).await);
    app.login(&c.email, &c.password)
        .await
        .problem(401, "account_inactive");

    let resp = app
        .post_empty(
            &format!("/api/v1/admin/users/{}/activate", c.id),
            admin.as_str(),
        )
        .await;
    assert_eq!(
        resp.expect(200)["user"]["status"],
        "active",
        "{}",
        resp.text
    );
    // The tokens from before stay dead; a new login works.
    unauthorized(&app.get("/api/v1/me", &c).await);
    let again = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;
    app.get("/api/v1/me", &again).await.expect(200);
}
