//! Contact messages: sent by visitors and customers, triaged by admins.

use std::collections::HashSet;

use serde_json::{Value, json};
use shop_blackbox::{ANON, spawn_app};

fn message(subject: &str) -> Value {
    json!({
        "name": "Vera Visitor",
        "email": "vera@example.com",
        "subject": subject,
        "message": "Do you ship to Alaska?",
    })
}

fn ids(items: &[Value]) -> HashSet<String> {
    items
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn visitors_and_customers_send_messages_admins_list_and_triage_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin = admin.as_str();
    let c = app.customer().await;

    let anon = app
        .post("/api/v1/contact", ANON, &message("Shipping"))
        .await;
    let anon_id = anon.expect(202)["id"].as_str().expect("id").to_string();
    let signed = app.post("/api/v1/contact", &c, &message("Invoices")).await;
    let signed_id = signed.expect(202)["id"].as_str().expect("id").to_string();

    let listed = app.walk("/api/v1/admin/contact-messages", admin, 100).await;
    assert_eq!(
        ids(&listed),
        HashSet::from([anon_id.clone(), signed_id.clone()])
    );
    let shipping = listed
        .iter()
        .find(|m| m["id"] == anon_id.as_str())
        .expect("message");
    assert_eq!(shipping["subject"], "Shipping");
    assert_eq!(shipping["email"], "vera@example.com");
    assert_eq!(shipping["status"], "new");
    let invoices = listed
        .iter()
        .find(|m| m["id"] == signed_id.as_str())
        .expect("message");
    assert_eq!(invoices["user_id"], c.id.as_str());

    let read = app
        .patch(
            &format!("/api/v1/admin/contact-messages/{anon_id}"),
            admin,
            &json!({"status": "read"}),
        )
        .await;
    assert_eq!(read.expect(200)["status"], "read", "{}", read.text);
    let new = app
        .walk("/api/v1/admin/contact-messages?status=new", admin, 100)
        .await;
    assert_eq!(ids(&new), HashSet::from([signed_id.clone()]));
    let read_list = app
        .walk("/api/v1/admin/contact-messages?status=read", admin, 100)
        .await;
    assert_eq!(ids(&read_list), HashSet::from([anon_id.clone()]));
    app.patch(
        &format!("/api/v1/admin/contact-messages/{signed_id}"),
        admin,
        &json!({"status": "archived"}),
    )
    .await
    .expect(200);
    let archived = app
        .walk("/api/v1/admin/contact-messages?status=archived", admin, 100)
        .await;
    assert_eq!(ids(&archived), HashSet::from([signed_id.clone()]));

    app.patch(
        &format!("/api/v1/admin/contact-messages/{signed_id}"),
        admin,
        &json!({"status": "deleted"}),
    )
    .await
    .problem(422, "validation_failed");
    app.patch(
        "/api/v1/admin/contact-messages/no-such-message",
        admin,
        &json!({"status": "read"}),
    )
    .await
    .problem(404, "not_found");
}

#[tokio::test]
async fn contact_messages_are_validated() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/api/v1/contact",
            ANON,
            &json!({"name": "", "email": "nope", "subject": "", "message": ""}),
        )
        .await;
    for field in ["name", "email", "subject", "message"] {
        resp.invalid(field);
    }
    let mut extra = message("Hi");
    extra["status"] = json!("archived");
    app.post("/api/v1/contact", ANON, &extra)
        .await
        .invalid("status");
    let mut long = message("Hi");
    long["message"] = json!("x".repeat(5001));
    app.post("/api/v1/contact", ANON, &long)
        .await
        .invalid("message");
}
