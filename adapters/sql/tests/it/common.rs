//! Fresh databases for each test: a temporary SQLite file, or a throwaway
//! MariaDB database `shop_test_<pid>_<n>` (dropped by a guard at the end of
//! a test, and swept at the start of every later run once its process is
//! gone).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use shop_sql::{PoolOptions, SqlStore};
use tokio::sync::OnceCell;

/// The MariaDB server the tests use (root without password here).
pub fn mysql_base_url() -> String {
    std::env::var("SHOP_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn pool() -> PoolOptions {
    PoolOptions {
        max_connections: 12,
        min_connections: 0,
        acquire_timeout: Duration::from_secs(30),
        ..PoolOptions::default()
    }
}

pub fn unique_suffix() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// A new temporary directory for a SQLite file.
pub fn sqlite_dir() -> std::path::PathBuf {
    std::env::temp_dir()
        .join("shop-sql-tests")
        .join(unique_suffix())
}

/// A migrated store on a new SQLite file, and the directory to remove.
pub async fn sqlite_with_dir() -> (SqlStore, std::path::PathBuf) {
    let dir = sqlite_dir();
    let url = format!("sqlite://{}/shop.db", dir.display());
    let store = SqlStore::connect(&url, &pool())
        .await
        .expect("sqlite connects");
    store.migrate().await.expect("migrations apply");
    (store, dir)
}

/// Closes `store` and removes its directory.
pub async fn remove_sqlite(store: SqlStore, dir: &std::path::Path) {
    store.close().await.expect("pool closes");
    let _ = std::fs::remove_dir_all(dir);
}

static SWEPT: OnceCell<()> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn admin() -> DatabaseConnection {
    Database::connect(mysql_base_url()).await.expect(
        "MariaDB must be running at SHOP_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306)",
    )
}

/// Drops the test databases of test processes that are gone.
async fn sweep(admin: &DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT schema_name AS name FROM information_schema.schemata \
             WHERE schema_name LIKE 'shop\\_test\\_%'",
        ))
        .await
        .expect("list schemata");
    for row in rows {
        let name: String = row.try_get("", "name").expect("schema name");
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`"))
                .await;
        }
    }
}

/// A new, empty MariaDB database; its name and URL.
pub async fn mariadb_database() -> (String, String) {
    let admin = admin().await;
    SWEPT.get_or_init(|| sweep(&admin)).await;
    let name = format!(
        "shop_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        &unique_suffix()[20..]
    );
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let url = format!("{}/{name}", mysql_base_url());
    (name, url)
}

/// Drops a test database now (the sweep catches the ones a test leaves).
/// `SHOP_TEST_KEEP_DB=1` keeps it for a look (until the next run's sweep).
pub async fn drop_mariadb_database(name: &str) {
    if std::env::var_os("SHOP_TEST_KEEP_DB").is_some() {
        eprintln!("kept test database {name}");
        return;
    }
    let admin = admin().await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .await
        .expect("drop test database");
}
