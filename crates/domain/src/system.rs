use chrono::{DateTime, Utc};

/// The only source of "now" in the domain, so expiry, promotions and
/// certificates are testable.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Mints identifiers and unguessable secrets.
pub trait IdGenerator: Send + Sync {
    /// A new unique, time-ordered identifier.
    fn new_id(&self) -> String;
    /// A new secret of at least 256 bits from a CSPRNG, URL-safe.
    fn new_secret(&self) -> String;
}

use std::sync::Arc;

use crate::account::{AccountStore, PasswordHasher, RefreshTokenStore, TokenSigner};
use crate::business::BusinessProfileStore;
use crate::catalog::CatalogStore;
use crate::contact::ContactStore;
use crate::jobs::JobQueue;
use crate::mail::{MailOutbox, Mailer};
use crate::order::OrderStore;
use crate::payment::PaymentGateway;
use crate::pricing::{PromotionStore, QuoteStore, TaxRateStore};

/// Every port the services use, picked by the composition root.
#[derive(Clone)]
pub struct Ports {
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
    pub payments: Arc<dyn PaymentGateway>,
    pub outbox: Arc<dyn MailOutbox>,
    pub mailer: Arc<dyn Mailer>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub signer: Arc<dyn TokenSigner>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}
