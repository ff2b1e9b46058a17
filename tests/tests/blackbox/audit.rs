//! The admin audit trail: what each admin route writes to it, read back
//! through `GET /api/v1/admin/audit`.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};
use shop_blackbox::{ANON, TestApp, address, spawn_app, unique};

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

/// The admin actor label and the checks every admin entry passes: the
/// actor, the request id and the client address.
fn assert_admin_entry(e: &Value, actor: &str) {
    assert_eq!(e["actor"], actor, "{e}");
    assert_eq!(e["client_ip"], "127.0.0.1", "{e}");
    assert!(
        e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{e}"
    );
}

/// User status changes, contact triage, mail resends and finalization
/// retries write their entry with the change. No worker runs, so the mail
/// stays unsent and the order's finalization queued.
#[tokio::test]
async fn user_contact_mail_and_retry_actions_are_audited() {
    let app = TestApp::builder().env("SHOP_WORKER", "off").spawn().await;
    let admin = app.admin_token().await;
    let me = app
        .get("/api/v1/me", admin.as_str())
        .await
        .expect(200)
        .clone();
    let actor = format!("user:{}", me["user"]["id"].as_str().unwrap());

    // Users: inactivate, activate; activating an active user writes nothing.
    let c = app.customer().await;
    for action in ["inactivate", "activate", "activate"] {
        app.post_empty(
            &format!("/api/v1/admin/users/{}/{action}", c.id),
            admin.as_str(),
        )
        .await
        .expect(200);
    }
    let on_user = audit(&app, &admin, &format!("&target={}", c.id)).await;
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = on_user
        .iter()
        .map(|e| {
            let status = change(e, "status").expect("status change");
            (
                e["action"].as_str().unwrap(),
                status["before"].as_str(),
                status["after"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("user.activate", Some("inactive"), Some("active")),
            ("user.inactivate", Some("active"), Some("inactive")),
        ]
    );
    for e in &on_user {
        assert_admin_entry(e, &actor);
        assert_eq!(e["target_type"], "user");
    }

    // Contact triage.
    let sent = app
        .post(
            "/api/v1/contact",
            ANON,
            &json!({
                "name": "Vera Visitor",
                "email": "vera@example.com",
                "subject": "Shipping",
                "message": "Do you ship to Alaska?",
            }),
        )
        .await;
    let message_id = sent.expect(202)["id"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/admin/contact-messages/{message_id}"),
        admin.as_str(),
        &json!({"status": "read"}),
    )
    .await
    .expect(200);
    let [triage] = audit(&app, &admin, &format!("&target={message_id}"))
        .await
        .try_into()
        .expect("one entry");
    assert_eq!(triage["action"], "contact_message.update");
    assert_admin_entry(&triage, &actor);
    let status = change(&triage, "status").expect("status change");
    assert_eq!(
        (status["before"].as_str(), status["after"].as_str()),
        (Some("new"), Some("read"))
    );

    // The admins' notice of that message waits in the outbox: resend it.
    let unsent = app.walk("/api/v1/admin/mail", admin.as_str(), 100).await;
    let notice = unsent
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.contains("Shipping"))
        })
        .unwrap_or_else(|| panic!("the contact notice is unsent: {unsent:#?}"));
    let mail_id = notice["id"].as_str().unwrap().to_string();
    app.post_empty(
        &format!("/api/v1/admin/mail/{mail_id}/resend"),
        admin.as_str(),
    )
    .await
    .expect(200);
    let [resend] = audit(&app, &admin, &format!("&target={mail_id}"))
        .await
        .try_into()
        .expect("one entry");
    assert_eq!(resend["action"], "mail.resend");
    assert_eq!(resend["target_type"], "mail");
    assert_admin_entry(&resend, &actor);
    let due = change(&resend, "delivery_due").expect("the delivery is due now");
    assert!(
        due["before"].is_string() && due["after"].is_string(),
        "{due}"
    );
    assert_ne!(due["before"], due["after"]);

    // An authorized order waiting for its finalization: retry it. (The
    // inactivation ended `c`'s tokens: another customer orders.)
    let buyer = app.customer().await;
    let product = app.create_product(&admin, "20.00", 5).await;
    let quote_id = app
        .quote_id(&buyer.token, product["id"].as_str().unwrap(), 1)
        .await;
    let placed = app
        .place_order(&buyer.token, &quote_id, "cnon:card-nonce-ok", "audit-retry")
        .await;
    let order_id = placed.expect(201)["order"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_empty(
        &format!("/api/v1/admin/orders/{order_id}/retry-finalization"),
        admin.as_str(),
    )
    .await
    .expect(200);
    let [retry] = audit(&app, &admin, &format!("&target={order_id}"))
        .await
        .try_into()
        .expect("one entry");
    assert_eq!(retry["action"], "order.retry_finalization");
    assert_admin_entry(&retry, &actor);
    let due = change(&retry, "finalization_due").expect("the finalization is due now");
    assert!(
        due["before"].is_string() && due["after"].is_string(),
        "{due}"
    );
    assert_ne!(due["before"], due["after"]);

    // Refused calls write nothing.
    let before = audit(&app, &admin, "").await.len();
    app.post_empty(
        &format!(
            "/api/v1/admin/users/{}/inactivate",
            me["user"]["id"].as_str().unwrap()
        ),
        admin.as_str(),
    )
    .await
    .problem(409, "invalid_state");
    app.post_empty("/api/v1/admin/mail/no-such-mail/resend", admin.as_str())
        .await
        .problem(404, "not_found");
    app.post_empty(&format!("/api/v1/admin/users/{}/inactivate", c.id), &buyer)
        .await
        .problem(403, "forbidden");
    assert_eq!(audit(&app, &admin, "").await.len(), before);
}

