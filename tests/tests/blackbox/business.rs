//! Business profiles: submission, review by an admin, and what login says.

use serde_json::{Value, json};
use shop_blackbox::{Customer, TestApp, address, spawn_app};

pub fn profile(with_certificate: bool) -> Value {
    let certificate = if with_certificate {
        json!({"number": "EX-12345", "region": "CA", "expires_on": "2099-12-31"})
    } else {
        Value::Null
    };
    json!({
        "legal_name": "Acme Widgets LLC",
        "tax_id": "12-3456789",
        "phone": "+1 555 0100",
        "address": address("CA"),
        "tax_exempt_requested": with_certificate,
        "exemption_certificate": certificate,
    })
}

async fn next_action(app: &TestApp, c: &Customer) -> (Value, Value) {
    let login = app.login(&c.email, &c.password).await;
    let body = login.expect(200);
    (body["business_status"].clone(), body["next_action"].clone())
}

fn pending_user_ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|p| p["user_id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn profile_is_none_until_submitted_then_pending() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let before = app.get("/api/v1/me/business", &c).await;
    let body = before.expect(200);
    assert_eq!(body["status"], "none");
    for field in [
        "legal_name",
        "tax_id",
        "phone",
        "address",
        "exemption_certificate",
        "rejection_reason",
        "reviewed_at",
    ] {
        assert!(
            body[field].is_null(),
            "{field} should be null before submission: {body}"
        );
    }

    let put = app.put("/api/v1/me/business", &c, &profile(true)).await;
    let body = put.expect(200);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["legal_name"], "Acme Widgets LLC");
    assert_eq!(body["tax_exempt_requested"], true);
    assert_eq!(body["exemption_certificate"]["number"], "EX-12345");
    assert_eq!(body["exemption_certificate"]["region"], "CA");
    assert_eq!(body["exemption_certificate"]["expires_on"], "2099-12-31");
    assert_eq!(body["address"]["city"], "Springfield");

    let get = app.get("/api/v1/me/business", &c).await;
    assert_eq!(get.expect(200)["status"], "pending");
    let (status, action) = next_action(&app, &c).await;
    assert_eq!(status, "pending");
    assert!(action.is_null(), "next_action once pending: {action}");
}

#[tokio::test]
async fn a_client_cannot_set_its_own_status_or_an_invalid_profile() {
    let app = spawn_app().await;
    let c = app.customer().await;
    let mut approved = profile(true);
    approved["status"] = json!("approved");
    app.put("/api/v1/me/business", &c, &approved)
        .await
        .invalid("status");
    let mut granted = profile(true);
    granted["tax_exempt_granted"] = json!(true);
    app.put("/api/v1/me/business", &c, &granted)
        .await
        .invalid("tax_exempt_granted");
    assert_eq!(
        app.get("/api/v1/me/business", &c).await.expect(200)["status"],
        "none"
    );

    let mut no_cert = profile(false);
    no_cert["tax_exempt_requested"] = json!(true);
    app.put("/api/v1/me/business", &c, &no_cert)
        .await
        .invalid("exemption_certificate");
    let mut expired = profile(true);
    expired["exemption_certificate"]["expires_on"] = json!("2001-01-01");
    app.put("/api/v1/me/business", &c, &expired)
        .await
        .invalid("exemption_certificate.expires_on");
    let mut blank = profile(false);
    blank["legal_name"] = json!("  ");
    blank["address"]["country"] = json!("USA");
    let resp = app.put("/api/v1/me/business", &c, &blank).await;
    resp.invalid("legal_name");
    resp.invalid("address.country");
}

#[tokio::test]
async fn admin_rejects_with_a_reason_then_approves_the_corrected_profile() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let c = app.customer().await;
    app.put("/api/v1/me/business", &c, &profile(true))
        .await
        .expect(200);

    let pending = app
        .walk("/api/v1/admin/businesses?status=pending", admin, 100)
        .await;
    assert!(pending_user_ids(&pending).contains(&c.id), "{pending:#?}");
    assert!(pending.iter().all(|p| p["status"] == "pending"));

    // A reason is required.
    app.post(
        &format!("/api/v1/admin/businesses/{}/reject", c.id),
        admin,
        &json!({"reason": ""}),
    )
    .await
    .invalid("reason");
    let rejected = app
        .post(
            &format!("/api/v1/admin/businesses/{}/reject", c.id),
            admin,
            &json!({"reason": "The tax id does not match the legal name"}),
        )
        .await;
    assert_eq!(
        rejected.expect(200)["status"],
        "rejected",
        "{}",
        rejected.text
    );

    let mine = app.get("/api/v1/me/business", &c).await;
    let body = mine.expect(200);
    assert_eq!(body["status"], "rejected");
    assert_eq!(
        body["rejection_reason"],
        "The tax id does not match the legal name"
    );
    assert!(body["reviewed_at"].is_string());
    let (status, action) = next_action(&app, &c).await;
    assert_eq!(status, "rejected");
    assert_eq!(action, "complete_business_profile");
    let pending = app
        .walk("/api/v1/admin/businesses?status=pending", admin, 100)
        .await;
    assert!(!pending_user_ids(&pending).contains(&c.id));
    let rejected_list = app
        .walk("/api/v1/admin/businesses?status=rejected", admin, 100)
        .await;
    assert!(pending_user_ids(&rejected_list).contains(&c.id));

    // Only a pending profile can be reviewed.
    let again = app
        .post(
            &format!("/api/v1/admin/businesses/{}/approve", c.id),
            admin,
            &json!({"tax_exempt": false}),
        )
        .await;
    again.problem(409, "invalid_state");

    // Corrected and resubmitted, then approved with the exemption.
    app.put("/api/v1/me/business", &c, &profile(true))
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/admin/businesses/{}/approve", c.id),
        admin,
        &json!({"tax_exempt": "yes"}),
    )
    .await
    .problem(422, "validation_failed");
    let approved = app
        .post(
            &format!("/api/v1/admin/businesses/{}/approve", c.id),
            admin,
            &json!({"tax_exempt": true}),
        )
        .await;
    assert_eq!(
        approved.expect(200)["status"],
        "approved",
        "{}",
        approved.text
    );
    let mine = app.get("/api/v1/me/business", &c).await;
    assert_eq!(mine.expect(200)["status"], "approved");
    assert!(mine.body["rejection_reason"].is_null());
    let (status, action) = next_action(&app, &c).await;
    assert_eq!(status, "approved");
    assert!(action.is_null());

    // Editing an approved profile sends it back for review.
    app.put("/api/v1/me/business", &c, &profile(true))
        .await
        .expect(200);
    assert_eq!(
        app.get("/api/v1/me/business", &c).await.expect(200)["status"],
        "pending"
    );

    // Unknown user: 404.
    app.post(
        "/api/v1/admin/businesses/no-such-user/approve",
        admin,
        &json!({"tax_exempt": false}),
    )
    .await
    .problem(404, "not_found");
}
