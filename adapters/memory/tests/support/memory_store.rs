//! What the memory adapter promises beyond the shared suites.

use std::sync::Arc;

use shop_domain::PageRequest;
use shop_domain::account::{AccountStore, UserFilter};
use shop_domain::catalog::CatalogStore;
use shop_domain::order::OrderStore;
use shop_domain::pricing::QuoteStore;
use shop_memory::{MemoryStore, SystemClock};
use shop_testkit::fixtures::{customer, new_order, product, quote};

fn store() -> MemoryStore {
    MemoryStore::new(Arc::new(SystemClock))
}

#[tokio::test]
async fn order_numbers_count_up_from_so_000001() {
    let s = store();
    let u = customer();
    AccountStore::insert(&s, &u).await.unwrap();
    let p = product("SKU-1", "Thing", 10);
    s.insert_product(&p, None, &[]).await.unwrap();
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let q = quote(&u.id, &[(&p, 1)]);
        QuoteStore::insert(&s, &q).await.unwrap();
        numbers.push(s.create(&new_order(&u, &q)).await.unwrap().number);
    }
    assert_eq!(numbers, ["SO-000001", "SO-000002", "SO-000003"]);
}

#[tokio::test]
async fn clones_share_their_state() {
    let a = store();
    let b = a.clone();
    let u = customer();
    AccountStore::insert(&a, &u).await.unwrap();
    assert_eq!(AccountStore::get(&b, &u.id).await.unwrap(), Some(u));
}

#[tokio::test]
async fn a_garbage_cursor_is_a_validation_error() {
    let s = store();
    let page = PageRequest::new(Some(5), Some("not-a-cursor!".into()));
    let err = AccountStore::list(&s, &UserFilter::default(), &page)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "validation_failed");
}

/// The runner functions drive the same cases as the generated tests.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn runner_functions_run_every_suite() {
    shop_testkit::all_store_suites(super::fresh_stores).await;
}
