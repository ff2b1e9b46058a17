//! The schema: applied twice without error, on both backends.

use shop_sql::SqlStore;

use crate::common::{self, pool};

async fn twice(url: &str) {
    let store = SqlStore::connect(url, &pool()).await.expect("connects");
    store.migrate().await.expect("first run");
    store.migrate().await.expect("second run is a no-op");
    store.ping().await.expect("ready");
    // And from a new process' point of view: a new pool on the same database.
    let again = SqlStore::connect(url, &pool())
        .await
        .expect("connects again");
    again.migrate().await.expect("third run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrations_run_twice() {
    twice(&common::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_migrations_run_twice() {
    let (name, url) = common::mariadb_database().await;
    twice(&url).await;
    common::drop_mariadb_database(&name).await;
}
