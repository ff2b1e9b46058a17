//! Money safety at the edges, from the outside: payments that survive a
//! restart of the embedded shop, a checkout Square does not answer in time,
//! captures Square refuses for a long time, single-use quotes, promotion
//! uses given back, free orders, and stock that moves only by movements.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use shop_blackbox::{TestApp, ThrowawayDatabase, spawn_app, spawn_with_double};
use shop_square_double::{DoubleConfig, Faults, SquareDouble};

const OK: &str = "cnon:card-nonce-ok";
const TOKEN: &str = "EAAA-blackbox-money";
const PAID_TIMEOUT: Duration = Duration::from_secs(30);

fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("order id").to_string()
}

/// The simulator's payments, as an admin of the embedded shop sees them.
async fn simulator_payments(app: &TestApp, admin: &str) -> Vec<Value> {
    app.get("/api/v1/admin/payment-simulator/payments", admin)
        .await
        .expect(200)["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// The admin's view of one order.
async fn admin_order(app: &TestApp, admin: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/admin/orders/{id}"), admin)
        .await
        .expect(200)["order"]
        .clone()
}

async fn stock(app: &TestApp, admin: &str, product: &str) -> u64 {
    app.admin_product(admin, product).await.expect("listed")["stock"]
        .as_u64()
        .expect("stock")
}

#[tokio::test]
async fn an_authorization_made_before_a_restart_is_captured_once_after_it() {
    // The embedded default: the simulator, a SQLite file. No worker at first.
    let mut app = TestApp::builder().env("SHOP_WORKER", "off").spawn().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "15.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 2).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "restart-1").await;
    let order = placed.expect(201)["order"].clone();
    assert_eq!(order["status"], "authorized");
    let id = id_of(&order);

    // A new process with the embedded worker: the authorization is still
    // there, and it is captured, once.
    app.unset_env("SHOP_WORKER");
    app.restart().await;
    let admin = app.admin_token().await;
    let c_token = app
        .login(&c.email, shop_blackbox::CUSTOMER_PASSWORD)
        .await
        .expect(200)["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let paid = app
        .wait_for_order(&c_token, &id, "paid", PAID_TIMEOUT)
        .await;
    assert_eq!(paid["payment"]["status"], "COMPLETED");
    let payments = simulator_payments(&app, &admin).await;
    assert_eq!(payments.len(), 1, "{payments:#?}");
    assert_eq!(payments[0]["status"], "COMPLETED");
    assert_eq!(payments[0]["completions"], 1);
    assert_eq!(payments[0]["id"], paid["payment"]["payment_id"]);

    // And a refund after yet another restart finds the payment too.
    app.restart().await;
    let admin = app.admin_token().await;
    let refunded = app
        .post_empty(&format!("/api/v1/admin/orders/{id}/refund"), admin.as_str())
        .await;
    assert_eq!(refunded.expect(200)["order"]["status"], "refunded");
    let payments = simulator_payments(&app, &admin).await;
    assert_eq!(
        payments[0]["refunded"],
        payments[0]["amount_money"]["amount"]
    );
    assert_eq!(payments[0]["amount_money"]["amount"], 3000);
}

/// Follows an order as the documented client does after a 202.
async fn follow(app: &TestApp, token: &str, location: &str) -> Value {
    let started = Instant::now();
    loop {
        let order = app.get(location, token).await.expect(200)["order"].clone();
        if order["status"] != "pending_payment" {
            return order;
        }
        assert!(
            started.elapsed() < PAID_TIMEOUT,
            "still pending: {order:#}\n{}",
            app.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn square_not_answering_the_checkout_is_never_a_failure_and_ends_in_one_paid_order() {
    let (double, app) = spawn_with_double(
        TestApp::builder().env("SHOP_SQUARE_TIMEOUT_SECONDS", "1"),
        DoubleConfig::default(),
        TOKEN,
        "L-TIMEOUT",
    )
    .await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "20.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;

    // Square takes the payment but answers after the shop stopped waiting.
    double.set_faults(Faults {
        operation: Some("CreatePayment".into()),
        delay_ms: 2_500,
        ..Faults::default()
    });
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "timeout-1").await;
    let accepted = placed.expect(202)["order"].clone();
    assert_eq!(accepted["status"], "pending_payment");
    let location = placed.header("location").expect("Location").to_string();
    assert_eq!(location, format!("/api/v1/orders/{}", id_of(&accepted)));

    // A client retrying the same request gets the same order, no charge.
    let again = app.place_order(&c.token, &quote_id, OK, "timeout-1").await;
    assert!(matches!(again.status, 200 | 202), "{}", again.text);
    assert_eq!(id_of(&again.body["order"]), id_of(&accepted));
    // A client placing the quote again under a new key is told which
    // order it already is.
    let twice = app.place_order(&c.token, &quote_id, OK, "timeout-2").await;
    let problem = twice.problem(409, "quote_used");
    assert_eq!(problem["order_id"], accepted["id"]);

    double.set_faults(Faults::default());
    let settled = follow(&app, &c.token, &location).await;
    assert!(
        matches!(settled["status"].as_str(), Some("authorized" | "paid")),
        "{settled:#}"
    );
    let paid = app
        .wait_for_order(&c.token, &id_of(&accepted), "paid", PAID_TIMEOUT)
        .await;
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1, "{ledger:#?}");
    assert_eq!(ledger.payments[0].status, "COMPLETED");
    assert_eq!(ledger.payments[0].completions, 1);
    assert_eq!(
        paid["payment"]["payment_id"],
        ledger.payments[0].id.as_str()
    );

    // Square unreachable before it saw anything: 202 again, and the
    // workflow authorizes and captures it once.
    double.set_faults(Faults {
        operation: Some("CreatePayment".into()),
        fail_next: 1,
        ..Faults::default()
    });
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let placed = app.place_order(&c.token, &quote_id, OK, "timeout-3").await;
    let second = placed.expect(202)["order"].clone();
    app.wait_for_order(&c.token, &id_of(&second), "paid", PAID_TIMEOUT)
        .await;
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 2, "{ledger:#?}");
    assert!(ledger.payments.iter().all(|p| p.completions == 1));
    double.stop().await;
}

fn complete_requests(double: &SquareDouble) -> usize {
    double
        .ledger()
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/complete"))
        .count()
}

#[tokio::test]
async fn a_capture_square_refuses_for_twenty_minutes_of_its_time_ends_paid_not_voided() {
    let (double, app) = spawn_with_double(
        TestApp::builder().env("SHOP_WORKER_BACKOFF_MAX_MS", "100"),
        DoubleConfig::default(),
        TOKEN,
        "L-TWENTY",
    )
    .await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "10.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    double.set_faults(Faults {
        operation: Some("CompletePayment".into()),
        fail_until: Some(double.now() + chrono::Duration::minutes(20)),
        ..Faults::default()
    });
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let order = app.place_order(&c.token, &quote_id, OK, "twenty-1").await;
    let id = id_of(&order.expect(201)["order"]);

    // Square's clock runs a minute every 250 ms while the shop retries.
    let ticking = double.clone();
    let clock = tokio::spawn(async move {
        for _ in 0..24 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            ticking.advance_clock(chrono::Duration::minutes(1));
        }
    });
    let paid = app
        .wait_for_order(&c.token, &id, "paid", PAID_TIMEOUT)
        .await;
    clock.await.expect("clock task");
    assert_eq!(paid["payment"]["status"], "COMPLETED");
    let ledger = double.ledger();
    assert_eq!(ledger.payments.len(), 1);
    assert_eq!(
        (
            ledger.payments[0].status.as_str(),
            ledger.payments[0].completions
        ),
        ("COMPLETED", 1)
    );
    let tries = complete_requests(&double);
    assert!(tries > 12, "more captures than any fixed budget: {tries}");
    // The admins were alerted on the way; the alert is down now.
    let seen = admin_order(&app, &admin, &id).await;
    assert!(seen["alert"].is_null(), "{seen:#}");
    assert!(
        seen["history"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["note"]
                .as_str()
                .is_some_and(|n| n.starts_with("admins alerted")))),
        "{seen:#}"
    );
    double.stop().await;
}

