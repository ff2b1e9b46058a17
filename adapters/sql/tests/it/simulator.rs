//! The payment simulator's ledger on `SqlStore`: the `PaymentGateway`
//! conformance suite on SQLite and MariaDB, one payment per key under
//! concurrency, and payments that outlive the pool (a restarted shop).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use shop_domain::Clock;
use shop_domain::payment::{PaymentGateway, PaymentStatus};
use shop_sql::SqlStore;
use shop_square_sandbox::SimulatedSquare;
use shop_testkit::gateway::{GatewayHarness, NONCE_OK, authorization};

use crate::{common, concurrently};

#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(
            Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap(),
        )))
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub struct SqlSimulator {
    clock: Arc<TestClock>,
    square: SimulatedSquare,
}

impl SqlSimulator {
    fn on(store: &SqlStore) -> Self {
        let clock = TestClock::new();
        let square = SimulatedSquare::with_store(Arc::new(store.clone()), clock.clone());
        Self { clock, square }
    }
}

impl GatewayHarness for SqlSimulator {
    fn gateway(&self) -> &dyn PaymentGateway {
        &self.square
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn advance(&self, by: Duration) {
        *self.clock.0.lock().unwrap() += by;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_simulator_passes_the_gateway_suite() {
    let made = Mutex::new(Vec::new());
    shop_testkit::gateway::gateway_suite(|| async {
        let (store, dir) = common::sqlite_with_dir().await;
        made.lock().unwrap().push((store.clone(), dir));
        SqlSimulator::on(&store)
    })
    .await;
    for (store, dir) in made.into_inner().unwrap() {
        common::remove_sqlite(store, &dir).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mariadb_simulator_passes_the_gateway_suite() {
    let made = Mutex::new(Vec::new());
    shop_testkit::gateway::gateway_suite(|| async {
        let (name, url) = common::mariadb_database().await;
        let store = SqlStore::connect(&url, &common::pool()).await.unwrap();
        store.migrate().await.unwrap();
        made.lock().unwrap().push((store.clone(), name));
        SqlSimulator::on(&store)
    })
    .await;
    for (store, name) in made.into_inner().unwrap() {
        let _ = store.close().await;
        common::drop_mariadb_database(&name).await;
    }
}

/// Concurrent creates under one key make one payment; a payment made
/// through one pool is there, and can be captured, through the next.
pub async fn one_payment_per_key_and_payments_outlive_the_pool(store: SqlStore, reopen: SqlStore) {
    let simulator = SqlSimulator::on(&store);
    let square = simulator.square.clone();
    let results = concurrently(8, |_| {
        let square = square.clone();
        async move {
            square
                .authorize(&authorization("order-1:authorize", NONCE_OK, 1250))
                .await
        }
    })
    .await;
    let ids: Vec<String> = results.into_iter().map(|r| r.unwrap().payment_id).collect();
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    assert_eq!(square.payments().await.unwrap().len(), 1);

    // A restarted shop: a new pool, a new simulator on the same database.
    let restarted = SqlSimulator::on(&reopen);
    let completed = restarted.square.complete(&ids[0]).await.unwrap();
    assert_eq!(completed.status, PaymentStatus::Completed);
    let payments = restarted.square.payments().await.unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].completions, 1);
    // The replay of the create answers the payment as it now stands.
    let again = restarted
        .square
        .authorize(&authorization("order-1:authorize", NONCE_OK, 1250))
        .await
        .unwrap();
    assert_eq!(
        (again.payment_id.as_str(), again.status),
        (ids[0].as_str(), PaymentStatus::Completed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_simulator_keeps_one_payment_per_key_across_pools() {
    let (store, dir) = common::sqlite_with_dir().await;
    let reopen = SqlStore::connect(
        &format!("sqlite://{}/shop.db", dir.display()),
        &common::pool(),
    )
    .await
    .unwrap();
    one_payment_per_key_and_payments_outlive_the_pool(store.clone(), reopen.clone()).await;
    let _ = reopen.close().await;
    common::remove_sqlite(store, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mariadb_simulator_keeps_one_payment_per_key_across_pools() {
    let (name, url) = common::mariadb_database().await;
    let store = SqlStore::connect(&url, &common::pool()).await.unwrap();
    store.migrate().await.unwrap();
    let reopen = SqlStore::connect(&url, &common::pool()).await.unwrap();
    one_payment_per_key_and_payments_outlive_the_pool(store.clone(), reopen.clone()).await;
    let _ = reopen.close().await;
    let _ = store.close().await;
    common::drop_mariadb_database(&name).await;
}
