//! Back-off between attempts that lost a race (a version check, a
//! transaction conflict): random, so the losers do not collide again in step.

use std::time::Duration;

/// Attempts before a contended write gives up with a store error. Twenty-one
/// concurrent writers of one user (the conformance suite's worst case) need
/// at most twenty-one rounds.
pub(crate) const MAX_ATTEMPTS: u32 = 40;

pub(crate) async fn back_off(attempt: u32) {
    let ceiling_ms = (5u64 << attempt.min(6)).min(200);
    let wait_ms = rand::random_range(1..=ceiling_ms);
    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
}
