//! Per-account sign-in back-off: after some consecutive failed sign-ins for
//! one address, further attempts for it are refused (without verifying any
//! password) until a delay that doubles with each further failure ends. A
//! successful sign-in forgets the failures.
//!
//! The counters live in a shared store ([`LoginThrottleStore`]), so every
//! instance (and the auth Lambda) sees the same back-off. They are keyed by
//! [`throttle_key`]: a SHA-256 of the normalised address, so the store holds
//! no address in clear, including those of attempts on addresses that have
//! no account (they back off the same way: no enumeration).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::audit::AuditEntry;

/// The failures recorded for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Consecutive failed sign-ins since the last success.
    pub failures: u32,
    /// The latest of them.
    pub last_failure_at: DateTime<Utc>,
    /// Whether the owner was mailed about this back-off episode.
    pub notified: bool,
}

/// The counters of sign-in failures. Each method is atomic, whatever the
/// concurrency and the number of processes.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait LoginThrottleStore: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<LoginThrottle>, DomainError>;
    /// Counts one more failure at `now` (creating the row at 1) and returns
    /// the state after it.
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginThrottle, DomainError>;
    /// Marks the episode notified; `true` only for the one caller that
    /// changed it (false when already notified or the key is unknown). That
    /// caller's `audit` entries are recorded with the mark (a relational
    /// store in one transaction; DynamoDB right after it); a loser's are
    /// dropped.
    async fn mark_notified(&self, key: &str, audit: &[AuditEntry]) -> Result<bool, DomainError>;
    /// Forgets the key (a success). Clearing an unknown key does nothing.
    async fn clear(&self, key: &str) -> Result<(), DomainError>;
}

/// How sign-in failures back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Failures that are answered normally before the back-off starts.
    pub failures_before_backoff: u32,
    /// The first delay; each further failure doubles it.
    pub base_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl Default for BackoffPolicy {
    /// 5 failures, then 1 s, 2 s, 4 s ... up to 15 minutes.
    fn default() -> Self {
        Self {
            failures_before_backoff: 5,
            base_delay: Duration::seconds(1),
            max_delay: Duration::minutes(15),
        }
    }
}

impl BackoffPolicy {
    /// Whether this state is a back-off episode (the owner may be told).
    pub fn backs_off(&self, state: &LoginThrottle) -> bool {
        state.failures >= self.failures_before_backoff
    }

    /// Until when attempts are refused, if they are at all.
    pub fn blocked_until(&self, state: &LoginThrottle) -> Option<DateTime<Utc>> {
        if !self.backs_off(state) {
            return None;
        }
        let doublings = state.failures - self.failures_before_backoff;
        let mut delay = self.base_delay;
        for _ in 0..doublings {
            delay = delay * 2;
            if delay >= self.max_delay {
                break;
            }
        }
        Some(state.last_failure_at + delay.min(self.max_delay))
    }

    /// Whole seconds to wait at `now` (at least 1), or `None` when an
    /// attempt may go ahead.
    pub fn retry_after(&self, state: &LoginThrottle, now: DateTime<Utc>) -> Option<u32> {
        let until = self.blocked_until(state)?;
        if until <= now {
            return None;
        }
        let wait = until - now;
        let seconds = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
        Some(u32::try_from(seconds.max(1)).unwrap_or(u32::MAX))
    }
}

/// The store key of a sign-in address: the hex SHA-256 of the address as
/// the domain normalises it (or, for a string that is no address, of the
/// trimmed, lower-cased string).
pub fn throttle_key(email: &str) -> String {
    let normalised = match super::Email::parse(email) {
        Ok(email) => email.as_str().to_string(),
        Err(_) => email.trim().to_lowercase().chars().take(254).collect(),
    };
    super::service::sha256_hex(&format!("login:{normalised}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(failures: u32) -> LoginThrottle {
        LoginThrottle {
            failures,
            last_failure_at: DateTime::from_timestamp(1_000, 0).unwrap(),
            notified: false,
        }
    }

    #[test]
    fn delays_double_from_the_threshold_and_are_capped() {
        let p = BackoffPolicy::default();
        let t0 = state(0).last_failure_at;
        assert_eq!(p.blocked_until(&state(4)), None);
        assert_eq!(p.blocked_until(&state(5)), Some(t0 + Duration::seconds(1)));
        assert_eq!(p.blocked_until(&state(6)), Some(t0 + Duration::seconds(2)));
        assert_eq!(p.blocked_until(&state(8)), Some(t0 + Duration::seconds(8)));
        assert_eq!(
            p.blocked_until(&state(40)),
            Some(t0 + Duration::minutes(15))
        );
        assert_eq!(
            p.blocked_until(&state(u32::MAX)),
            Some(t0 + Duration::minutes(15))
        );
    }

    #[test]
    fn retry_after_rounds_up_and_ends() {
        let p = BackoffPolicy::default();
        let s = state(6);
        let t0 = s.last_failure_at;
        assert_eq!(p.retry_after(&s, t0), Some(2));
        assert_eq!(
            p.retry_after(&s, t0 + Duration::milliseconds(1500)),
            Some(1)
        );
        assert_eq!(p.retry_after(&s, t0 + Duration::seconds(2)), None);
    }

    #[test]
    fn keys_are_normalised_and_hashed() {
        assert_eq!(
            throttle_key("Ann@Example.com "),
            throttle_key("ann@example.com")
        );
        assert_ne!(
            throttle_key("ann@example.com"),
            throttle_key("bob@example.com")
        );
        assert!(!throttle_key("ann@example.com").contains("ann"));
        assert_eq!(
            throttle_key("not an address"),
            throttle_key(" NOT an address")
        );
    }
}
