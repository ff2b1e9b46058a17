//! The relational store's ports as one bound, and as the set of trait
//! objects the composition roots and the conformance suites hand out.

use std::sync::Arc;

use crate::account::{AccountStore, AccountTokenStore, LoginThrottleStore, RefreshTokenStore};
use crate::audit::AuditLog;
use crate::business::BusinessProfileStore;
use crate::catalog::CatalogStore;
use crate::contact::ContactStore;
use crate::jobs::JobQueue;
use crate::mail::MailOutbox;
use crate::order::OrderStore;
use crate::payment::events::PaymentEventStore;
use crate::pricing::{PromotionStore, QuoteStore, TaxRateStore};

/// Declares a bound trait with its blanket impl, from one list of ports.
macro_rules! bound {
    ($(#[$attr:meta])* $vis:vis trait $name:ident = $first:ident $(+ $port:ident)*;) => {
        $(#[$attr])*
        $vis trait $name: $first $(+ $port)* {}

        impl<S> $name for S where S: $first $(+ $port)* {}
    };
}

bound! {
    /// Every store port one relational adapter implements. They are one bound
    /// because they share one database: transitions write stock, quotes,
    /// promotions, jobs and the outbox in the order's transaction.
    pub trait RelationalStore = AccountStore
        + RefreshTokenStore
        + AccountTokenStore
        + BusinessProfileStore
        + CatalogStore
        + QuoteStore
        + PromotionStore
        + TaxRateStore
        + OrderStore
        + JobQueue
        + ContactStore
        + PaymentEventStore
        + MailOutbox
        + AuditLog
        + LoginThrottleStore;
}

/// The store ports, each its own trait object, so one of them can come from
/// another adapter (accounts and refresh sessions from DynamoDB).
#[derive(Clone)]
pub struct Stores {
    pub accounts: Arc<dyn AccountStore>,
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    /// Verification and password reset links.
    pub account_tokens: Arc<dyn AccountTokenStore>,
    pub profiles: Arc<dyn BusinessProfileStore>,
    pub catalog: Arc<dyn CatalogStore>,
    pub quotes: Arc<dyn QuoteStore>,
    pub promotions: Arc<dyn PromotionStore>,
    pub tax_rates: Arc<dyn TaxRateStore>,
    pub orders: Arc<dyn OrderStore>,
    pub jobs: Arc<dyn JobQueue>,
    pub contacts: Arc<dyn ContactStore>,
    /// Square webhook event ids already handled.
    pub payment_events: Arc<dyn PaymentEventStore>,
    pub outbox: Arc<dyn MailOutbox>,
    pub audit: Arc<dyn AuditLog>,
    /// Failed sign-ins per address (with the accounts when they live elsewhere).
    pub login_throttle: Arc<dyn LoginThrottleStore>,
}

impl Stores {
    /// Every port from one relational adapter.
    pub fn from_one<S: RelationalStore + 'static>(store: Arc<S>) -> Self {
        Self {
            accounts: store.clone(),
            refresh_tokens: store.clone(),
            account_tokens: store.clone(),
            profiles: store.clone(),
            catalog: store.clone(),
            quotes: store.clone(),
            promotions: store.clone(),
            tax_rates: store.clone(),
            orders: store.clone(),
            jobs: store.clone(),
            contacts: store.clone(),
            payment_events: store.clone(),
            login_throttle: store.clone(),
            outbox: store.clone(),
            audit: store,
        }
    }
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}
