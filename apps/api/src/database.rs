//! The relational store the settings choose (`SHOP_DATABASE_URL`): a
//! migrated [`SqlStore`] on SQLite or MySQL/MariaDB, or the in-memory store
//! for integrators; accounts and refresh sessions from DynamoDB instead when
//! `SHOP_ACCOUNTS=dynamodb`; and the `shop-api migrate` sub-command.

use std::sync::Arc;

use shop_domain::Clock;
use shop_domain::account::{AccountStore, RefreshTokenStore};
use shop_domain::business::BusinessProfileStore;
use shop_domain::catalog::CatalogStore;
use shop_domain::contact::ContactStore;
use shop_domain::jobs::JobQueue;
use shop_domain::mail::MailOutbox;
use shop_domain::order::OrderStore;
use shop_domain::payment::events::PaymentEventStore;
use shop_domain::pricing::{PromotionStore, QuoteStore, TaxRateStore};
use shop_memory::MemoryStore;
use shop_sql::{SqlStore, redact};

use crate::app::StartupError;
use crate::config::{AccountsChoice, Config, DatabaseChoice};

/// Every store port, from one adapter.
#[derive(Clone)]
pub struct StorePorts {
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
    pub outbox: Arc<dyn MailOutbox>,
    /// Square webhook event ids already handled.
    pub payment_events: Arc<dyn PaymentEventStore>,
    /// The SQL store, for `/readyz` (`None`: the in-memory store).
    pub sql: Option<SqlStore>,
}

impl StorePorts {
    fn from_one<S>(store: S, sql: Option<SqlStore>) -> Self
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
            + MailOutbox
            + PaymentEventStore
            + Clone
            + 'static,
    {
        Self {
            accounts: Arc::new(store.clone()),
            refresh_tokens: Arc::new(store.clone()),
            profiles: Arc::new(store.clone()),
            catalog: Arc::new(store.clone()),
            quotes: Arc::new(store.clone()),
            promotions: Arc::new(store.clone()),
            tax_rates: Arc::new(store.clone()),
            orders: Arc::new(store.clone()),
            jobs: Arc::new(store.clone()),
            contacts: Arc::new(store.clone()),
            outbox: Arc::new(store.clone()),
            payment_events: Arc::new(store),
            sql,
        }
    }
}

/// Connects to the configured SQL database (no migrations).
async fn connect(config: &Config, url: &str) -> Result<SqlStore, StartupError> {
    SqlStore::connect(url, &config.database_pool)
        .await
        .map_err(|e| StartupError::Runtime(format!("SHOP_DATABASE_URL: {e}")))
}

/// Opens the stores the settings choose; a SQL store gets its pending
/// migrations applied first.
pub async fn open(config: &Config, clock: Arc<dyn Clock>) -> Result<StorePorts, StartupError> {
    let mut stores = open_relational(config, clock).await?;
    if let AccountsChoice::DynamoDb(settings) = &config.accounts {
        let store = shop_dynamodb::DynamoAccountStore::connect(settings)
            .await
            .map_err(|e| StartupError::Runtime(format!("SHOP_ACCOUNTS=dynamodb: {e}")))?;
        tracing::info!(tables = ?store.tables(), "accounts: DynamoDB");
        stores.accounts = Arc::new(store.clone());
        stores.refresh_tokens = Arc::new(store);
    }
    Ok(stores)
}

async fn open_relational(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<StorePorts, StartupError> {
    match &config.database {
        DatabaseChoice::Memory => {
            tracing::warn!(
                "SHOP_DATABASE_URL=memory: the in-memory store loses everything on exit"
            );
            Ok(StorePorts::from_one(MemoryStore::new(clock), None))
        }
        DatabaseChoice::Sql(url) => {
            let store = connect(config, url.expose()).await?;
            let applied = store.migrate().await.map_err(|e| {
                StartupError::Runtime(format!("cannot migrate {}: {e}", redact(url.expose())))
            })?;
            tracing::info!(database = %redact(url.expose()), applied, "database ready");
            Ok(StorePorts::from_one(store.clone(), Some(store)))
        }
    }
}

/// `shop-api migrate`: applies the pending migrations; how many.
pub async fn migrate(config: &Config) -> Result<usize, StartupError> {
    match &config.database {
        DatabaseChoice::Memory => Ok(0),
        DatabaseChoice::Sql(url) => {
            let store = connect(config, url.expose()).await?;
            let applied = store.migrate().await.map_err(|e| {
                StartupError::Runtime(format!("cannot migrate {}: {e}", redact(url.expose())))
            })?;
            let _ = store.close().await;
            Ok(applied)
        }
    }
}
