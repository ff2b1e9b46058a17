//! Every port conformance suite of `shop-testkit` against `SqlStore`, on
//! SQLite and on MariaDB: one test per suite and backend, each case on a
//! fresh database (a new SQLite file, a new throwaway MariaDB database),
//! all removed when the suite passes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use shop_sql::SqlStore;
use shop_testkit::Stores;

use crate::common;

/// What a suite created, to remove once it passed.
#[derive(Default)]
struct Created {
    stores: Mutex<Vec<SqlStore>>,
    sqlite_dirs: Mutex<Vec<PathBuf>>,
    mariadb_names: Mutex<Vec<String>>,
}

impl Created {
    async fn sqlite(&self) -> Stores {
        let (store, dir) = common::sqlite_with_dir().await;
        self.sqlite_dirs.lock().unwrap().push(dir);
        self.stores.lock().unwrap().push(store.clone());
        Stores::from_one(Arc::new(store))
    }

    async fn mariadb(&self) -> Stores {
        let (name, url) = common::mariadb_database().await;
        self.mariadb_names.lock().unwrap().push(name);
        let store = SqlStore::connect(&url, &common::pool())
            .await
            .expect("MariaDB connects");
        store.migrate().await.expect("migrations apply");
        self.stores.lock().unwrap().push(store.clone());
        Stores::from_one(Arc::new(store))
    }

    async fn remove(&self) {
        let stores = std::mem::take(&mut *self.stores.lock().unwrap());
        for store in stores {
            let _ = store.close().await;
        }
        let dirs = std::mem::take(&mut *self.sqlite_dirs.lock().unwrap());
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
        let names = std::mem::take(&mut *self.mariadb_names.lock().unwrap());
        for name in names {
            common::drop_mariadb_database(&name).await;
        }
    }
}

macro_rules! suites {
    ($($runner:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $runner() {
                    let created = Arc::new(Created::default());
                    shop_testkit::$runner(|| {
                        let created = created.clone();
                        async move { created.sqlite().await }
                    })
                    .await;
                    created.remove().await;
                }
            )*
        }
        mod mariadb {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $runner() {
                    let created = Arc::new(Created::default());
                    shop_testkit::$runner(|| {
                        let created = created.clone();
                        async move { created.mariadb().await }
                    })
                    .await;
                    created.remove().await;
                }
            )*
        }
    };
}

suites!(
    account_store_suite,
    account_token_store_suite,
    refresh_token_store_suite,
    business_profile_store_suite,
    catalog_store_suite,
    pricing_store_suite,
    order_store_suite,
    job_queue_suite,
    contact_store_suite,
    mail_outbox_suite,
    audit_log_suite,
    login_throttle_store_suite,
);
