//! Port conformance suites and fixtures, shared by every adapter's tests.
//!
//! Each store port (and the job queue) has a suite of cases in
//! [`suites`]; a case takes a FRESH [`Stores`] and panics when the adapter
//! breaks the port's contract. An adapter runs them all in one line, one
//! test per case, from its integration test file:
//!
//! ```ignore
//! async fn fresh_stores() -> shop_testkit::Stores {
//!     let store = std::sync::Arc::new(MyStore::connect_to_a_new_database().await);
//!     shop_testkit::Stores::from_one(store)
//! }
//! shop_testkit::store_conformance_tests!(fresh_stores);
//! ```
//!
//! (the calling crate needs `tokio` with the `macros` and `rt-multi-thread`
//! features), or runs one suite as a single test with the runner functions
//! ([`account_store_suite`] ...). An adapter that implements only some ports
//! fills the other fields of [`Stores`] with `shop_memory::MemoryStore` and
//! runs the suites of its ports.
//!
//! Contract points the traits' documentation leaves open are pinned here
//! (and documented on each case): updating a missing entity is `NotFound`;
//! `JobQueue::complete`/`retry`/`bury` with a stale claim return `Ok(())`
//! and change nothing; `OrderStore::create` with a line whose product does
//! not exist is `InsufficientStock`. Fixture times are whole seconds, so
//! adapters may store them at second precision.

// Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod concurrency;
pub mod fixtures;
pub mod gateway;
mod pages;
pub mod smtp_sink;
pub mod suites;

pub use concurrency::concurrently;
pub use pages::{collect_pages, flatten_pages};
/// The store ports a case runs on (the domain's, so the apps and the
/// suites hand out the same set).
pub use shop_domain::Stores;

/// Registers every conformance case once; `__expand_cases!` turns the list
/// into test functions or into the suite runners.
#[macro_export]
#[doc(hidden)]
macro_rules! __for_each_case {
    ($($mode:tt)*) => {
        $crate::__expand_cases! { [$($mode)*]
            accounts => account_store_suite [
                insert_then_get_and_find_by_email,
                missing_user_is_none_and_updates_are_not_found,
                email_is_unique,
                concurrent_inserts_of_one_email_admit_exactly_one,
                field_updates_change_only_their_field,
                set_status_bumps_the_session_version,
                audited_changes_write_their_entries,
                concurrent_bumps_are_all_counted,
                list_is_newest_first_and_filters,
                list_paginates_without_gaps_or_duplicates,
                list_active_admins_only,
                set_email_verified_keeps_the_first_time,
            ];
            account_tokens => account_token_store_suite [
                insert_then_consume_once,
                wrong_purpose_or_expired_is_refused,
                concurrent_consumes_admit_exactly_one,
                invalidate_spares_other_purposes_and_users,
            ];
            refresh_tokens => refresh_token_store_suite [
                sessions_round_trip_and_revoke,
                revoking_a_session_writes_its_entries,
                revoke_user_sessions_spares_the_exception_and_other_users,
                tokens_round_trip_and_spend_once,
                spending_an_unknown_token_is_false,
                concurrent_spends_admit_exactly_one,
            ];
            business => business_profile_store_suite [
                put_then_get_and_replace,
                list_is_oldest_submission_first_and_filters,
                list_paginates_without_gaps_or_duplicates,
            ];
            catalog => catalog_store_suite [
                categories_round_trip_and_slug_is_unique,
                products_round_trip_and_sku_is_unique,
                get_products_returns_the_existing_ones,
                update_product_never_touches_stock_sku_or_created_at,
                updates_of_a_missing_product_are_not_found,
                stock_adjustments_are_recorded_and_never_go_below_zero,
                concurrent_adjustments_sum_to_the_stock,
                list_products_is_by_name_then_id_and_filters,
                list_products_paginates_without_gaps_or_duplicates,
            ];
            pricing => pricing_store_suite [
                quotes_round_trip,
                promotions_round_trip_and_code_is_unique,
                promotions_list_newest_first,
                tax_rates_are_replaced_as_a_whole,
            ];
            orders => order_store_suite [
                create_reserves_stock_numbers_and_enqueues,
                order_numbers_are_unique,
                insufficient_stock_changes_nothing,
                missing_product_is_insufficient_stock,
                concurrent_creates_never_oversell,
                idempotency_key_is_unique_per_user,
                concurrent_creates_with_one_key_admit_exactly_one,
                promotion_is_redeemed_up_to_max_uses,
                concurrent_redemptions_respect_max_uses,
                transition_is_compare_and_set,
                concurrent_transitions_from_one_state_admit_exactly_one,
                transition_release_stock_gives_quantities_back,
                orders_write_their_stock_movements,
                a_quote_is_spent_once_until_its_order_closes,
                closing_an_order_returns_its_promotion_use,
                the_ledger_sums_to_the_stock_under_a_concurrent_mix,
                transition_wake_job_makes_the_job_due,
                transition_of_a_missing_order_is_not_found,
                add_note_appends_only,
                alerts_are_raised_once_and_cleared,
                requeue_finalization_requeues_clears_the_alert_and_audits,
                list_in_finds_orders_by_state_oldest_first,
                find_by_payment_id_finds_the_paying_order,
                payment_events_are_remembered_once,
                list_is_newest_first_and_filters,
                list_paginates_without_gaps_or_duplicates,
            ];
            jobs => job_queue_suite [
                enqueue_then_get,
                nothing_to_claim_before_run_after,
                claim_takes_the_earliest_due_job,
                claim_marks_running_leases_and_counts_an_attempt,
                a_held_lease_blocks_other_claimers,
                a_lapsed_lease_is_taken_over,
                a_stale_claim_changes_nothing,
                retry_requeues_with_the_error,
                bury_and_complete_are_final,
                wake_makes_a_queued_job_due,
                requeue_runs_a_finished_job_again_as_a_new_generation,
                concurrent_claimers_take_each_job_exactly_once,
            ];
            audit => audit_log_suite [
                entries_round_trip_newest_first_and_filter,
                a_refused_change_writes_no_entry,
                append_writes_entries_on_their_own,
            ];
            contacts => contact_store_suite [
                insert_then_get_and_set_status,
                list_is_newest_first_and_filters,
                list_paginates_without_gaps_or_duplicates,
            ];
            login_throttle => login_throttle_store_suite [
                unknown_key_is_none_and_clear_does_nothing,
                failures_count_up_and_clear_starts_over,
                an_episode_is_notified_once,
                concurrent_failures_are_all_counted_and_notified_once,
            ];
            outbox => mail_outbox_suite [
                recorded_mail_then_get_and_mark_sent,
                recording_twice_keeps_one_mail_and_one_job,
                concurrent_recordings_of_one_mail_keep_one_job,
                transition_records_its_mails_and_delivery_jobs,
                a_failed_transition_records_no_mail,
                a_transition_repeating_a_mail_keeps_the_first,
                profile_put_records_its_mails,
                contact_insert_records_its_mails,
                long_message_ids_round_trip,
                unsent_lists_the_oldest_unsent_first,
                find_and_list_newest_first_by_sent,
                resend_requeues_the_delivery_with_its_entry,
            ];
        }
    };
}