/// Security events name the account as actor and carry no secret; an
/// account entering back-off is audited once and its owner mailed once.
#[tokio::test]
async fn security_events_are_audited_and_a_backoff_mails_the_owner() {
    let app = TestApp::builder()
        .env("SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", "3")
        .env("SHOP_LOGIN_BACKOFF_BASE_SECONDS", "600")
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let c = app.customer().await;
    let actor = format!("user:{}", c.id);

    // A refresh token presented twice: its session is revoked.
    let second = app.sign_in(&c.email, &c.password, &c.id, &c.name).await;
    app.post(
        "/api/v1/auth/refresh",
        ANON,
        &json!({"refresh_token": second.refresh_token}),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/auth/refresh",
        ANON,
        &json!({"refresh_token": second.refresh_token}),
    )
    .await
    .problem(401, "invalid_token");

    // A password change (in the first session).
    let new_password = "Fresh-horse-battery-10";
    app.post(
        "/api/v1/me/password",
        &c,
        &json!({"current_password": c.password, "new_password": new_password}),
    )
    .await
    .expect(200);

    // Wrong passwords until the account backs off, and one more.
    for _ in 0..3 {
        app.login(&c.email, "Wrong-guess-1234")
            .await
            .problem(401, "invalid_credentials");
    }
    app.login(&c.email, "Wrong-guess-1234")
        .await
        .problem(429, "login_backoff");

    let mine = audit(&app, &admin, &format!("&actor={}", c.id)).await;
    let actions: Vec<&str> = mine.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["login.backoff", "password.change", "refresh_token.reuse"],
        "{mine:#?}"
    );
    for e in &mine {
        assert_eq!(e["actor"], actor.as_str(), "{e}");
        assert_eq!(e["client_ip"], "127.0.0.1", "{e}");
        assert!(
            e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
            "{e}"
        );
    }
    let failures = change(&mine[0], "failed_sign_ins").expect("the failure count");
    assert_eq!(
        (failures["before"].as_str(), failures["after"].as_str()),
        (None, Some("3"))
    );
    let version = change(&mine[1], "session_version").expect("the session version");
    assert!(version["before"].is_string() && version["after"].is_string());
    assert_ne!(version["before"], version["after"]);
    let session = change(&mine[2], "session").expect("the session");
    assert_eq!(
        (session["before"].as_str(), session["after"].as_str()),
        (Some("active"), Some("revoked"))
    );
    let text = serde_json::to_string(&mine).unwrap();
    for secret in [
        c.password.as_str(),
        new_password,
        "Wrong-guess-1234",
        second.refresh_token.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the trail: {text}");
    }

    // The owner's mail arrives in the file mailbox, once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let paused = loop {
        let mails: Vec<Value> = app
            .mail_files_naming(&c.email)
            .into_iter()
            .filter(|m| {
                m["to"] == c.email.as_str()
                    && m["subject"].as_str().is_some_and(|s| s.contains("paused"))
            })
            .collect();
        if !mails.is_empty() {
            break mails;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no back-off mail to {}",
            c.email
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(paused.len(), 1, "{paused:#?}");
    let body = paused[0]["text"].as_str().unwrap();
    assert!(body.contains("3 failed sign-ins"), "{body}");
    assert!(!body.contains("Wrong-guess"), "{body}");
}

/// Every admin write route of the OpenAPI document is audited (and
/// exercised above): a new admin route cannot ship without its entry.
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
        "POST /api/v1/admin/orders/{id}/retry-finalization",
        "POST /api/v1/admin/users/{id}/inactivate",
        "POST /api/v1/admin/users/{id}/activate",
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
    let audited: BTreeSet<String> = AUDITED.iter().map(|s| s.to_string()).collect();
    assert_eq!(writes, audited);
}
