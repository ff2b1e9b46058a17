//! The relational store the settings choose (`SHOP_DATABASE_URL`): a
//! migrated [`SqlStore`] on SQLite or MySQL/MariaDB, or the in-memory store
//! for integrators; accounts and refresh sessions from DynamoDB instead when
//! `SHOP_ACCOUNTS=dynamodb`; and the `shop-api migrate` sub-command.

use std::sync::Arc;

use shop_domain::error::error_chain;
use shop_domain::{Clock, Stores};
use shop_memory::MemoryStore;
use shop_sql::{SqlStore, redact};

use crate::StartupError;
use crate::config::{AccountsChoice, Config, DatabaseChoice};

/// Connects to the configured SQL database (no migrations).
async fn connect(config: &Config, url: &str) -> Result<SqlStore, StartupError> {
    SqlStore::connect(url, &config.database_pool)
        .await
        .map_err(|e| StartupError::Runtime(format!("SHOP_DATABASE_URL: {}", error_chain(&e))))
}

/// Opens the stores the settings choose, and the SQL store behind them
/// (`None`: the in-memory store); a SQL store gets its pending migrations
/// applied first.
pub async fn open(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<(Stores, Option<SqlStore>), StartupError> {
    let (mut stores, sql) = open_relational(config, clock).await?;
    if let AccountsChoice::DynamoDb(settings) = &config.accounts {
        // The audit trail stays in the relational store: DynamoDB's audited
        // changes append their entries to it right after the change (not in
        // one transaction; see shop_dynamodb's documentation).
        let store = shop_dynamodb::DynamoAccountStore::connect(settings)
            .await
            .map_err(|e| {
                StartupError::Runtime(format!("SHOP_ACCOUNTS=dynamodb: {}", error_chain(&e)))
            })?
            .with_audit_log(stores.audit.clone());
        tracing::info!(tables = ?store.tables(), "accounts: DynamoDB");
        stores.accounts = Arc::new(store.clone());
        stores.refresh_tokens = Arc::new(store.clone());
        // With the accounts, so shop-api and the auth Lambda share the back-off.
        stores.login_throttle = Arc::new(store);
    }
    Ok((stores, sql))
}

async fn open_relational(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<(Stores, Option<SqlStore>), StartupError> {
    match &config.database {
        DatabaseChoice::Memory => {
            tracing::warn!(
                "SHOP_DATABASE_URL=memory: the in-memory store loses everything on exit"
            );
            Ok((Stores::from_one(Arc::new(MemoryStore::new(clock))), None))
        }
        DatabaseChoice::Sql(url) => {
            let store = connect(config, url.expose()).await?;
            let applied = store.migrate().await.map_err(|e| {
                StartupError::Runtime(format!(
                    "cannot migrate {}: {}",
                    redact(url.expose()),
                    error_chain(&e)
                ))
            })?;
            tracing::info!(database = %redact(url.expose()), applied, "database ready");
            Ok((Stores::from_one(Arc::new(store.clone())), Some(store)))
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
                StartupError::Runtime(format!(
                    "cannot migrate {}: {}",
                    redact(url.expose()),
                    error_chain(&e)
                ))
            })?;
            let _ = store.close().await;
            Ok(applied)
        }
    }
}