#[macro_export]
#[doc(hidden)]
macro_rules! __expand_cases {
    ([@tests $make:path] $( $module:ident => $runner:ident [ $($case:ident),* $(,)? ]; )*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $case() {
                        $crate::suites::$module::$case($make().await).await;
                    }
                )*
            }
        )*
    };
    ([@runners] $( $module:ident => $runner:ident [ $($case:ident),* $(,)? ]; )*) => {
        $(
            #[doc = concat!(
                "Runs every case of [`suites::", stringify!($module),
                "`] in turn, each on a fresh `Stores` from `make`. Call it inside a \
                 multi-threaded tokio runtime."
            )]
            pub async fn $runner<F, Fut>(make: F)
            where
                F: Fn() -> Fut,
                Fut: ::std::future::Future<Output = $crate::Stores>,
            {
                $(
                    ::std::eprintln!(
                        "conformance: {}::{}",
                        stringify!($module),
                        stringify!($case)
                    );
                    $crate::suites::$module::$case(make().await).await;
                )*
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per conformance case, in one module per
/// suite, each on a fresh [`Stores`] from `$make` (a path to an
/// `async fn() -> Stores` in scope). The calling crate needs `tokio` with
/// the `macros` and `rt-multi-thread` features.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:path) => {
        $crate::__for_each_case!(@tests $make);
    };
}

__for_each_case!(@runners);

/// Registers every case of [`gateway`] once; `__expand_gateway_cases!`
/// turns the list into test functions or into [`gateway::gateway_suite`].
#[macro_export]
#[doc(hidden)]
macro_rules! __for_each_gateway_case {
    ($($mode:tt)*) => {
        $crate::__expand_gateway_cases! { [$($mode)*]
            authorize_approves_for_seven_days,
            a_replay_answers_the_same_payment,
            a_reused_key_with_another_amount_is_rejected,
            declining_nonces_decline_with_their_codes,
            an_unknown_nonce_is_rejected,
            complete_is_idempotent,
            cancel_is_idempotent,
            a_completed_payment_cannot_be_canceled,
            a_canceled_payment_cannot_be_completed,
            cancel_by_key_without_a_payment_is_ok,
            cancel_by_key_voids_the_approved_payment,
            a_refund_replays_by_key,
            a_refund_over_the_amount_is_rejected,
            an_uncaptured_payment_cannot_be_refunded,
            status_reflects_each_change,
            an_authorization_lapses_after_seven_days,
        }
    };
}

#[macro_export]
#[doc(hidden)]
macro_rules! __expand_gateway_cases {
    ([@tests $make:path] $($case:ident),* $(,)?) => {
        mod gateway_conformance {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::gateway::$case($make().await).await;
                }
            )*
        }
    };
    ([@runner] $($case:ident),* $(,)?) => {
        /// Runs every case in turn, each on a fresh harness from `make`.
        /// Call it inside a multi-threaded tokio runtime.
        pub async fn gateway_suite<F, Fut, H>(make: F)
        where
            F: Fn() -> Fut,
            Fut: ::std::future::Future<Output = H>,
            H: GatewayHarness,
        {
            $(
                ::std::eprintln!("conformance: gateway::{}", stringify!($case));
                $crate::gateway::$case(make().await).await;
            )*
        }
    };
}

/// Generates one `#[tokio::test]` per case of the [`gateway`] suite, in a
/// module `gateway_conformance`, each on a fresh harness from `$make` (a
/// path to an `async fn() -> impl GatewayHarness` in scope). The calling
/// crate needs `tokio` with the `macros` and `rt-multi-thread` features.
#[macro_export]
macro_rules! gateway_conformance_tests {
    ($make:path) => {
        $crate::__for_each_gateway_case!(@tests $make);
    };
}

/// Runs every suite in turn, each case on a fresh [`Stores`] from `make`.
pub async fn all_store_suites<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Stores>,
{
    account_store_suite(&make).await;
    refresh_token_store_suite(&make).await;
    business_profile_store_suite(&make).await;
    catalog_store_suite(&make).await;
    pricing_store_suite(&make).await;
    order_store_suite(&make).await;
    job_queue_suite(&make).await;
    contact_store_suite(&make).await;
    mail_outbox_suite(&make).await;
    audit_log_suite(&make).await;
}
