//! A shop on a fresh SQLite database in a temporary directory, wired like
//! the Lambda binary wires it, and orders placed in it.

use std::collections::HashMap;

use shop_bootstrap::Config;
use std::sync::Arc;

use shop_bootstrap::{Wiring, finalization_service, wire_with_clock};
use shop_domain::Clock;
use shop_domain::Money;
use shop_domain::ids::OrderId;
use shop_domain::jobs::FinalizationService;
use shop_domain::order::{Actor, OrderStatus, PaymentInfo, PaymentProvider};
use shop_domain::payment::{AuthorizeRequest, idempotency_key};
use shop_testkit::fixtures::{customer, new_order, product, quote, unique};

pub struct Shop {
    pub wiring: Wiring,
    pub service: FinalizationService,
    _dir: tempfile::TempDir,
}

/// A shop on a new SQLite file, with `vars` on top of the defaults.
pub async fn shop(vars: &[(&str, &str)]) -> Shop {
    shop_at(vars, Arc::new(shop_memory::SystemClock)).await
}

/// [`shop`] on `clock` (a test that moves time).
pub async fn shop_at(vars: &[(&str, &str)], clock: Arc<dyn Clock>) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let mut env: HashMap<String, String> = HashMap::from([
        ("SHOP_DATA_DIR".into(), dir.path().display().to_string()),
        (
            "SHOP_DATABASE_URL".into(),
            format!("sqlite://{}", dir.path().join("shop.db").display()),
        ),
        ("SHOP_ADMIN_NOTIFY".into(), "orders@shop.test".into()),
        ("SHOP_WORKER".into(), "off".into()),
    ]);
    for (k, v) in vars {
        env.insert((*k).into(), (*v).into());
    }
    let config = Config::from_lookup(&|name| env.get(name).cloned()).unwrap();
    let wiring = wire_with_clock(&config, clock).await.unwrap();
    let service = finalization_service(&config, &wiring);
    Shop {
        wiring,
        service,
        _dir: dir,
    }
}

impl Shop {
    /// An order pending payment (card `cnon:card-nonce-ok`).
    pub async fn pending_order(&self) -> OrderId {
        let stores = &self.wiring.stores;
        let user = customer();
        stores.accounts.insert(&user).await.unwrap();
        let p = product(&unique("L-"), "Lambda lamp", 5);
        stores.catalog.insert_product(&p, None, &[]).await.unwrap();
        let q = quote(&user.id, &[(&p, 1)]);
        stores.quotes.insert(&q).await.unwrap();
        stores
            .orders
            .create(&new_order(&user, &q))
            .await
            .unwrap()
            .id
    }

    /// An order whose card the checkout authorized (and nothing more).
    pub async fn authorized_order(&self) -> OrderId {
        let id = self.pending_order().await;
        let wiring = &self.wiring;
        let order = wiring.stores.orders.get(&id).await.unwrap().unwrap();
        let record = wiring
            .payments
            .authorize(&AuthorizeRequest {
                idempotency_key: idempotency_key(&id, "authorize"),
                amount: Money::new(order.total, order.currency.clone()),
                source_id: order.payment_source_id.clone(),
                reference_id: order.number.clone(),
                buyer_email: order.customer_email.clone(),
            })
            .await
            .unwrap();
        let change = order
            .change_to(
                OrderStatus::Authorized,
                Actor::PaymentProvider,
                wiring.clock.now(),
                None,
            )
            .unwrap()
            .with_payment(PaymentInfo {
                provider: PaymentProvider::Square,
                payment_id: Some(record.payment_id),
                status: record.status.into(),
                failure_code: None,
                authorization_expires_at: record.delayed_until,
            });
        wiring.stores.orders.transition(&id, &change).await.unwrap();
        id
    }

    pub async fn status(&self, id: &OrderId) -> OrderStatus {
        self.wiring
            .stores
            .orders
            .get(id)
            .await
            .unwrap()
            .unwrap()
            .status
    }

    /// Recipients of the unsent outbox mails, sorted.
    pub async fn unsent_recipients(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .wiring
            .stores
            .outbox
            .unsent(100)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.message.to.to_string())
            .collect();
        to.sort();
        to
    }
}
