//! One module per port; each public `async fn` is one case that takes a
//! fresh [`Stores`](crate::Stores) and panics when the contract is broken.

pub mod accounts;
pub mod business;
pub mod catalog;
pub mod contacts;
pub mod jobs;
pub mod orders;
pub mod outbox;
pub mod pricing;
pub mod refresh_tokens;

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Barrier;

/// Runs `task(0) .. task(n - 1)` as concurrent tokio tasks released at
/// once, and returns their results in index order.
pub(crate) async fn concurrently<T, F, Fut>(n: usize, task: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let work = task(i);
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    futures::future::join_all(handles)
        .await
        .into_iter()
        .map(|r| r.expect("a concurrent task panicked"))
        .collect()
}

/// Asserts that `items` hold no duplicate key.
pub(crate) fn assert_unique<T, K: Ord + std::fmt::Debug>(items: &[T], key: impl Fn(&T) -> K) {
    let mut keys: Vec<K> = items.iter().map(key).collect();
    keys.sort();
    let before = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), before, "duplicates in a listing");
}
