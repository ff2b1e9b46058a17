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

/// The schema as the database describes it (tables, columns, indexes and
/// their definitions), and how many rows each table holds.
async fn schema_and_counts(store: &SqlStore) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = store.connection();
    let backend = db.get_database_backend();
    let describe = if store.backend() == sea_orm::DbBackend::MySql {
        "SELECT CONCAT_WS(' ', 'column', table_name, column_name, column_type, is_nullable, \
            COALESCE(column_default, '-')) AS d FROM information_schema.columns \
         WHERE table_schema = DATABASE() \
         UNION ALL \
         SELECT CONCAT_WS(' ', 'index', table_name, index_name, non_unique, \
            GROUP_CONCAT(column_name ORDER BY seq_in_index)) AS d \
         FROM information_schema.statistics WHERE table_schema = DATABASE() \
         GROUP BY table_name, index_name, non_unique \
         ORDER BY d"
    } else {
        "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS d FROM sqlite_master ORDER BY d"
    };
    let mut out: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, describe))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "d").unwrap())
        .collect();
    let tables = if store.backend() == sea_orm::DbBackend::MySql {
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY t"
    } else {
        "SELECT name AS t FROM sqlite_master WHERE type = 'table' ORDER BY t"
    };
    for row in db
        .query_all_raw(Statement::from_string(backend, tables))
        .await
        .unwrap()
    {
        let table: String = row.try_get("", "t").unwrap();
        let count = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        out.push(format!("rows {table} {count}"));
    }
    out
}

/// A few rows the data steps of the migrations read and write, as the
/// shop writes them: products with their opening movements (stock
/// movements), a quote placed as an order (spent quotes).
async fn seed(store: &SqlStore) {
    use shop_domain::account::AccountStore;
    use shop_domain::catalog::{CatalogStore, StockMovement, StockMovementKind};
    use shop_domain::order::{Actor, OrderStore};
    use shop_domain::pricing::QuoteStore;
    use shop_testkit::fixtures::{customer, new_id, new_order, product, quote, unique};
    let user = customer();
    AccountStore::insert(store, &user).await.unwrap();
    let mut products = Vec::new();
    for stock in [10, 4] {
        let p = product(&unique("M-"), "Migrated", stock);
        let opening = StockMovement {
            id: shop_domain::ids::StockMovementId::new(new_id()),
            product_id: p.id.clone(),
            delta: i64::from(stock),
            kind: StockMovementKind::Initial,
            reason: None,
            order_id: None,
            by: Actor::System,
            at: p.created_at,
            stock_after: None,
        };
        store.insert_product(&p, Some(&opening), &[]).await.unwrap();
        products.push(p);
    }
    let q = quote(&user.id, &[(&products[0], 2)]);
    QuoteStore::insert(store, &q).await.unwrap();
    store.create(&new_order(&user, &q)).await.unwrap();
}

/// Every migration applied twice in a row, on an empty database and then
/// again over data: the second run fails nothing and changes nothing, as
/// after a crash between a migration's steps and its record.
async fn each_migration_twice(store: &SqlStore) {
    use shop_migrations::Migrator;
    use shop_migrations::sea_orm_migration::{MigratorTrait, SchemaManager};
    let manager = SchemaManager::new(store.connection());
    for migration in Migrator::migrations() {
        migration
            .up(&manager)
            .await
            .unwrap_or_else(|e| panic!("{} first run: {e}", migration.name()));
        let once = schema_and_counts(store).await;
        migration
            .up(&manager)
            .await
            .unwrap_or_else(|e| panic!("{} second run: {e}", migration.name()));
        assert_eq!(
            schema_and_counts(store).await,
            once,
            "{} changed something on its second run",
            migration.name()
        );
    }
    seed(store).await;
    let seeded = schema_and_counts(store).await;
    for migration in Migrator::migrations() {
        migration
            .up(&manager)
            .await
            .unwrap_or_else(|e| panic!("{} over data: {e}", migration.name()));
        assert_eq!(
            schema_and_counts(store).await,
            seeded,
            "{} changed something over data",
            migration.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_each_migration_runs_twice_without_effect() {
    let dir = common::sqlite_dir();
    let store = SqlStore::connect(&format!("sqlite://{}/shop.db", dir.display()), &pool())
        .await
        .unwrap();
    each_migration_twice(&store).await;
    let _ = store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_each_migration_runs_twice_without_effect() {
    let (name, url) = common::mariadb_database().await;
    let store = SqlStore::connect(&url, &pool()).await.unwrap();
    each_migration_twice(&store).await;
    store.close().await.unwrap();
    common::drop_mariadb_database(&name).await;
}
