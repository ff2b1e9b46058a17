//! Catalog: categories and products as admins manage them and customers see
//! them; pagination.

use std::collections::HashSet;

use serde_json::json;
use shop_blackbox::{ANON, spawn_app};

#[tokio::test]
async fn admin_creates_categories_and_products_customers_list_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let tools = app.create_category(admin, "tools", "Tools").await;
    let tools_id = tools["id"].as_str().expect("category id").to_string();
    assert_eq!(tools["slug"], "tools");
    assert_eq!(tools["name"], "Tools");
    app.create_category(admin, "garden", "Garden").await;
    app.post(
        "/api/v1/admin/categories",
        admin,
        &json!({"slug": "tools", "name": "Again"}),
    )
    .await
    .problem(409, "already_exists");
    app.post(
        "/api/v1/admin/categories",
        admin,
        &json!({"slug": "Not A Slug!", "name": ""}),
    )
    .await
    .invalid("slug");

    let cats = app.get("/api/v1/categories", ANON).await;
    let slugs: Vec<&str> = cats.expect(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["slug"].as_str())
        .collect();
    assert!(
        slugs.contains(&"tools") && slugs.contains(&"garden"),
        "{slugs:?}"
    );

    let created = app
        .post(
            "/api/v1/admin/products",
            admin,
            &json!({
                "sku": "HAM-001",
                "name": "Claw hammer",
                "description": "Forged steel",
                "category_id": tools_id,
                "price": "12.50",
                "stock": 7,
                "active": true,
            }),
        )
        .await;
    let product = created.expect(201).clone();
    let id = product["id"].as_str().expect("product id").to_string();
    assert_eq!(product["sku"], "HAM-001");
    assert_eq!(product["price"]["amount"], "12.50");
    assert_eq!(product["price"]["currency"], "USD");
    assert_eq!(product["stock"], 7);
    assert_eq!(product["category_id"], tools_id.as_str());
    let other = app.create_product(admin, "3.00", 1).await;

    // Customers (and visitors) see it, by id, by category and by text.
    let one = app.get(&format!("/api/v1/products/{id}"), ANON).await;
    let body = one.expect(200);
    assert_eq!(body["name"], "Claw hammer");
    assert_eq!(body["in_stock"], true);
    assert_eq!(body["price"]["amount"], "12.50");
    let by_cat = app
        .get(&format!("/api/v1/products?category={tools_id}"), ANON)
        .await;
    let items = by_cat.expect(200)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], id.as_str());
    let by_text = app.get("/api/v1/products?q=hammer", ANON).await;
    let items = by_text.expect(200)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert!(items.iter().any(|p| p["id"] == id.as_str()));
    assert!(!items.iter().any(|p| p["id"] == other["id"]));

    // Duplicate sku, bad values, and fields a client may not set.
    app.post(
        "/api/v1/admin/products",
        admin,
        &json!({"sku": "HAM-001", "name": "Dup", "description": "", "category_id": null, "price": "1.00", "stock": 1, "active": true}),
    )
    .await
    .problem(409, "already_exists");
    let bad = app
        .post(
            "/api/v1/admin/products",
            admin,
            &json!({"sku": "", "name": "Bad", "description": "", "category_id": null, "price": "-1.00", "stock": 1, "active": true}),
        )
        .await;
    bad.invalid("sku");
    bad.invalid("price");
    app.post(
        "/api/v1/admin/products",
        admin,
        &json!({"sku": "X-1", "name": "Extra", "description": "", "category_id": null, "price": "1.00", "stock": 1, "active": true, "in_stock": true}),
    )
    .await
    .invalid("in_stock");
}

