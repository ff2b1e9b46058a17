//! Payment events the provider pushes (Square's `payment.updated` webhook):
//! a payment voided or failed at the provider for an order still waiting to
//! be captured ends that order in `payment_failed` with its stock released.
//! Deliveries are retried for days, so every event is handled once: its id
//! is remembered through [`PaymentEventStore`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::order::SettlePorts;
use crate::order::settle::{self, Tell};
use crate::order::{OrderStatus, PaymentState};
use crate::settings::ShopSettings;

/// The provider event ids already handled.
#[async_trait]
pub trait PaymentEventStore: Send + Sync {
    /// Whether an event with this id was remembered.
    async fn seen(&self, event_id: &str) -> Result<bool, DomainError>;
    /// Remembers the event id; remembering it again changes nothing.
    async fn remember(&self, event_id: &str, at: DateTime<Utc>) -> Result<(), DomainError>;
}

/// One verified notification, as the transport parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvent {
    pub event_id: String,
    /// e.g. `payment.updated`.
    pub event_type: String,
    pub payment_id: Option<String>,
    /// The provider's status word (APPROVED, COMPLETED, CANCELED, FAILED).
    pub payment_status: Option<String>,
}

/// What handling an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// An order ended in `payment_failed`.
    OrderFailed,
    /// Nothing to do (another type, another status, no such order, or the
    /// order is past authorization).
    Ignored,
    /// The event id was handled before.
    Replay,
}

pub struct PaymentEventService {
    ports: SettlePorts,
    settings: Arc<ShopSettings>,
    events: Arc<dyn PaymentEventStore>,
}

impl PaymentEventService {
    pub fn new(
        ports: SettlePorts,
        settings: Arc<ShopSettings>,
        events: Arc<dyn PaymentEventStore>,
    ) -> Self {
        Self {
            ports,
            settings,
            events,
        }
    }

    /// Handles a verified event once. The id is remembered only after the
    /// event took effect, so a failure here lets the provider's retry
    /// deliver it again; acting twice is harmless (the transition is a
    /// compare-and-set).
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn handle(&self, event: &PaymentEvent) -> Result<EventOutcome, DomainError> {
        if self.events.seen(&event.event_id).await? {
            return Ok(EventOutcome::Replay);
        }
        let outcome = self.apply(event).await?;
        self.events
            .remember(&event.event_id, self.ports.clock.now())
            .await?;
        Ok(outcome)
    }

