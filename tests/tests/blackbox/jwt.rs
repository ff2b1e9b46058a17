//! EdDSA access tokens: the `kid` in every token, the published JWKS, key
//! rotation with `shop-api jwt-rotate`, HS256 forgeries refused, and tokens
//! of another service accepted through `SHOP_JWT_JWKS_URL`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use shop_blackbox::{Customer, TestApp, spawn_app};
use shop_crypto::{Ed25519Key, KeyRing};
use shop_domain::account::{AccessClaims, Role, TokenSigner};
use shop_domain::ids::{SessionId, UserId};

fn part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWS has three parts");
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url JWT part");
    serde_json::from_slice(&bytes).expect("JSON JWT part")
}

fn header(token: &str) -> Value {
    part(token, 0)
}

fn kid(token: &str) -> String {
    header(token)["kid"].as_str().expect("kid").to_string()
}

async fn published_kids(app: &TestApp) -> Vec<String> {
    let resp = app.get("/.well-known/jwks.json", shop_blackbox::ANON).await;
    let body = resp.expect(200);
    assert_eq!(
        resp.header("cache-control"),
        Some("public, max-age=300"),
        "{:?}",
        resp.headers
    );
    body["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|key| {
            assert_eq!(key["kty"], "OKP", "{key}");
            assert_eq!(key["crv"], "Ed25519", "{key}");
            assert_eq!(key["alg"], "EdDSA", "{key}");
            assert!(key.get("d").is_none(), "a private key is published: {key}");
            key["kid"].as_str().expect("kid").to_string()
        })
        .collect()
}

/// The claims of `customer`'s login token, re-signed by `ring`: the same
/// user, session and session version, so only the key differs.
fn resign(customer: &Customer, ring: &KeyRing) -> String {
    let claims = part(&customer.token, 1);
    let text = |name: &str| claims[name].as_str().expect(name).to_string();
    let access = AccessClaims {
        user_id: UserId::new(text("sub")),
        role: Role::parse(&text("role")).expect("role"),
        session_version: claims["ver"].as_u64().expect("ver"),
        session_id: SessionId::new(text("sid")),
        token_id: format!("{}-elsewhere", text("jti")),
        issued_at: claims["iat"].as_i64().expect("iat"),
        expires_at: claims["exp"].as_i64().expect("exp"),
    };
    ring.sign(&access).expect("sign")
}

/// An HS256 token over `claims` with `key`, and `kid` in the header.
fn hs256(claims: &Value, kid: &str, key: &[u8]) -> String {
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
    let signing_input = format!(
        "{}.{}",
        encode(&json!({"alg": "HS256", "typ": "JWT", "kid": kid})),
        encode(claims)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("hmac key");
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[tokio::test]
async fn login_tokens_are_eddsa_with_a_published_kid() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let h = header(&c.token);
    assert_eq!(h["alg"], "EdDSA", "{h}");
    assert_eq!(h["typ"], "JWT", "{h}");
    let kids = published_kids(&app).await;
    assert_eq!(kids, [kid(&c.token)]);
    assert!(
        app.data_dir
            .join("jwt-keys")
            .join(format!("{}.pem", kid(&c.token)))
            .is_file()
    );
    app.get("/api/v1/me", &c).await.expect(200);

    let doc = app
        .get("/api/openapi.json", shop_blackbox::ANON)
        .await
        .expect(200)
        .clone();
    assert!(
        doc["paths"]["/.well-known/jwks.json"]["get"].is_object(),
        "JWKS route not in the OpenAPI document"
    );
}

#[tokio::test]
async fn rotation_keeps_old_tokens_and_signs_new_ones_with_the_new_kid() {
    let mut app = spawn_app().await;
    let c = app.customer().await;
    let old_kid = kid(&c.token);

    let out = app.run(&["jwt-rotate"]);
    assert!(
        out.status.success(),
        "jwt-rotate failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let new_kid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!new_kid.is_empty() && new_kid != old_kid, "{new_kid:?}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("PRIVATE KEY"),
        "jwt-rotate printed key material"
    );

    app.restart().await;
    app.get("/api/v1/me", &c).await.expect(200);
    let again = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;
    assert_eq!(kid(&again.token), new_kid);
    app.get("/api/v1/me", &again).await.expect(200);
    let mut kids = published_kids(&app).await;
    kids.sort();
    let mut expected = vec![old_kid, new_kid];
    expected.sort();
    assert_eq!(kids, expected);
}

#[tokio::test]
async fn hs256_tokens_are_refused_whatever_their_key() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let claims = part(&c.token, 1);
    let kid = kid(&c.token);
    let jwks = app
        .get("/.well-known/jwks.json", shop_blackbox::ANON)
        .await
        .expect(200)
        .clone();
    // The public key as the HMAC key: the classic algorithm confusion.
    let public_x = jwks["keys"][0]["x"].as_str().expect("x").to_string();
    let public_bytes = URL_SAFE_NO_PAD.decode(&public_x).expect("x bytes");
    for key in [
        public_bytes.as_slice(),
        public_x.as_bytes(),
        b"0123456789abcdef0123456789abcdef",
    ] {
        let forged = hs256(&claims, &kid, key);
        app.get("/api/v1/me", forged.as_str())
            .await
            .problem(401, "invalid_token");
    }
    app.get("/api/v1/me", &c).await.expect(200);
}

#[tokio::test]
async fn another_services_tokens_are_accepted_only_through_its_jwks() {
    let elsewhere =
        KeyRing::new(Ed25519Key::generate().expect("key"), [], "shop", "shop-api").expect("ring");
    let url = shop_blackbox::serve_json(elsewhere.jwks().to_string()).await;

    let mut app = spawn_app().await;
    let c = app.customer().await;
    let foreign = resign(&c, &elsewhere);
    assert_eq!(header(&foreign)["alg"], "EdDSA");
    assert_ne!(kid(&foreign), kid(&c.token));
    app.get("/api/v1/me", foreign.as_str())
        .await
        .problem(401, "invalid_token");

    app.set_env("SHOP_JWT_JWKS_URL", &url);
    app.restart().await;
    let me = app.get("/api/v1/me", foreign.as_str()).await;
    assert_eq!(me.expect(200)["user"]["id"], c.id.as_str());
    // Its own tokens still work, and it publishes only its own keys.
    app.get("/api/v1/me", &c).await.expect(200);
    assert_eq!(published_kids(&app).await, [kid(&c.token)]);

    // The other service's key verifies; its claims still go through the
    // session checks: after logout the foreign token is refused too.
    app.post_empty("/api/v1/auth/logout", &c).await.expect(204);
    let refused = app.get("/api/v1/me", foreign.as_str()).await;
    assert_eq!(refused.status, 401, "{}", refused.text);

    app.unset_env("SHOP_JWT_JWKS_URL");
    app.restart().await;
    let c2 = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;
    let foreign2 = resign(&c2, &elsewhere);
    app.get("/api/v1/me", foreign2.as_str())
        .await
        .problem(401, "invalid_token");
    app.get("/api/v1/me", &c2).await.expect(200);
}
