//! `LoginThrottleStore`: failed sign-ins per key.

use shop_domain::account::{LoginThrottle, throttle_key};

use shop_domain::audit::{AuditAction, AuditEntry};
use shop_domain::ids::UserId;

use super::audit::{entry_on, trail};
use super::concurrently;
use crate::Stores;
use crate::fixtures::{at, new_id};

/// A `login.backoff` entry of a fresh account.
fn backoff_entry() -> AuditEntry {
    let user = UserId::new(new_id());
    entry_on(&user, AuditAction::LoginBackoff, "user", user.as_str())
}

fn key(name: &str) -> String {
    throttle_key(&format!("{name}@example.com"))
}

/// An unknown key has no state; clearing or notifying it does nothing.
pub async fn unknown_key_is_none_and_clear_does_nothing(s: Stores) {
    let k = key("ann");
    assert_eq!(s.login_throttle.get(&k).await.unwrap(), None);
    s.login_throttle.clear(&k).await.unwrap();
    let refused = backoff_entry();
    assert!(
        !s.login_throttle
            .mark_notified(&k, std::slice::from_ref(&refused))
            .await
            .unwrap()
    );
    assert_eq!(s.login_throttle.get(&k).await.unwrap(), None);
    assert_eq!(trail(&s).await, vec![]);
}

/// Each failure counts one and moves the time to the latest; `clear`
/// starts over; other keys are untouched.
pub async fn failures_count_up_and_clear_starts_over(s: Stores) {
    let (ann, bob) = (key("ann"), key("bob"));
    let first = s.login_throttle.record_failure(&ann, at(1)).await.unwrap();
    assert_eq!(
        first,
        LoginThrottle {
            failures: 1,
            last_failure_at: at(1),
            notified: false
        }
    );
    s.login_throttle.record_failure(&ann, at(2)).await.unwrap();
    let third = s.login_throttle.record_failure(&ann, at(5)).await.unwrap();
    assert_eq!((third.failures, third.last_failure_at), (3, at(5)));
    assert_eq!(s.login_throttle.get(&ann).await.unwrap(), Some(third));
    assert_eq!(s.login_throttle.get(&bob).await.unwrap(), None);
    s.login_throttle.record_failure(&bob, at(6)).await.unwrap();
    s.login_throttle.clear(&ann).await.unwrap();
    assert_eq!(s.login_throttle.get(&ann).await.unwrap(), None);
    let again = s.login_throttle.record_failure(&ann, at(7)).await.unwrap();
    assert_eq!((again.failures, again.last_failure_at), (1, at(7)));
    assert_eq!(
        s.login_throttle.get(&bob).await.unwrap().unwrap().failures,
        1
    );
}

/// `mark_notified` is true once per episode: a failure keeps the mark, a
/// `clear` ends the episode.
/// The winner's audit entries are written with its mark, a loser's never.
pub async fn an_episode_is_notified_once(s: Stores) {
    let k = key("ann");
    s.login_throttle.record_failure(&k, at(1)).await.unwrap();
    let first = backoff_entry();
    assert!(
        s.login_throttle
            .mark_notified(&k, std::slice::from_ref(&first))
            .await
            .unwrap()
    );
    assert!(
        !s.login_throttle
            .mark_notified(&k, &[backoff_entry()])
            .await
            .unwrap()
    );
    let after = s.login_throttle.record_failure(&k, at(2)).await.unwrap();
    assert!(after.notified);
    assert!(
        !s.login_throttle
            .mark_notified(&k, &[backoff_entry()])
            .await
            .unwrap()
    );
    assert_eq!(trail(&s).await, vec![first.clone()]);
    s.login_throttle.clear(&k).await.unwrap();
    let fresh = s.login_throttle.record_failure(&k, at(3)).await.unwrap();
    assert!(!fresh.notified);
    let second = backoff_entry();
    assert!(
        s.login_throttle
            .mark_notified(&k, std::slice::from_ref(&second))
            .await
            .unwrap()
    );
    assert_eq!(trail(&s).await, vec![second, first]);
}

/// Concurrent failures (from any number of processes) are all counted, and
/// exactly one concurrent `mark_notified` wins.
pub async fn concurrent_failures_are_all_counted_and_notified_once(s: Stores) {
    let k = key("ann");
    let store = s.login_throttle.clone();
    let counts = concurrently(20, |i| {
        let store = store.clone();
        let k = k.clone();
        async move {
            store
                .record_failure(&k, at(i64::try_from(i).unwrap()))
                .await
                .unwrap()
                .failures
        }
    })
    .await;
    let mut sorted = counts.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        20,
        "each failure sees its own count: {counts:?}"
    );
    assert_eq!(
        s.login_throttle.get(&k).await.unwrap().unwrap().failures,
        20
    );
    let entries: Vec<AuditEntry> = (0..10).map(|_| backoff_entry()).collect();
    let wins = concurrently(10, |i| {
        let store = store.clone();
        let k = k.clone();
        let entry = entries[i].clone();
        async move { store.mark_notified(&k, &[entry]).await.unwrap() }
    })
    .await;
    let winners: Vec<usize> = (0..10).filter(|i| wins[*i]).collect();
    assert_eq!(winners.len(), 1, "{wins:?}");
    assert_eq!(trail(&s).await, vec![entries[winners[0]].clone()]);
}
