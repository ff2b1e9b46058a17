//! Building blocks the tests share: accounts, catalog, quotes and orders,
//! all made through the public API.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{Value, json};

use crate::http::{ANON, Bearer, Resp};
use crate::spawn::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};

/// A string no other call in this process returns.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}{}x{nanos}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A US address in `region`.
pub fn address(region: &str) -> Value {
    json!({
        "line1": "1 Main Street",
        "line2": null,
        "city": "Springfield",
        "region": region,
        "postal_code": "94000",
        "country": "US",
    })
}

/// A signed-in customer.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    pub email: String,
    pub password: String,
    pub name: String,
    pub token: String,
    pub refresh_token: String,
    /// The whole login response.
    pub login: Value,
}

pub const CUSTOMER_PASSWORD: &str = "Sturdy-horse-battery-9";

impl TestApp {
    /// The JSON files of the file mailbox (one per message) that name `needle`.
    pub fn mail_files_naming(&self, needle: &str) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(self.data_dir.join("mail")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter(|text| text.contains(needle))
            .map(|text| serde_json::from_str(&text).expect("a mail file is JSON"))
            .collect()
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            ANON,
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// The configured admin's access token.
    pub async fn admin_token(&self) -> String {
        let resp = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let body = resp.expect(200);
        assert_eq!(body["user"]["role"], "admin", "{body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn register(&self, email: &str, password: &str, name: &str) -> Resp {
        self.post(
            "/api/v1/auth/register",
            ANON,
            &json!({"email": email, "password": password, "name": name}),
        )
        .await
    }

    /// Registers a new customer and signs them in.
    pub async fn customer(&self) -> Customer {
        let email = format!("{}@example.com", unique("cust"));
        let name = "Casey Customer".to_string();
        let reg = self.register(&email, CUSTOMER_PASSWORD, &name).await;
        let id = reg.expect(201)["user"]["id"]
            .as_str()
            .expect("user.id")
            .to_string();
        self.sign_in(&email, CUSTOMER_PASSWORD, &id, &name).await
    }

    pub async fn sign_in(&self, email: &str, password: &str, id: &str, name: &str) -> Customer {
        let login = self.login(email, password).await;
        let body = login.expect(200).clone();
        Customer {
            id: id.to_string(),
            email: email.to_string(),
            password: password.to_string(),
            name: name.to_string(),
            token: body["access_token"].as_str().expect("access_token").into(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .into(),
            login: body,
        }
    }

    pub async fn create_category(&self, admin: &str, slug: &str, name: &str) -> Value {
        self.post(
            "/api/v1/admin/categories",
            admin,
            &json!({"slug": slug, "name": name}),
        )
        .await
        .expect(201)
        .clone()
    }

    /// Creates an active product; `price` a decimal string.
    pub async fn create_product(&self, admin: &str, price: &str, stock: u32) -> Value {
        let sku = unique("SKU-");
        self.post(
            "/api/v1/admin/products",
            admin,
            &json!({
                "sku": sku,
                "name": format!("Widget {sku}"),
                "description": "A sturdy widget",
                "category_id": null,
                "price": price,
                "stock": stock,
                "active": true,
            }),
        )
        .await
        .expect(201)
        .clone()
    }

    /// Replaces the tax table with `rates` (country, region, rate).
    pub async fn set_tax_rates(&self, admin: &str, rates: &[(&str, &str, &str)]) {
        let items: Vec<Value> = rates
            .iter()
            .map(|(c, r, rate)| json!({"country": c, "region": r, "rate": rate}))
            .collect();
        self.put("/api/v1/admin/tax-rates", admin, &json!({"items": items}))
            .await
            .expect(200);
    }

    /// Asks for a quote of `quantity` x `product_id` shipped to `region`.
    pub async fn quote(
        &self,
        who: &str,
        product_id: &str,
        quantity: u32,
        region: &str,
        promo_code: Option<&str>,
    ) -> Resp {
        let mut body = json!({
            "items": [{"product_id": product_id, "quantity": quantity}],
            "ship_to": address(region),
        });
        if let Some(code) = promo_code {
            body["promo_code"] = json!(code);
        }
        self.post("/api/v1/checkout/quote", who, &body).await
    }

    /// A quote that must succeed; returns its id.
    pub async fn quote_id(&self, who: &str, product_id: &str, quantity: u32) -> String {
        self.quote(who, product_id, quantity, "CA", None)
            .await
            .expect(201)["quote_id"]
            .as_str()
            .expect("quote_id")
            .to_string()
    }

    pub async fn place_order(&self, who: &str, quote_id: &str, nonce: &str, key: &str) -> Resp {
        self.send(
            Method::POST,
            "/api/v1/orders",
            who,
            Some(&json!({"quote_id": quote_id, "payment_source_id": nonce})),
            &[("Idempotency-Key", key)],
        )
        .await
    }

    /// Polls the customer's view of an order until it has `status`.
    pub async fn wait_for_order(
        &self,
        who: &str,
        order_id: &str,
        status: &str,
        timeout: Duration,
    ) -> Value {
        let started = Instant::now();
        loop {
            let resp = self.get(&format!("/api/v1/orders/{order_id}"), who).await;
            let body = &resp.expect(200)["order"];
            if body["status"] == status {
                return body.clone();
            }
            assert!(
                started.elapsed() < timeout,
                "order {order_id} not {status} after {timeout:?}: {body}\nstderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls the admin view of an order until its finalization job is
    /// `state` (`done`, `dead` ...); the order.
    pub async fn wait_for_finalization(
        &self,
        admin: &str,
        order_id: &str,
        state: &str,
        timeout: Duration,
    ) -> Value {
        let started = Instant::now();
        loop {
            let resp = self
                .get(&format!("/api/v1/admin/orders/{order_id}"), admin)
                .await;
            let order = &resp.expect(200)["order"];
            if order["finalization"]["state"] == state {
                return order.clone();
            }
            assert!(
                started.elapsed() < timeout,
                "finalization of order {order_id} not {state} after {timeout:?}: {order}\n\
                 stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls the outbox until no delivery of any recorded mail can run
    /// again: each sent mail's job `done`, each unsent one's `dead`. What
    /// the transport got by then is all it will ever get, so a count taken
    /// afterwards proves there is no duplicate still to come.
    pub async fn wait_for_settled_outbox(&self, admin: &str, timeout: Duration) {
        let started = Instant::now();
        loop {
            let unsent = self
                .walk("/api/v1/admin/mail?status=unsent", admin, 100)
                .await;
            let sent = self
                .walk("/api/v1/admin/mail?status=sent", admin, 100)
                .await;
            // A sent mail without a job has nothing left to run.
            let settled = unsent.iter().all(|m| delivery_state(m) == Some("dead"))
                && sent
                    .iter()
                    .all(|m| matches!(delivery_state(m), None | Some("done")));
            if settled {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "outbox not settled after {timeout:?}\nunsent: {unsent:#?}\nsent: {sent:#?}\n\
                 stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every item of a paginated list, following `next_cursor`.
    pub async fn walk(&self, path: &str, who: impl Bearer + Copy, limit: u32) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let url = match &cursor {
                None => format!("{path}{sep}limit={limit}"),
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            };
            let resp = self.get(&url, who).await;
            let body = resp.expect(200);
            let page = body["items"].as_array().expect("items");
            assert!(page.len() <= limit as usize, "page over the limit: {body}");
            items.extend(page.iter().cloned());
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
        panic!("{path}: the cursor never ends");
    }

    /// The admin's view of a product (the admin list holds inactive ones too).
    pub async fn admin_product(&self, admin: &str, product_id: &str) -> Option<Value> {
        self.walk("/api/v1/admin/products", admin, 100)
            .await
            .into_iter()
            .find(|p| p["id"] == product_id)
    }

    /// The messages the embedded file mailbox holds, as the admin API lists them.
    pub async fn mailbox(&self, admin: &str) -> Vec<Value> {
        self.walk("/api/v1/admin/mailbox", admin, 100).await
    }
}

/// The state of an outbox mail's delivery job, as `GET /api/v1/admin/mail`
/// lists it; `None` for a mail without one.
fn delivery_state(mail: &Value) -> Option<&str> {
    mail["delivery"]["state"].as_str()
}

/// The amount of a money value `{"amount": "12.50", "currency": "USD"}`,
/// checking its shape: a decimal string (never a float) in the shop's USD.
#[track_caller]
pub fn amount(value: &Value) -> String {
    assert_eq!(
        value["currency"], "USD",
        "money without its currency: {value}"
    );
    match &value["amount"] {
        Value::String(s) => s.clone(),
        other => panic!("amount is not a decimal string: {value} ({other})"),
    }
}
