use std::sync::Arc;

use shop_domain::account::{AccountStore, RefreshTokenStore};
use shop_domain::business::BusinessProfileStore;
use shop_domain::catalog::CatalogStore;
use shop_domain::contact::ContactStore;
use shop_domain::jobs::JobQueue;
use shop_domain::mail::MailOutbox;
use shop_domain::order::OrderStore;
use shop_domain::payment::events::PaymentEventStore;
use shop_domain::pricing::{PromotionStore, QuoteStore, TaxRateStore};

/// The store ports under test. Suites also use ports other than their own
/// to set up rows an adapter may hold foreign keys to (a session's user, an
/// order's products and quote), so every field must be usable. The outbox
/// must share its database with the other stores: they write outbox rows
/// in their own transactions.
#[derive(Clone)]
pub struct Stores {
    pub accounts: Arc<dyn AccountStore>,
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    pub profiles: Arc<dyn BusinessProfileStore>,
    pub catalog: Arc<dyn CatalogStore>,
    pub quotes: Arc<dyn QuoteStore>,
    pub promotions: Arc<dyn PromotionStore>,
    pub tax_rates: Arc<dyn TaxRateStore>,
    pub orders: Arc<dyn OrderStore>,
    pub jobs: Arc<dyn JobQueue>,
    pub contacts: Arc<dyn ContactStore>,
    pub payment_events: Arc<dyn PaymentEventStore>,
    pub outbox: Arc<dyn MailOutbox>,
}

impl Stores {
    /// Every port from one adapter value.
    pub fn from_one<S>(store: Arc<S>) -> Self
    where
        S: AccountStore
            + RefreshTokenStore
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
            + 'static,
    {
        Self {
            accounts: store.clone(),
            refresh_tokens: store.clone(),
            profiles: store.clone(),
            catalog: store.clone(),
            quotes: store.clone(),
            promotions: store.clone(),
            tax_rates: store.clone(),
            orders: store.clone(),
            jobs: store.clone(),
            contacts: store.clone(),
            payment_events: store.clone(),
            outbox: store,
        }
    }
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}
