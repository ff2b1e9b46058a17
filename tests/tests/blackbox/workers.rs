//! `shop-worker` beside `shop-api` (`SHOP_WORKER=off`): three worker
//! processes on the app's database (the SQLite file of its data directory,
//! or its MariaDB database) finalize every order exactly once: each ends
//! paid, with one payment and one completion at the Square double and one
//! confirmation in the file mailbox. SIGTERM stops a worker cleanly.

use std::time::{Duration, Instant};

use serde_json::Value;
use shop_blackbox::{TestApp, WorkerProcess, spawn_with_square};
use shop_square_double::{Faults, SquareDouble};

const OK: &str = "cnon:card-nonce-ok";
const TOKEN: &str = "EAAA-blackbox-workers";
const ORDERS: usize = 20;

fn sent_to(mail: &Value, email: &str) -> bool {
    match &mail["to"] {
        Value::String(s) => s == email,
        Value::Array(a) => a.iter().any(|t| t.as_str() == Some(email)),
        _ => false,
    }
}

fn logs(workers: &[WorkerProcess]) -> String {
    workers
        .iter()
        .enumerate()
        .map(|(i, w)| format!("--- worker {i}:\n{}", w.stderr()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn three_workers_finalize_every_order_exactly_once() {
    let (double, app) = app_with_double("L-WORKERS").await;
    // shop-api has migrated the database and written the JWT secret: the
    // workers find both ready.
    let mut workers: Vec<WorkerProcess> = (0..3).map(|_| app.spawn_worker()).collect();

    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "4.25", 100).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let mut placed = Vec::new();
    for i in 0..ORDERS {
        let quote_id = app.quote_id(&c.token, pid, 1).await;
        let resp = app
            .place_order(&c.token, &quote_id, OK, &format!("workers-{i}"))
            .await;
        let order = resp.expect(201)["order"].clone();
        let id = order["id"].as_str().expect("id").to_string();
        let number = order["number"].as_str().expect("number").to_string();
        placed.push((id, number));
    }

    for (id, _) in &placed {
        let started = Instant::now();
        loop {
            let resp = app
                .get(&format!("/api/v1/orders/{id}"), c.token.as_str())
                .await;
            if resp.expect(200)["order"]["status"] == "paid" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "order {id} not paid: {}\n{}",
                resp.text,
                logs(&workers)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Every workflow and delivery over: nothing left that could pay or
    // mail twice.
    for (id, _) in &placed {
        app.wait_for_finalization(&admin, id, "done", Duration::from_secs(60))
            .await;
    }
    app.wait_for_settled_outbox(&admin, Duration::from_secs(60))
        .await;

    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), ORDERS, "{ledger:?}");
    for (id, number) in &placed {
        let payments: Vec<_> = ledger
            .payments
            .iter()
            .filter(|p| p.reference_id.as_deref() == Some(number.as_str()))
            .collect();
        assert_eq!(payments.len(), 1, "order {id}: {payments:?}");
        assert_eq!(payments[0].status, "COMPLETED", "{:?}", payments[0]);
        assert_eq!(payments[0].completions, 1, "{:?}", payments[0]);

        // The mails go out from the outbox after the order is paid.
        let started = Instant::now();
        let confirmations = loop {
            let found: Vec<Value> = app
                .mail_files_naming(number)
                .into_iter()
                .filter(|m| sent_to(m, &c.email))
                .collect();
            if !found.is_empty() || started.elapsed() > Duration::from_secs(30) {
                break found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(confirmations.len(), 1, "order {number}: {confirmations:#?}");
        assert_eq!(confirmations[0]["deliveries"], 1, "{confirmations:#?}");
    }

    for worker in &mut workers {
        assert!(worker.is_running(), "{}", worker.stderr());
        let status = worker.terminate();
        assert!(status.success(), "{status}: {}", worker.stderr());
    }
    assert!(!logs(&workers).contains(TOKEN));
    double.stop().await;
}

#[test]
fn shop_worker_refuses_an_in_memory_database() {
    let mut cmd = std::process::Command::new(shop_blackbox::shop_worker_binary());
    // Nothing from the developer's shell may change what is tested.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SHOP_") {
            cmd.env_remove(&key);
        }
    }
    let out = cmd
        .env("SHOP_DATABASE_URL", "memory:")
        .env(
            "SHOP_DATA_DIR",
            std::env::temp_dir().join("shop-worker-memory-refused"),
        )
        .output()
        .expect("run shop-worker");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("shop-worker: SHOP_DATABASE_URL:"),
        "{stderr}"
    );
}

/// shop-api without a worker and the Square double, for tests that start
/// their own `shop-worker`.
async fn app_with_double(location: &str) -> (SquareDouble, TestApp) {
    spawn_with_square(
        TestApp::builder().env("SHOP_WORKER", "off"),
        TOKEN,
        location,
    )
    .await
}

async fn wait_for_admin_view(
    app: &TestApp,
    admin: &str,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let list = app.get("/api/v1/admin/orders", admin).await;
        let item = list.expect(200)["items"]
            .as_array()
            .and_then(|items| items.iter().find(|o| o["id"] == id).cloned())
            .expect("the order is listed");
        if done(&item) {
            return item;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: {item:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A capture Square keeps refusing is not given up after the quick
/// retries: it goes on (until the margin before the authorization lapses),
/// the admins are alerted once, and the order is paid when Square is back.
#[tokio::test]
async fn a_capture_square_keeps_refusing_is_retried_and_alerted_then_paid() {
    let (double, app) = app_with_double("L-ALERT").await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "9.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let order = app.place_order(&c.token, &quote_id, OK, "alert-1").await;
    let placed = order.expect(201)["order"].clone();
    let id = placed["id"].as_str().expect("id").to_string();
    let number = placed["number"].as_str().expect("number").to_string();
    double.set_faults(Faults {
        operation: Some("CompletePayment".into()),
        fail_next: 10_000,
        ..Faults::default()
    });
    let worker = app.spawn_worker_with(&[
        ("SHOP_WORKER_MAX_ATTEMPTS", "2"),
        ("SHOP_PAYMENT_ALERT_AFTER", "3"),
        ("SHOP_WORKER_BACKOFF_MAX_MS", "100"),
    ]);

    let item = wait_for_admin_view(&app, &admin, &id, "never alerted", |o| {
        o["alert"].is_object() && o["finalization"]["attempts"].as_u64() > Some(4)
    })
    .await;
    assert_eq!(item["status"], "authorized", "{item:#}");
    // Still live (waiting for its next retry, or caught in one): never dead.
    assert!(
        matches!(
            item["finalization"]["state"].as_str(),
            Some("queued" | "running")
        ),
        "{item:#}\n{}",
        worker.stderr()
    );
    assert!(
        item["alert"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("could not be completed")),
        "{item:#}"
    );
    // One alert mail to the admin, however many failures follow.
    let started = Instant::now();
    while app.mail_files_naming(&number).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "no alert mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alerts = app.mail_files_naming(&number);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(
        sent_to(&alerts[0], shop_blackbox::ADMIN_EMAIL),
        "{alerts:#?}"
    );
    // The customer sees the order, not the provider's errors nor the alert.
    let mine = app
        .get(&format!("/api/v1/orders/{id}"), c.token.as_str())
        .await;
    let mine = mine.expect(200);
    assert!(mine["order"].get("finalization").is_none(), "{mine:#}");
    assert!(mine["order"].get("alert").is_none(), "{mine:#}");
    assert!(
        mine["order"]["history"]
            .as_array()
            .is_some_and(|h| h.iter().all(|e| e.get("note").is_none())),
        "{mine:#}"
    );

    double.set_faults(Faults::default());
    let paid =
        wait_for_admin_view(&app, &admin, &id, "never paid", |o| o["status"] == "paid").await;
    assert!(
        paid["alert"].is_null(),
        "a status change takes the alert down: {paid:#}"
    );
    let ledger = double.ledger();
    assert_eq!(
        (ledger.payments.len(), ledger.payments[0].completions),
        (1, 1)
    );
    double.stop().await;
}

/// A finalization that fails for another reason than Square (here the
/// workflow engine it hands orders to is unreachable) stops after the
/// quick retries: `dead` for the admins, alerted, and an admin's requeue
/// runs it again as a new generation.
#[tokio::test]
async fn a_dead_finalization_is_alerted_and_an_admin_requeues_it() {
    let (double, app) = app_with_double("L-DEAD").await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "9.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let order = app.place_order(&c.token, &quote_id, OK, "dead-1").await;
    let id = order.expect(201)["order"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut broken = app.spawn_worker_with(&[
        ("SHOP_WORKER", "stepfunctions"),
        (
            "SHOP_SFN_STATE_MACHINE_ARN",
            "arn:aws:states:us-east-1:123456789012:stateMachine:unreachable",
        ),
        ("SHOP_SFN_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("SHOP_WORKER_MAX_ATTEMPTS", "2"),
        ("SHOP_WORKER_BACKOFF_MAX_MS", "100"),
    ]);

    let item = wait_for_admin_view(&app, &admin, &id, "finalization never died", |o| {
        o["finalization"]["state"] == "dead"
    })
    .await;
    assert_eq!(item["status"], "authorized", "{item:#}");
    assert_eq!(item["finalization"]["attempts"], 2, "{item:#}");
    assert!(
        item["alert"]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("finalization stopped after 2 attempts")),
        "{item:#}\n{}",
        broken.stderr()
    );
    let note = item["history"]
        .as_array()
        .and_then(|h| h.last())
        .map(|h| h["note"].clone())
        .unwrap_or_default();
    assert!(
        note.as_str()
            .is_some_and(|n| n.starts_with("admins alerted")),
        "{item:#}"
    );
    broken.terminate();

    // A customer may not requeue; a closed order cannot be.
    app.post_empty(
        &format!("/api/v1/admin/orders/{id}/retry-finalization"),
        c.token.as_str(),
    )
    .await
    .problem(403, "forbidden");
    app.post_empty(
        "/api/v1/admin/orders/no-such-order/retry-finalization",
        admin.as_str(),
    )
    .await
    .problem(404, "not_found");
    let requeued = app
        .post_empty(
            &format!("/api/v1/admin/orders/{id}/retry-finalization"),
            admin.as_str(),
        )
        .await;
    let requeued = requeued.expect(200)["order"].clone();
    assert!(requeued["alert"].is_null(), "{requeued:#}");
    assert_eq!(requeued["finalization"]["state"], "queued", "{requeued:#}");
    assert_eq!(requeued["finalization"]["attempts"], 0, "{requeued:#}");
    let _worker = app.spawn_worker_with(&[("SHOP_WORKER", "embedded")]);
    let paid = wait_for_admin_view(&app, &admin, &id, "never paid after the requeue", |o| {
        o["status"] == "paid"
    })
    .await;
    assert_eq!(paid["finalization"]["state"], "done", "{paid:#}");
    app.post_empty(
        &format!("/api/v1/admin/orders/{id}/retry-finalization"),
        admin.as_str(),
    )
    .await
    .problem(409, "invalid_order_state");
    assert_eq!(double.ledger().payments[0].completions, 1);
    double.stop().await;
}

#[tokio::test]
async fn an_expired_authorization_fails_the_order_releases_stock_and_mails_the_customer() {
    let (double, app) = app_with_double("L-EXPIRED").await;
    let admin = app.admin_token().await;
    let product = app.create_product(admin.as_str(), "12.00", 4).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 3).await;
    let order = app.place_order(&c.token, &quote_id, OK, "expired-1").await;
    let order = order.expect(201)["order"].clone();
    let id = order["id"].as_str().expect("id").to_string();
    let number = order["number"].as_str().expect("number").to_string();
    let stock = |p: Option<Value>| p.map(|p| p["stock"].clone()).unwrap_or_default();
    assert_eq!(stock(app.admin_product(&admin, pid).await), 1);
    // Square voids the authorization before anyone captured it.
    double.expire_all();
    let _worker = app.spawn_worker();

    let item = wait_for_admin_view(&app, &admin, &id, "order never failed", |o| {
        o["status"] == "payment_failed"
    })
    .await;
    assert_eq!(item["finalization"]["state"], "done", "{item:#}");
    assert_eq!(stock(app.admin_product(&admin, pid).await), 4);
    let started = Instant::now();
    let failed = loop {
        let mails: Vec<Value> = app
            .mail_files_naming(&number)
            .into_iter()
            .filter(|m| sent_to(m, &c.email))
            .collect();
        if !mails.is_empty() {
            break mails;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("failed")),
        "{failed:#?}"
    );
    assert!(
        failed[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("nothing was charged")),
        "{failed:#?}"
    );
    // Nothing was captured, so no confirmation and no new-order notice;
    // the admins hear why the order was given up. Their mail may still be
    // on its way after the customer's: counted once every delivery is over.
    app.wait_for_settled_outbox(&admin, Duration::from_secs(30))
        .await;
    let named = app.mail_files_naming(&number);
    assert_eq!(named.len(), 2, "{named:#?}");
    assert!(
        named.iter().any(|m| sent_to(m, shop_blackbox::ADMIN_EMAIL)
            && m["subject"]
                .as_str()
                .is_some_and(|s| s.contains("needs attention"))),
        "{named:#?}"
    );
    assert_eq!(double.ledger().payments[0].completions, 0);
    double.stop().await;
}
