//! Health probes and the served API description.

use serde_json::Value;
use shop_blackbox::{ANON, TestApp, spawn_app};

/// Every (method, path) of API.md; path parameters written `{}`.
const API_MD_OPERATIONS: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/me/business"),
    ("put", "/api/v1/me/business"),
    ("get", "/api/v1/categories"),
    ("get", "/api/v1/products"),
    ("get", "/api/v1/products/{}"),
    ("post", "/api/v1/checkout/quote"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/{}"),
    ("post", "/api/v1/orders/{}/cancel"),
    ("post", "/api/v1/contact"),
    ("post", "/api/v1/webhooks/square"),
    ("get", "/api/v1/admin/users"),
    ("get", "/api/v1/admin/users/{}"),
    ("post", "/api/v1/admin/users/{}/inactivate"),
    ("post", "/api/v1/admin/users/{}/activate"),
    ("get", "/api/v1/admin/businesses"),
    ("post", "/api/v1/admin/businesses/{}/approve"),
    ("post", "/api/v1/admin/businesses/{}/reject"),
    ("post", "/api/v1/admin/categories"),
    ("post", "/api/v1/admin/products"),
    ("get", "/api/v1/admin/products"),
    ("patch", "/api/v1/admin/products/{}"),
    ("get", "/api/v1/admin/tax-rates"),
    ("put", "/api/v1/admin/tax-rates"),
    ("post", "/api/v1/admin/promotions"),
    ("get", "/api/v1/admin/promotions"),
    ("get", "/api/v1/admin/orders"),
    ("get", "/api/v1/admin/orders/{}"),
    ("post", "/api/v1/admin/orders/{}/fulfill"),
    ("post", "/api/v1/admin/orders/{}/refund"),
    ("get", "/api/v1/admin/contact-messages"),
    ("patch", "/api/v1/admin/contact-messages/{}"),
    ("get", "/api/v1/admin/mailbox"),
];

/// `/a/{id}/b` -> `/a/{}/b`.
fn normalise(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_binary_starts_on_its_defaults() {
    // Nothing but the address and the data directory: the embedded shape.
    let app = TestApp::builder()
        .without("SHOP_ADMIN_EMAIL")
        .without("SHOP_ADMIN_PASSWORD")
        .without("SHOP_WORKER_POLL_MS")
        .without("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE")
        .without("SHOP_RATE_LIMIT_REGISTER_PER_MINUTE")
        .without("SHOP_RATE_LIMIT_CONTACT_PER_MINUTE")
        .without("SHOP_LOG")
        .spawn()
        .await;
    app.get("/readyz", ANON).await.expect(200);
    // Without SHOP_ADMIN_* there is no admin to sign in as.
    app.login(shop_blackbox::ADMIN_EMAIL, shop_blackbox::ADMIN_PASSWORD)
        .await
        .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn health_probes_answer_200() {
    let app = spawn_app().await;
    app.get("/healthz", ANON).await.expect(200);
    app.get("/readyz", ANON).await.expect(200);
}

#[tokio::test]
async fn openapi_document_lists_every_operation_of_the_contract() {
    let app = spawn_app().await;
    let resp = app.get("/api/openapi.json", ANON).await;
    let doc = resp.expect(200);
    assert!(
        resp.content_type().starts_with("application/json"),
        "content type {}",
        resp.content_type()
    );
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "not an OpenAPI 3 document: {}",
        resp.text
    );
    let paths = doc["paths"].as_object().expect("paths object");
    let served: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let path = normalise(path);
            item.as_object()
                .into_iter()
                .flat_map(|ops| ops.keys())
                .map(move |method| (method.to_ascii_lowercase(), path.clone()))
        })
        .collect();
    let missing: Vec<String> = API_MD_OPERATIONS
        .iter()
        .filter(|(m, p)| !served.iter().any(|(sm, sp)| sm == m && sp == p))
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "operations of API.md missing from /api/openapi.json: {missing:#?}\nserved: {served:#?}"
    );
}

#[tokio::test]
async fn api_docs_page_is_served() {
    let app = spawn_app().await;
    let resp = app.get("/api/docs", ANON).await;
    resp.expect(200);
    assert!(
        resp.content_type().starts_with("text/html"),
        "content type {}",
        resp.content_type()
    );
    assert!(matches!(resp.body, Value::Null), "docs is a page, not JSON");
}
