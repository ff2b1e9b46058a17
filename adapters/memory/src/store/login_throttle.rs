//! `LoginThrottleStore`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shop_domain::DomainError;
use shop_domain::account::{LoginThrottle, LoginThrottleStore};
use shop_domain::audit::AuditEntry;

use super::MemoryStore;

#[async_trait]
impl LoginThrottleStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<LoginThrottle>, DomainError> {
        Ok(self.lock().login_throttle.get(key).cloned())
    }

    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginThrottle, DomainError> {
        let mut state = self.lock();
        let row = state
            .login_throttle
            .entry(key.to_string())
            .or_insert(LoginThrottle {
                failures: 0,
                last_failure_at: now,
                notified: false,
            });
        row.failures = row.failures.saturating_add(1);
        row.last_failure_at = now;
        Ok(row.clone())
    }

    async fn mark_notified(&self, key: &str, audit: &[AuditEntry]) -> Result<bool, DomainError> {
        let mut state = self.lock();
        let won = state
            .login_throttle
            .get_mut(key)
            .is_some_and(|row| !std::mem::replace(&mut row.notified, true));
        if won {
            state.audit.extend_from_slice(audit);
        }
        Ok(won)
    }

    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        self.lock().login_throttle.remove(key);
        Ok(())
    }
}
