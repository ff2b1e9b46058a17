//! The admin portal's routes: who may call them, users, and order lists.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};
use shop_blackbox::{TestApp, spawn_app};

/// One route of each admin family, with a body where it needs one.
fn admin_routes(user_id: &str) -> Vec<(Method, String, Option<Value>)> {
    let id = "some-id";
    vec![
        (Method::GET, "/api/v1/admin/users".into(), None),
        (Method::GET, format!("/api/v1/admin/users/{user_id}"), None),
        (
            Method::POST,
            format!("/api/v1/admin/users/{user_id}/inactivate"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{user_id}/activate"),
            None,
        ),
        (
            Method::GET,
            "/api/v1/admin/businesses?status=pending".into(),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/businesses/{user_id}/approve"),
            Some(json!({"tax_exempt": true})),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/businesses/{user_id}/reject"),
            Some(json!({"reason": "no"})),
        ),
        (
            Method::POST,
            "/api/v1/admin/categories".into(),
            Some(json!({"slug": "x", "name": "X"})),
        ),
        (
            Method::POST,
            "/api/v1/admin/products".into(),
            Some(
                json!({"sku": "S-1", "name": "N", "description": "", "category_id": null,
                        "price": "1.00", "stock": 1, "active": true}),
            ),
        ),
        (Method::GET, "/api/v1/admin/products".into(), None),
        (
            Method::PATCH,
            format!("/api/v1/admin/products/{id}"),
            Some(json!({"price": "0.01"})),
        ),
        (Method::GET, "/api/v1/admin/tax-rates".into(), None),
        (
            Method::PUT,
            "/api/v1/admin/tax-rates".into(),
            Some(json!({"items": []})),
        ),
        (
            Method::POST,
            "/api/v1/admin/promotions".into(),
            Some(json!({"code": "FREE", "kind": "percent", "value": "100"})),
        ),
        (Method::GET, "/api/v1/admin/promotions".into(), None),
        (Method::GET, "/api/v1/admin/orders".into(), None),
        (Method::GET, format!("/api/v1/admin/orders/{id}"), None),
        (
            Method::POST,
            format!("/api/v1/admin/orders/{id}/fulfill"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/orders/{id}/refund"),
            None,
        ),
        (Method::GET, "/api/v1/admin/contact-messages".into(), None),
        (
            Method::PATCH,
            format!("/api/v1/admin/contact-messages/{id}"),
            Some(json!({"status": "read"})),
        ),
        (Method::GET, "/api/v1/admin/mailbox".into(), None),
    ]
}

#[tokio::test]
async fn a_customer_is_403_and_a_visitor_401_on_every_admin_route() {
    let app = spawn_app().await;
    let c = app.customer().await;
    for (method, path, body) in admin_routes(&c.id) {
        let resp = app
            .send(method.clone(), &path, &c, body.as_ref(), &[])
            .await;
        resp.problem(403, "forbidden");
        let anon = app
            .send(method, &path, shop_blackbox::ANON, body.as_ref(), &[])
            .await;
        assert_eq!(anon.status, 401, "{} {path}: {}", anon.method, anon.text);
    }
    // Nothing changed behind the refusals.
    app.get("/api/v1/me", &c).await.expect(200);
    assert_eq!(
        app.get("/api/v1/me/business", &c).await.expect(200)["status"],
        "none"
    );
    let admin = app.admin_token().await;
    let rates = app.get("/api/v1/admin/tax-rates", admin.as_str()).await;
    assert_eq!(rates.expect(200)["items"], json!([]));
    let promos = app.get("/api/v1/admin/promotions", admin.as_str()).await;
    assert_eq!(promos.expect(200)["items"], json!([]));
}

fn ids(items: &[Value]) -> HashSet<String> {
    items
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

async fn register_named(app: &TestApp, local: &str) -> shop_blackbox::Customer {
    let email = format!("{local}@example.com");
    let reg = app
        .register(&email, shop_blackbox::CUSTOMER_PASSWORD, "Listed Person")
        .await;
    let id = reg.expect(201)["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.sign_in(
        &email,
        shop_blackbox::CUSTOMER_PASSWORD,
        &id,
        "Listed Person",
    )
    .await
}

#[tokio::test]
async fn admin_searches_users_filters_by_status_and_pages_through_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let alice = register_named(&app, "alice.searchable").await;
    let bob = register_named(&app, "bob.other").await;
    let mut everyone = HashSet::from([alice.id.clone(), bob.id.clone()]);
    for i in 0..5 {
        everyone.insert(register_named(&app, &format!("filler{i}")).await.id);
    }

    let one = app
        .get(&format!("/api/v1/admin/users/{}", alice.id), admin)
        .await;
    let user = &one.expect(200)["user"];
    assert_eq!(user["email"], alice.email.as_str());
    assert_eq!(user["role"], "customer");
    app.get("/api/v1/admin/users/no-such-user", admin)
        .await
        .problem(404, "not_found");

    let found = app
        .walk("/api/v1/admin/users?q=SEARCHABLE", admin, 100)
        .await;
    assert_eq!(ids(&found), HashSet::from([alice.id.clone()]), "{found:#?}");

    app.post_empty(&format!("/api/v1/admin/users/{}/inactivate", bob.id), admin)
        .await
        .expect(200);
    let inactive = app
        .walk("/api/v1/admin/users?status=inactive", admin, 100)
        .await;
    assert_eq!(ids(&inactive), HashSet::from([bob.id.clone()]));
    let active = app
        .walk("/api/v1/admin/users?status=active", admin, 100)
        .await;
    assert!(!ids(&active).contains(&bob.id));
    assert!(ids(&active).contains(&alice.id));
    assert!(active.iter().all(|u| u["status"] == "active"));

    // Pages of 2 visit every user once (the admin too).
    let walked = app.walk("/api/v1/admin/users", admin, 2).await;
    let walked_ids = ids(&walked);
    assert_eq!(walked.len(), walked_ids.len(), "duplicates across pages");
    assert!(everyone.is_subset(&walked_ids));
    assert_eq!(walked.len(), everyone.len() + 1);

    // An admin cannot lock themselves out.
    let me = app.get("/api/v1/me", admin).await;
    let admin_id = me.expect(200)["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let own = app
        .post_empty(&format!("/api/v1/admin/users/{admin_id}/inactivate"), admin)
        .await;
    own.problem(409, "invalid_state");
    app.get("/api/v1/admin/users?status=bogus", admin)
        .await
        .problem(422, "validation_failed");
}

#[tokio::test]
async fn admin_lists_orders_filtered_by_status_and_user() {
    let app = TestApp::builder().env("SHOP_WORKER", "off").spawn().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let product = app.create_product(admin, "4.00", 100).await;
    let pid = product["id"].as_str().expect("id");
    let a = app.customer().await;
    let b = app.customer().await;

    let mut a_orders = HashSet::new();
    for i in 0..3 {
        let q = app.quote_id(&a.token, pid, 1).await;
        let r = app
            .place_order(&a.token, &q, "cnon:card-nonce-ok", &format!("a-{i}"))
            .await;
        a_orders.insert(
            r.expect(201)["order"]["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let q = app.quote_id(&b.token, pid, 1).await;
    let r = app
        .place_order(&b.token, &q, "cnon:card-nonce-ok", "b-0")
        .await;
    let b_order = r.expect(201)["order"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let q = app.quote_id(&b.token, pid, 1).await;
    app.place_order(&b.token, &q, "cnon:card-nonce-declined", "b-1")
        .await
        .problem(402, "payment_declined");
    let canceled = a_orders.iter().next().expect("an order").clone();
    app.post_empty(&format!("/api/v1/orders/{canceled}/cancel"), &a)
        .await
        .expect(200);

    let all = app.walk("/api/v1/admin/orders", admin, 2).await;
    assert_eq!(all.len(), 5);
    assert_eq!(ids(&all).len(), 5);
    let by_a = app
        .walk(
            &format!("/api/v1/admin/orders?user_id={}", a.id),
            admin,
            100,
        )
        .await;
    assert_eq!(ids(&by_a), a_orders);
    let authorized = app
        .walk("/api/v1/admin/orders?status=authorized", admin, 100)
        .await;
    let mut expected: HashSet<String> = a_orders
        .iter()
        .filter(|id| **id != canceled)
        .cloned()
        .collect();
    expected.insert(b_order.clone());
    assert_eq!(ids(&authorized), expected);
    let failed = app
        .walk("/api/v1/admin/orders?status=payment_failed", admin, 100)
        .await;
    assert_eq!(failed.len(), 1);
    let b_auth = app
        .walk(
            &format!("/api/v1/admin/orders?status=authorized&user_id={}", b.id),
            admin,
            100,
        )
        .await;
    assert_eq!(ids(&b_auth), HashSet::from([b_order]));
    let a_canceled = app
        .walk(
            &format!("/api/v1/admin/orders?status=canceled&user_id={}", a.id),
            admin,
            100,
        )
        .await;
    assert_eq!(ids(&a_canceled), HashSet::from([canceled]));
    app.get("/api/v1/admin/orders?status=lost", admin)
        .await
        .problem(422, "validation_failed");

    // Customers see their own, newest first.
    let mine = app.get("/api/v1/orders", &a).await;
    let items = mine.expect(200)["items"].as_array().expect("items").clone();
    assert_eq!(ids(&items), a_orders);
    let created: Vec<&str> = items
        .iter()
        .filter_map(|o| o["created_at"].as_str())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(created, sorted, "newest first");
}