#[tokio::test]
async fn a_capture_refused_until_the_margin_is_voided_and_failed_with_the_admins_alerted() {
    // A window of 8 s and a margin of 4 s stand for Square's 7 days and the
    // shop's hours.
    let (double, app) = spawn_with_double(
        TestApp::builder()
            .env("SHOP_WORKER_BACKOFF_MAX_MS", "200")
            .env("SHOP_PAYMENT_VOID_MARGIN_SECONDS", "4"),
        DoubleConfig {
            authorization_window: chrono::Duration::seconds(8),
            ..DoubleConfig::default()
        },
        TOKEN,
        "L-MARGIN",
    )
    .await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "10.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    double.set_faults(Faults {
        operation: Some("CompletePayment".into()),
        fail_next: 100_000,
        ..Faults::default()
    });
    let quote_id = app.quote_id(&c.token, pid, 2).await;
    let order = app.place_order(&c.token, &quote_id, OK, "margin-1").await;
    let order = order.expect(201)["order"].clone();
    let id = id_of(&order);
    let number = order["number"].as_str().expect("number").to_string();
    assert_eq!(stock(&app, &admin, pid).await, 3);

    let failed = app
        .wait_for_order(&c.token, &id, "payment_failed", PAID_TIMEOUT)
        .await;
    assert_eq!(failed["payment"]["status"], "CANCELED");
    let ledger = double.ledger();
    assert_eq!(
        (
            ledger.payments[0].status.as_str(),
            ledger.payments[0].completions
        ),
        ("CANCELED", 0),
        "voided by the shop, nothing captured"
    );
    assert!(
        ledger.requests.iter().any(|r| r.path.ends_with("/cancel")),
        "the shop voided it before Square let it lapse"
    );
    assert_eq!(stock(&app, &admin, pid).await, 5, "the stock came back");
    let seen = admin_order(&app, &admin, &id).await;
    assert_eq!(seen["payment"]["status"], "CANCELED");
    // The customer is told nothing was charged; the admins why.
    let started = Instant::now();
    loop {
        let mails = app.mail_files_naming(&number);
        let to_admin = mails.iter().filter(|m| {
            m["to"] == shop_blackbox::ADMIN_EMAIL
                && m["subject"]
                    .as_str()
                    .is_some_and(|s| s.contains("needs attention"))
        });
        let to_customer = mails.iter().filter(|m| {
            m["to"] == c.email.as_str()
                && m["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("nothing was charged"))
        });
        if to_admin.count() >= 1 && to_customer.count() == 1 {
            break;
        }
        assert!(started.elapsed() < PAID_TIMEOUT, "mails: {mails:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    double.stop().await;
}

/// A shop whose orders stay authorized (no worker captures them), so a
/// customer can still cancel them.
async fn without_worker() -> TestApp {
    TestApp::builder().env("SHOP_WORKER", "off").spawn().await
}

#[tokio::test]
async fn a_quote_becomes_one_live_order_and_a_canceled_order_gives_it_back() {
    let app = without_worker().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "8.00", 10).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 1).await;
    let first = app.place_order(&c.token, &quote_id, OK, "q-1").await;
    let first = first.expect(201)["order"].clone();
    let twice = app.place_order(&c.token, &quote_id, OK, "q-2").await;
    let problem = twice.problem(409, "quote_used");
    assert_eq!(problem["order_id"], first["id"]);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains(first["id"].as_str().unwrap_or("?"))),
        "{problem:#}"
    );
    assert_eq!(
        stock(&app, &admin, pid).await,
        9,
        "the refused order held nothing"
    );
    app.post_empty(
        &format!("/api/v1/orders/{}/cancel", id_of(&first)),
        c.token.as_str(),
    )
    .await
    .expect(200);
    let again = app.place_order(&c.token, &quote_id, OK, "q-3").await;
    assert_eq!(again.expect(201)["order"]["status"], "authorized");
}