#[tokio::test]
async fn patch_and_deactivate_hide_a_product_from_customers_but_not_admins() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let c = app.customer().await;
    let product = app.create_product(admin, "10.00", 5).await;
    let id = product["id"].as_str().expect("id").to_string();

    // Stock is not the patch's: it moves by adjustments only, and a patch
    // naming it changes nothing.
    let refused = app
        .patch(
            &format!("/api/v1/admin/products/{id}"),
            admin,
            &json!({"name": "Renamed widget", "stock": 9}),
        )
        .await;
    let problem = refused.invalid("stock");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("stock-adjustments")),
        "{problem:#}"
    );
    let unchanged = app.admin_product(admin, &id).await.expect("listed");
    assert_eq!(
        (unchanged["name"].as_str(), unchanged["stock"].as_u64()),
        (Some(product["name"].as_str().unwrap_or_default()), Some(5))
    );

    let patched = app
        .patch(
            &format!("/api/v1/admin/products/{id}"),
            admin,
            &json!({"name": "Renamed widget", "price": "11.25", "description": "New text"}),
        )
        .await;
    let body = patched.expect(200);
    assert_eq!(body["name"], "Renamed widget");
    assert_eq!(body["price"]["amount"], "11.25");
    assert_eq!(body["stock"], 5);
    let seen = app.get(&format!("/api/v1/products/{id}"), &c).await;
    assert_eq!(seen.expect(200)["name"], "Renamed widget");

    app.patch(
        &format!("/api/v1/admin/products/{id}"),
        admin,
        &json!({"price": "abc"}),
    )
    .await
    .problem(422, "validation_failed");
    app.patch(
        &format!("/api/v1/admin/products/{id}"),
        admin,
        &json!({"sku": "NEW-SKU"}),
    )
    .await
    .invalid("sku");
    app.patch(
        "/api/v1/admin/products/no-such-product",
        admin,
        &json!({"name": "Ghost"}),
    )
    .await
    .problem(404, "not_found");

    let off = app
        .patch(
            &format!("/api/v1/admin/products/{id}"),
            admin,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(off.expect(200)["active"], false);

    app.get(&format!("/api/v1/products/{id}"), &c)
        .await
        .problem(404, "not_found");
    app.get(&format!("/api/v1/products/{id}"), ANON)
        .await
        .problem(404, "not_found");
    let listed = app.walk("/api/v1/products", c.token.as_str(), 100).await;
    assert!(!listed.iter().any(|p| p["id"] == id.as_str()));
    // Not orderable either.
    app.quote(&c.token, &id, 1, "CA", None)
        .await
        .invalid("items[0].product_id");

    let admin_view = app
        .admin_product(admin, &id)
        .await
        .expect("admin lists inactive products");
    assert_eq!(admin_view["active"], false);
    assert_eq!(admin_view["name"], "Renamed widget");

    app.patch(
        &format!("/api/v1/admin/products/{id}"),
        admin,
        &json!({"active": true}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/products/{id}"), &c)
        .await
        .expect(200);
    app.get("/api/v1/products/no-such-product", ANON)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn pagination_walks_every_item_once_and_caps_the_limit_at_100() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let mut created = HashSet::new();
    for _ in 0..105 {
        let p = app.create_product(admin, "1.00", 1).await;
        created.insert(p["id"].as_str().expect("id").to_string());
    }

    for limit in [1, 7, 20, 100] {
        let walked = app.walk("/api/v1/products", ANON, limit).await;
        let ids: Vec<String> = walked
            .iter()
            .map(|p| p["id"].as_str().expect("id").to_string())
            .collect();
        let unique_ids: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), unique_ids.len(), "duplicates with limit {limit}");
        assert_eq!(
            unique_ids, created,
            "limit {limit} did not walk every product"
        );
    }

    // Without a limit: 20.
    let first = app.get("/api/v1/products", ANON).await;
    let body = first.expect(200);
    assert_eq!(body["items"].as_array().map(Vec::len), Some(20));
    assert!(body["next_cursor"].is_string());

    // Above the maximum: capped at 100 ("max 100").
    let capped = app.get("/api/v1/products?limit=500", ANON).await;
    let body = capped.expect(200);
    assert_eq!(
        body["items"].as_array().map(Vec::len),
        Some(100),
        "limit=500"
    );
    assert!(body["next_cursor"].is_string());
    let last = app
        .get(
            &format!(
                "/api/v1/products?limit=500&cursor={}",
                body["next_cursor"].as_str().expect("cursor")
            ),
            ANON,
        )
        .await;
    let body = last.expect(200);
    assert_eq!(body["items"].as_array().map(Vec::len), Some(5));
    assert!(body["next_cursor"].is_null());

    // The admin list pages the same way.
    let walked = app.walk("/api/v1/admin/products", admin, 30).await;
    assert_eq!(walked.len(), created.len());
}
