//! The `AccountStore`, `RefreshTokenStore` and `LoginThrottleStore` conformance suites of
//! shop-testkit, one test per case, each on fresh tables.

use crate::common::{delete_tables, fresh_store, stores_of};

macro_rules! cases {
    ($($suite:ident [ $($case:ident),* $(,)? ];)*) => {
        $(
            mod $suite {
                use super::*;
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $case() {
                        let store = fresh_store().await;
                        shop_testkit::suites::$suite::$case(stores_of(&store)).await;
                        delete_tables(&store).await;
                    }
                )*
            }
        )*
    };
}

// The lists of shop-testkit's `__for_each_case!` for these suites.
cases! {
    accounts [
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
    refresh_tokens [
        sessions_round_trip_and_revoke,
        revoking_a_session_writes_its_entries,
        revoke_user_sessions_spares_the_exception_and_other_users,
        tokens_round_trip_and_spend_once,
        spending_an_unknown_token_is_false,
        concurrent_spends_admit_exactly_one,
    ];
    login_throttle [
        unknown_key_is_none_and_clear_does_nothing,
        failures_count_up_and_clear_starts_over,
        an_episode_is_notified_once,
        concurrent_failures_are_all_counted_and_notified_once,
    ];
}