async fn promotion(app: &TestApp, admin: &str, code: &str, percent: &str) {
    app.post(
        "/api/v1/admin/promotions",
        admin,
        &json!({"code": code, "kind": "percent", "value": percent, "max_uses": 1}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_promotion_use_comes_back_when_its_order_is_canceled() {
    let app = without_worker().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "50.00", 10).await;
    let pid = product["id"].as_str().expect("id");
    promotion(&app, &admin, "ONCE", "10").await;
    let c = app.customer().await;
    let quote = |key: &'static str| {
        let (app, token) = (&app, c.token.clone());
        async move {
            let q = app.quote(&token, pid, 1, "CA", Some("ONCE")).await;
            let quote_id = q.expect(201)["quote_id"].as_str().expect("id").to_string();
            app.place_order(&token, &quote_id, OK, key).await
        }
    };
    let first = quote("promo-1").await;
    let first = first.expect(201)["order"].clone();
    assert_eq!(first["promo_code"], "ONCE");
    // Used up: the next quote is refused.
    app.quote(&c.token, pid, 1, "CA", Some("ONCE"))
        .await
        .problem(422, "invalid_promotion");
    app.post_empty(
        &format!("/api/v1/orders/{}/cancel", id_of(&first)),
        c.token.as_str(),
    )
    .await
    .expect(200);
    let second = quote("promo-2").await;
    assert_eq!(second.expect(201)["order"]["promo_code"], "ONCE");
}

#[tokio::test]
async fn an_order_with_nothing_to_charge_is_paid_without_square() {
    let (double, app) =
        spawn_with_double(TestApp::builder(), DoubleConfig::default(), TOKEN, "L-FREE").await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "25.00", 3).await;
    let pid = product["id"].as_str().expect("id");
    promotion(&app, &admin, "GIFT", "100").await;
    let c = app.customer().await;
    let q = app.quote(&c.token, pid, 1, "CA", Some("GIFT")).await;
    let q = q.expect(201).clone();
    assert_eq!(q["total"]["amount"], "0.00");
    let placed = app
        .place_order(&c.token, q["quote_id"].as_str().expect("id"), OK, "free-1")
        .await;
    let order = placed.expect(201)["order"].clone();
    assert_eq!(order["status"], "paid");
    assert_eq!(order["payment"]["provider"], "none");
    assert_eq!(order["payment"]["status"], "NOT_REQUIRED");
    assert!(double.ledger().requests.is_empty(), "no call to Square");
    let seen = admin_order(&app, &admin, &id_of(&order)).await;
    assert!(
        seen["history"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["note"]
                .as_str()
                .is_some_and(|n| n.contains("nothing to charge")))),
        "{seen:#}"
    );
    assert_eq!(stock(&app, &admin, pid).await, 2);
    double.stop().await;
}

