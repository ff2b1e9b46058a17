//! `PaymentEventStore`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shop_domain::DomainError;
use shop_domain::payment::events::PaymentEventStore;

use super::MemoryStore;

#[async_trait]
impl PaymentEventStore for MemoryStore {
    async fn seen(&self, event_id: &str) -> Result<bool, DomainError> {
        Ok(self.lock().payment_events.contains_key(event_id))
    }

    async fn remember(&self, event_id: &str, at: DateTime<Utc>) -> Result<(), DomainError> {
        self.lock()
            .payment_events
            .entry(event_id.to_string())
            .or_insert(at);
        Ok(())
    }
}
