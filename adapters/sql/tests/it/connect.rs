//! Connecting: the embedded SQLite settings, and no secret in errors.

use sea_orm::{ConnectionTrait, Statement};
use shop_domain::{DomainError, StoreError};
use shop_sql::SqlStore;

use crate::common::{self, pool};

async fn pragma(store: &SqlStore, name: &str) -> String {
    let db = store.connection();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0)
        .map(|v| v.to_string())
        .or_else(|_| row.try_get_by_index::<String>(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_creates_the_file_and_its_directory_in_wal_mode() {
    let root = common::sqlite_dir();
    let dir = root.join("nested");
    let file = dir.join("shop.db");
    let store = SqlStore::connect(&format!("sqlite://{}", file.display()), &pool())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert!(file.exists());
    assert_eq!(pragma(&store, "journal_mode").await, "wal");
    assert_eq!(pragma(&store, "foreign_keys").await, "1");
    assert_eq!(pragma(&store, "busy_timeout").await, "5000");
    assert_eq!(pragma(&store, "synchronous").await, "2", "FULL");
    common::remove_sqlite(store, &root).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_in_memory_works_on_one_connection() {
    let store = SqlStore::connect("sqlite::memory:", &pool()).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

fn backend_message(result: Result<SqlStore, DomainError>) -> String {
    match result {
        Err(DomainError::Store(StoreError::Backend { context, .. })) => context,
        other => panic!("expected a backend error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_never_show_the_password() {
    let quick = shop_sql::PoolOptions {
        connect_timeout: std::time::Duration::from_secs(2),
        acquire_timeout: std::time::Duration::from_secs(2),
        ..pool()
    };
    // Nobody listens on port 1.
    let refused = backend_message(
        SqlStore::connect("mysql://shop:hunter2-secret@127.0.0.1:1/shop", &quick).await,
    );
    assert!(!refused.contains("hunter2"), "{refused}");
    assert!(refused.contains("shop:***@127.0.0.1:1"), "{refused}");
    // The server refuses the credentials.
    let base = common::mysql_base_url();
    let host = base.rsplit('@').next().unwrap();
    let denied = backend_message(
        SqlStore::connect(
            &format!("mysql://nobody:hunter2-secret@{host}/shop"),
            &quick,
        )
        .await,
    );
    assert!(!denied.contains("hunter2"), "{denied}");
    let unsupported = backend_message(SqlStore::connect("postgres://u:pw@h/d", &quick).await);
    assert!(!unsupported.contains(":pw@"), "{unsupported}");
}