async fn movements(app: &TestApp, admin: &str, product: &str) -> Vec<Value> {
    app.walk(
        &format!("/api/v1/admin/products/{product}/stock-movements"),
        admin,
        3,
    )
    .await
}

async fn adjust(
    app: &TestApp,
    admin: &str,
    product: &str,
    delta: i64,
    reason: &str,
) -> shop_blackbox::Resp {
    app.post(
        &format!("/api/v1/admin/products/{product}/stock-adjustments"),
        admin,
        &json!({"delta": delta, "reason": reason}),
    )
    .await
}

#[tokio::test]
async fn paid_units_waiting_to_ship_are_never_sold_again_by_an_adjustment() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "10.00", 5).await;
    let pid = product["id"].as_str().expect("id");
    let c = app.customer().await;
    let quote_id = app.quote_id(&c.token, pid, 3).await;
    let order = app.place_order(&c.token, &quote_id, OK, "stock-1").await;
    let id = id_of(&order.expect(201)["order"]);
    app.wait_for_order(&c.token, &id, "paid", PAID_TIMEOUT)
        .await;
    assert_eq!(stock(&app, &admin, pid).await, 2, "3 paid, waiting to ship");

    // Two units arrive: the admin adds them, without touching the 3 sold.
    let added = adjust(&app, &admin, pid, 2, "received from the supplier").await;
    let added = added.expect(201).clone();
    assert_eq!(added["movement"]["kind"], "adjustment");
    assert_eq!(added["movement"]["stock_after"], 4);
    assert_eq!(added["product"]["stock"], 4);
    // Taking more than is on the shelf is refused and changes nothing.
    adjust(&app, &admin, pid, -5, "counted")
        .await
        .problem(409, "insufficient_stock");
    adjust(&app, &admin, pid, 0, "nothing")
        .await
        .invalid("delta");
    adjust(&app, &admin, pid, 1, " ").await.invalid("reason");
    app.post(
        &format!("/api/v1/admin/products/{pid}/stock-adjustments"),
        c.token.as_str(),
        &json!({"delta": 1, "reason": "mine"}),
    )
    .await
    .problem(403, "forbidden");
    adjust(&app, &admin, "no-such-product", 1, "x")
        .await
        .problem(404, "not_found");

    // Only the 4 on the shelf can be sold: a fifth is refused.
    let too_many = app.quote_id(&c.token, pid, 5).await;
    app.place_order(&c.token, &too_many, OK, "stock-2")
        .await
        .problem(409, "insufficient_stock");
    let all = app.quote_id(&c.token, pid, 4).await;
    app.place_order(&c.token, &all, OK, "stock-3")
        .await
        .expect(201);
    assert_eq!(stock(&app, &admin, pid).await, 0);

    // The ledger: who, when, why; it sums to the stock.
    let ledger = movements(&app, &admin, pid).await;
    let kinds: Vec<&str> = ledger.iter().filter_map(|m| m["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["order_reserved", "adjustment", "order_reserved", "initial"]
    );
    let sum: i64 = ledger.iter().filter_map(|m| m["delta"].as_i64()).sum();
    assert_eq!(sum, 0);
    let adjustment = &ledger[1];
    assert_eq!(adjustment["reason"], "received from the supplier");
    assert!(
        adjustment["by"]
            .as_str()
            .is_some_and(|b| b.starts_with("user:"))
    );
    assert!(ledger[0]["order_id"].is_string(), "{ledger:#?}");
}

