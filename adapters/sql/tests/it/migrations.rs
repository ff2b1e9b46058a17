//! The schema: applied twice without error, on both backends.

use shop_sql::SqlStore;

use crate::common::{self, pool};

async fn twice(url: &str) {
    let store = SqlStore::connect(url, &pool()).await.expect("connects");
    let first = store.migrate().await.expect("first run");
    assert!(first > 0, "a fresh database gets every migration");
    let second = store.migrate().await.expect("second run is a no-op");
    assert_eq!(second, 0, "nothing is pending on the second run");
    store.ping().await.expect("ready");
    // And from a new process' point of view: a new pool on the same database.
    let again = SqlStore::connect(url, &pool())
        .await
        .expect("connects again");
    assert_eq!(again.migrate().await.expect("third run"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrations_run_twice() {
    let dir = common::sqlite_dir();
    twice(&format!("sqlite://{}/shop.db", dir.display())).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_migrations_run_twice() {
    let (name, url) = common::mariadb_database().await;
    twice(&url).await;
    common::drop_mariadb_database(&name).await;
}

/// The unique constraints the domain relies on, by (table, columns).
const UNIQUE: [(&str, &str); 8] = [
    ("users", "email"),
    ("products", "sku"),
    ("categories", "slug"),
    ("promotions", "code"),
    ("orders", "number"),
    ("idempotency_keys", "user_id,idem_key"),
    ("order_numbers", "order_id"),
    ("tax_rates", "country,region"),
];

async fn unique_keys(store: &SqlStore) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = store.connection();
    let sql = if store.backend() == sea_orm::DbBackend::MySql {
        "SELECT table_name AS t, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS c \
         FROM information_schema.statistics WHERE table_schema = DATABASE() AND non_unique = 0 \
         GROUP BY table_name, index_name"
    } else {
        "SELECT m.name AS t, (SELECT group_concat(name, ',') FROM \
           (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) AS c \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         WHERE m.type = 'table' AND il.\"unique\" = 1"
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.try_get("", "t").unwrap(), r.try_get("", "c").unwrap()))
        .collect()
}

async fn has_the_unique_constraints(store: &SqlStore) {
    let keys = unique_keys(store).await;
    for (table, columns) in UNIQUE {
        assert!(
            keys.iter().any(|(t, c)| t == table && c == columns),
            "missing unique ({columns}) on {table}: {keys:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_schema_has_the_unique_constraints() {
    let (store, dir) = common::sqlite_with_dir().await;
    has_the_unique_constraints(&store).await;
    common::remove_sqlite(store, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_schema_has_the_unique_constraints() {
    let (name, url) = common::mariadb_database().await;
    let store = SqlStore::connect(&url, &pool()).await.unwrap();
    store.migrate().await.unwrap();
    has_the_unique_constraints(&store).await;
    store.close().await.unwrap();
    common::drop_mariadb_database(&name).await;
}
