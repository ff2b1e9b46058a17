//! The admin audit trail: what each admin route writes to it, read back
//! through `GET /api/v1/admin/audit`.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};
use shop_blackbox::{TestApp, address, spawn_app, unique};

async fn audit(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/admin/audit?limit=100{query}"), admin)
        .await
        .expect(200)["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn change<'a>(entry: &'a Value, field: &str) -> Option<&'a Value> {
    entry["changes"]
        .as_array()?
        .iter()
        .find(|c| c["field"] == field)
}

/// The admin write routes the trail covers, each called here, and the
/// action it must record.
#[tokio::test]
async fn admin_catalog_pricing_and_business_changes_are_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app
        .get("/api/v1/me", admin.as_str())
        .await
        .expect(200)
        .clone();
    let actor = format!("user:{}", me["user"]["id"].as_str().unwrap());
    let request_id = unique("audit-req");

    let category = app
        .send(
            Method::POST,
            "/api/v1/admin/categories",
            admin.as_str(),
            Some(&json!({"slug": unique("tools"), "name": "Tools"})),
            &[("x-request-id", &request_id)],
        )
        .await
        .expect(201)
        .clone();
    let product = app.create_product(&admin, "10.00", 5).await;
    let product_id = product["id"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/admin/products/{product_id}"),
        admin.as_str(),
        &json!({"price": "12.50"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/admin/products/{product_id}/stock-adjustments"),
        admin.as_str(),
        &json!({"delta": 3, "reason": "delivery"}),
    )
    .await
    .expect(201);
    app.set_tax_rates(&admin, &[("US", "CA", "0.0725")]).await;
    app.post(
        "/api/v1/admin/promotions",
        admin.as_str(),
        &json!({"code": unique("SPRING"), "kind": "percent", "value": "10"}),
    )
    .await
    .expect(201);
    let business = json!({
        "legal_name": "Acme Widgets LLC",
        "tax_id": "12-3456789",
        "phone": "+1 555 0100",
        "address": address("CA"),
        "tax_exempt_requested": false,
        "exemption_certificate": null,
    });
    let refused = app.customer().await;
    app.put("/api/v1/me/business", &refused, &business)
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/admin/businesses/{}/reject", refused.id),
        admin.as_str(),
        &json!({"reason": "tax id unknown"}),
    )
    .await
    .expect(200);
    let applicant = app.customer().await;
    app.put("/api/v1/me/business", &applicant, &business)
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/admin/businesses/{}/approve", applicant.id),
        admin.as_str(),
        &json!({"tax_exempt": false}),
    )
    .await
    .expect(200);

    let entries = audit(&app, &admin, "").await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "business.approve",
            "business.reject",
            "promotion.create",
            "tax_rates.replace",
            "stock.adjust",
            "product.update",
            "product.create",
            "category.create",
        ],
        "newest first: {entries:#?}"
    );
    for e in &entries {
        assert_eq!(e["actor"], actor.as_str(), "{e}");
        assert_eq!(e["client_ip"], "127.0.0.1", "{e}");
        assert!(
            e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
            "{e}"
        );
        assert!(e["at"].is_string(), "{e}");
    }
    let created = entries.last().unwrap();
    assert_eq!(created["request_id"], request_id.as_str());
    assert_eq!(created["target_id"], category["id"]);
    let update = &entries[5];
    assert_eq!(update["target_id"], product_id.as_str());
    let price = change(update, "price").expect("the price change");
    assert_eq!(
        (price["before"].as_str(), price["after"].as_str()),
        (Some("10.00"), Some("12.50"))
    );
    assert!(
        change(update, "name").is_none(),
        "only changed fields: {update}"
    );
    let approval = &entries[0];
    let status = change(approval, "status").expect("the status change");
    assert_eq!(
        (status["before"].as_str(), status["after"].as_str()),
        (Some("pending"), Some("approved"))
    );

    // Filters.
    let on_product = audit(&app, &admin, &format!("&target={product_id}")).await;
    assert_eq!(on_product.len(), 3, "{on_product:#?}");
    let updates = audit(&app, &admin, "&action=product.update").await;
    assert_eq!(updates.len(), 1);
    let mine = audit(
        &app,
        &admin,
        &format!("&actor={}", me["user"]["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(mine.len(), entries.len());
    app.get("/api/v1/admin/audit?action=product.delete", admin.as_str())
        .await
        .invalid("action");
    // Customers cannot read it; nobody can change it.
    app.get("/api/v1/admin/audit", &applicant)
        .await
        .problem(403, "forbidden");
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let resp = app
            .send(
                method.clone(),
                "/api/v1/admin/audit",
                admin.as_str(),
                Some(&json!({})),
                &[],
            )
            .await;
        assert_eq!(
            resp.status, 405,
            "{method} /api/v1/admin/audit: {}",
            resp.text
        );
    }

    // A refused change leaves nothing behind.
    app.post(
        "/api/v1/admin/promotions",
        admin.as_str(),
        &json!({"code": "", "kind": "percent", "value": "10"}),
    )
    .await
    .invalid("code");
    assert_eq!(audit(&app, &admin, "").await.len(), entries.len());
}

/// Fulfilment and refund write their entry with the order's transition.
#[tokio::test]
async fn order_fulfilment_and_refund_are_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "20.00", 5).await;
    let pid = product["id"].as_str().unwrap();
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let placed = app
        .place_order(&c.token, &quote_id, "cnon:card-nonce-ok", "audit-1")
        .await;
    let id = placed.expect(201)["order"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.wait_for_order(&c.token, &id, "paid", std::time::Duration::from_secs(15))
        .await;
    for action in ["fulfill", "refund"] {
        app.post_empty(
            &format!("/api/v1/admin/orders/{id}/{action}"),
            admin.as_str(),
        )
        .await
        .expect(200);
    }
    // A refused transition (refunded twice) writes nothing.
    app.post_empty(&format!("/api/v1/admin/orders/{id}/refund"), admin.as_str())
        .await
        .problem(409, "invalid_order_state");
    let entries = audit(&app, &admin, &format!("&target={id}")).await;
    let seen: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            let status = change(e, "status").expect("status change");
            (
                e["action"].as_str().unwrap(),
                status["before"].as_str().unwrap(),
                status["after"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("order.refund", "fulfilled", "refunded"),
            ("order.fulfill", "paid", "fulfilled"),
        ]
    );
}