#[tokio::test]
async fn the_ledger_sums_to_the_stock_after_concurrent_orders_cancellations_and_adjustments() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, "3.00", 12).await;
    let pid = product["id"].as_str().expect("id").to_string();
    let c = app.customer().await;
    let mut to_cancel = Vec::new();
    for i in 0..6 {
        let quote_id = app.quote_id(&c.token, &pid, 1).await;
        let order = app
            .place_order(&c.token, &quote_id, OK, &format!("mix-a{i}"))
            .await;
        to_cancel.push(id_of(&order.expect(201)["order"]));
    }
    let mut quotes = Vec::new();
    for _ in 0..10 {
        quotes.push(app.quote_id(&c.token, &pid, 2).await);
    }
    let app_ref = &app;
    let mut tasks = Vec::new();
    for (i, quote_id) in quotes.iter().enumerate() {
        let token = c.token.clone();
        tasks.push(Box::pin(async move {
            let r = app_ref
                .place_order(&token, quote_id, OK, &format!("mix-b{i}"))
                .await;
            assert!(matches!(r.status, 201 | 409), "{}", r.text);
        })
            as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>);
    }
    for id in &to_cancel {
        let token = c.token.clone();
        tasks.push(Box::pin(async move {
            let r = app_ref
                .post_empty(&format!("/api/v1/orders/{id}/cancel"), token.as_str())
                .await;
            assert!(matches!(r.status, 200 | 409), "{}", r.text);
        }));
    }
    for delta in [3, -2, 4, -1] {
        let admin = admin.clone();
        let pid = pid.clone();
        tasks.push(Box::pin(async move {
            let r = adjust(app_ref, &admin, &pid, delta, "concurrent count").await;
            assert!(matches!(r.status, 201 | 409), "{}", r.text);
        }));
    }
    futures::future::join_all(tasks).await;
    let on_hand = stock(&app, &admin, &pid).await;
    let ledger = movements(&app, &admin, &pid).await;
    let sum: i64 = ledger.iter().filter_map(|m| m["delta"].as_i64()).sum();
    assert_eq!(sum, i64::try_from(on_hand).unwrap(), "{ledger:#?}");
    assert!(ledger.iter().all(|m| m["stock_after"].as_u64().is_some()));
    // Each movement's stock_after is its predecessor's plus its delta.
    let mut oldest_first = ledger.clone();
    oldest_first.reverse();
    let mut running = 0_i64;
    for m in &oldest_first {
        running += m["delta"].as_i64().unwrap();
        assert!(running >= 0, "{oldest_first:#?}");
    }
}

#[tokio::test]
async fn a_store_outage_answers_503_with_retry_after() {
    // On MariaDB whatever the backend of the run: its database can be
    // taken away under a running shop.
    let db = ThrowawayDatabase::create();
    let app = TestApp::builder()
        .env("SHOP_DATABASE_URL", &db.url)
        .env("SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS", "2")
        .spawn()
        .await;
    app.get("/api/v1/products", shop_blackbox::ANON)
        .await
        .expect(200);
    let status = std::process::Command::new("mariadb")
        .args([
            "-u",
            "root",
            "-h",
            "127.0.0.1",
            "-e",
            &format!("DROP DATABASE `{}`", db.name),
        ])
        .status()
        .expect("mariadb client");
    assert!(status.success());
    let r = app.get("/api/v1/products", shop_blackbox::ANON).await;
    r.problem(503, "store_unavailable");
    assert_eq!(r.header("retry-after"), Some("5"));
    assert!(!r.text.contains(&db.name), "no internals: {}", r.text);
    // A write too, from a signed-in customer's request.
    let r = app
        .send(
            Method::POST,
            "/api/v1/contact",
            shop_blackbox::ANON,
            Some(&json!({"name": "Bo", "email": "bo@example.test", "subject": "Hi", "message": "Open?"})),
            &[],
        )
        .await;
    r.problem(503, "store_unavailable");
    assert_eq!(r.header("retry-after"), Some("5"));
}
