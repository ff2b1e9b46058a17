//! One module per port; each public `async fn` is one case that takes a
//! fresh [`Stores`](crate::Stores) and panics when the contract is broken.

pub mod account_tokens;
pub mod accounts;
pub mod audit;
pub mod business;
pub mod catalog;
pub mod contacts;
pub mod jobs;
pub mod login_throttle;
pub mod orders;
pub mod outbox;
pub mod pricing;
pub mod refresh_tokens;

pub(crate) use crate::concurrently;

/// Asserts that `items` hold no duplicate key.
pub(crate) fn assert_unique<T, K: Ord + std::fmt::Debug>(items: &[T], key: impl Fn(&T) -> K) {
    let mut keys: Vec<K> = items.iter().map(key).collect();
    keys.sort();
    let before = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), before, "duplicates in a listing");
}