    async fn apply(&self, event: &PaymentEvent) -> Result<EventOutcome, DomainError> {
        if event.event_type != "payment.updated" {
            return Ok(EventOutcome::Ignored);
        }
        let (Some(payment_id), Some(status)) = (&event.payment_id, &event.payment_status) else {
            return Ok(EventOutcome::Ignored);
        };
        if !matches!(status.as_str(), "CANCELED" | "FAILED") {
            return Ok(EventOutcome::Ignored);
        }
        let Some(order) = self.ports.orders.find_by_payment_id(payment_id).await? else {
            return Ok(EventOutcome::Ignored);
        };
        if order.status != OrderStatus::Authorized {
            return Ok(EventOutcome::Ignored);
        }
        let code = format!("PAYMENT_{status}");
        let note = format!("the payment was {} at the provider", status.to_lowercase());
        // The provider ended it: nothing is held on the card to void.
        let state = PaymentState::parse(status).unwrap_or(PaymentState::Canceled);
        let tell = Tell {
            customer: true,
            admins: false,
        };
        let after = settle::fail(
            &self.ports,
            &self.settings,
            &order,
            &code,
            note,
            state,
            tell,
        )
        .await?;
        Ok(if after.status == OrderStatus::PaymentFailed {
            EventOutcome::OrderFailed
        } else {
            EventOutcome::Ignored
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use futures::executor::block_on;

    use super::*;
    use crate::test_support::{Mocks, SharedOrder, TestClock, order, t0};

    #[derive(Default)]
    struct Seen(Mutex<HashSet<String>>);

    #[async_trait]
    impl PaymentEventStore for Seen {
        async fn seen(&self, event_id: &str) -> Result<bool, DomainError> {
            Ok(self.0.lock().unwrap().contains(event_id))
        }
        async fn remember(&self, event_id: &str, _at: DateTime<Utc>) -> Result<(), DomainError> {
            self.0.lock().unwrap().insert(event_id.to_string());
            Ok(())
        }
    }

    fn authorized() -> SharedOrder {
        let mut o = order(OrderStatus::Authorized);
        o.payment.payment_id = Some("pay-1".into());
        o.payment.status = crate::order::PaymentState::Approved;
        SharedOrder::new(o)
    }

    fn service(shared: &SharedOrder) -> (PaymentEventService, Arc<Seen>) {
        let mut m = Mocks::default();
        let s = shared.clone();
        m.orders.expect_find_by_payment_id().returning(move |id| {
            let o = s.snapshot();
            Ok((o.payment.payment_id.as_deref() == Some(id)).then_some(o))
        });
        shared.serve_get(&mut m.orders);
        let s = shared.clone();
        m.orders.expect_transition().returning(move |_, change| {
            assert!(!change.effects().stock.is_empty(), "stock goes back");
            assert!(change.effects().release_quote, "the quote goes back");
            s.apply(change)
        });
        m.accounts.expect_get().returning(|id| {
            Ok(Some(crate::test_support::user(
                id.as_str(),
                "ann@example.com",
                crate::account::Role::Customer,
            )))
        });
        let seen = Arc::new(Seen::default());
        (
            PaymentEventService::new(
                m.ports(TestClock::at(t0())),
                crate::test_support::settings(),
                seen.clone(),
            ),
            seen,
        )
    }

    fn event(id: &str, status: &str) -> PaymentEvent {
        PaymentEvent {
            event_id: id.into(),
            event_type: "payment.updated".into(),
            payment_id: Some("pay-1".into()),
            payment_status: Some(status.into()),
        }
    }

    #[test]
    fn a_canceled_or_failed_payment_fails_an_authorized_order_once() {
        for status in ["CANCELED", "FAILED"] {
            let shared = authorized();
            let (svc, seen) = service(&shared);
            let outcome = block_on(svc.handle(&event("e1", status))).unwrap();
            assert_eq!(outcome, EventOutcome::OrderFailed);
            let after = shared.snapshot();
            assert_eq!(after.status, OrderStatus::PaymentFailed);
            assert_eq!(
                after.payment.failure_code.as_deref(),
                Some(format!("PAYMENT_{status}").as_str())
            );
            assert!(seen.0.lock().unwrap().contains("e1"));
            // The customer is told, in the same transition.
            let mails = shared.mails();
            assert_eq!(mails.len(), 1);
            assert_eq!(mails[0].to.as_str(), "ann@example.com");
            assert!(mails[0].subject.contains("failed"));
            let history = after.history.len();
            assert_eq!(
                block_on(svc.handle(&event("e1", status))).unwrap(),
                EventOutcome::Replay
            );
            assert_eq!(shared.snapshot().history.len(), history);
        }
    }

    #[test]
    fn other_statuses_types_payments_and_states_are_ignored() {
        let shared = authorized();
        let (svc, _) = service(&shared);
        assert_eq!(
            block_on(svc.handle(&event("a", "COMPLETED"))).unwrap(),
            EventOutcome::Ignored
        );
        let mut other_type = event("b", "CANCELED");
        other_type.event_type = "refund.updated".into();
        assert_eq!(
            block_on(svc.handle(&other_type)).unwrap(),
            EventOutcome::Ignored
        );
        let mut other_payment = event("c", "CANCELED");
        other_payment.payment_id = Some("pay-2".into());
        assert_eq!(
            block_on(svc.handle(&other_payment)).unwrap(),
            EventOutcome::Ignored
        );
        assert_eq!(shared.snapshot().status, OrderStatus::Authorized);

        let paid = SharedOrder::new({
            let mut o = authorized().snapshot();
            o.status = OrderStatus::Paid;
            o
        });
        let (svc, _) = service(&paid);
        assert_eq!(
            block_on(svc.handle(&event("d", "CANCELED"))).unwrap(),
            EventOutcome::Ignored
        );
        assert_eq!(paid.snapshot().status, OrderStatus::Paid);
    }
}