/// Every admin write route of the OpenAPI document is either audited (and
/// exercised above) or named here as not yet audited: a new admin route
/// cannot ship without a decision.
#[tokio::test]
async fn every_admin_write_route_is_classified() {
    const AUDITED: &[&str] = &[
        "POST /api/v1/admin/categories",
        "POST /api/v1/admin/products",
        "PATCH /api/v1/admin/products/{id}",
        "POST /api/v1/admin/products/{id}/stock-adjustments",
        "PUT /api/v1/admin/tax-rates",
        "POST /api/v1/admin/promotions",
        "POST /api/v1/admin/businesses/{user_id}/approve",
        "POST /api/v1/admin/businesses/{user_id}/reject",
        "POST /api/v1/admin/orders/{id}/fulfill",
        "POST /api/v1/admin/orders/{id}/refund",
    ];
    // Issue 13 (audit log) continues with these: the user status changes
    // live in the accounts store (DynamoDB in production).
    const NOT_YET: &[&str] = &[
        "POST /api/v1/admin/users/{id}/inactivate",
        "POST /api/v1/admin/users/{id}/activate",
        "POST /api/v1/admin/orders/{id}/retry-finalization",
        "PATCH /api/v1/admin/contact-messages/{id}",
        "POST /api/v1/admin/mail/{id}/resend",
    ];
    let app = spawn_app().await;
    let doc = app
        .get("/api/openapi.json", None::<&str>)
        .await
        .expect(200)
        .clone();
    let mut writes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                writes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let classified: BTreeSet<String> = AUDITED
        .iter()
        .chain(NOT_YET)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(writes, classified);
}
