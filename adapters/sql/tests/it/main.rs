//! Integration tests of `shop-sql` against SQLite (a temporary file) and
//! MariaDB (a throwaway database per test), in one test binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod catalog;
mod common;
mod conformance;
mod connect;
mod jobs;
mod migrations;
mod orders;
mod pricing;
mod simulator;
mod spans;

use std::future::Future;

use shop_domain::{DomainError, Page, PageRequest};
pub use shop_testkit::concurrently;

/// Every page of a list, by testkit's paging check, and moreover every page
/// before the last full: SQL's LIMIT never answers short.
pub async fn all_pages<T, F, Fut>(limit: u32, fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, DomainError>>,
{
    let pages = shop_testkit::collect_pages(limit, fetch).await;
    let before_last = pages.len().saturating_sub(1);
    for page in &pages[..before_last] {
        assert_eq!(page.len(), limit as usize, "a page before the last is full");
    }
    pages.into_iter().flatten().collect()
}

/// One test per case and backend: `sqlite::CASE` on a temporary file,
/// `mariadb::CASE` on a throwaway database, each removed when the case
/// passes.
macro_rules! on_both_backends {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (store, dir) = crate::common::sqlite_with_dir().await;
                    crate::$module::$case(store.clone()).await;
                    crate::common::remove_sqlite(store, &dir).await;
                }
            )*
        }
        mod mariadb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (name, url) = crate::common::mariadb_database().await;
                    let store = shop_sql::SqlStore::connect(&url, &crate::common::pool())
                        .await
                        .expect("MariaDB connects");
                    store.migrate().await.expect("migrations apply");
                    crate::$module::$case(store.clone()).await;
                    store.close().await.expect("pool closes");
                    crate::common::drop_mariadb_database(&name).await;
                }
            )*
        }
    };
}

on_both_backends!(
    accounts::users_round_trip_and_email_is_unique,
    accounts::concurrent_inserts_of_one_email_admit_one,
    accounts::user_updates_are_atomic_and_missing_is_not_found,
    accounts::refresh_sessions_and_tokens,
    catalog::products_round_trip_exactly,
    catalog::update_product_spares_stock_sku_and_created_at,
    catalog::products_list_by_name_filtered_and_paged,
    catalog::business_profiles_upsert_and_review_queue,
    pricing::quotes_round_trip_exactly,
    pricing::tax_rates_replace_as_a_whole,
    pricing::contact_messages_triage,
    orders::create_reserves_numbers_and_enqueues_atomically,
    orders::refusals_roll_everything_back,
    orders::idempotency_keys_are_unique_per_user,
    orders::promotions_are_redeemed_up_to_max_uses,
    orders::transitions_compare_and_set_with_effects,
    orders::orders_list_newest_first_filtered_and_paged,
    orders::fifty_concurrent_placements_against_stock_ten,
    jobs::claims_take_the_earliest_due_job_and_lease_it,
    jobs::four_workers_drain_two_hundred_jobs_exactly_once,
    jobs::a_killed_workers_job_is_finished_after_the_lease,
);
