//! [`SqlStore`]: the connection pool, migrations, write transactions and
//! the retry of transactions that lost a race.

use std::future::Future;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use shop_domain::{DomainError, StoreError};
use shop_migrations::Migrator;
use shop_migrations::sea_orm_migration::MigratorTrait;

use crate::error::{DbResultExt, Fail, is_transient};

/// The embedded default: a SQLite file under `var/`, relative to the
/// working directory.
pub const EMBEDDED_DATABASE_URL: &str = "sqlite://var/shop.db";

/// Pool sizes and timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    pub max_connections: u32,
    pub min_connections: u32,
    /// Establishing one connection.
    pub connect_timeout: Duration,
    /// Waiting for a free connection of the pool.
    pub acquire_timeout: Duration,
    /// Closing connections idle this long (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Replacing connections this old (`None`: never).
    pub max_lifetime: Option<Duration>,
    /// SQLite only: how long a writer waits for the write lock.
    pub busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 1,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Every store port and the job queue over one sea-orm connection pool, on
/// MySQL/MariaDB or SQLite through one code path. Clones share the pool.
///
/// Writes that must be atomic run in one transaction each (`BEGIN
/// IMMEDIATE` on SQLite, so writers queue for the lock instead of failing
/// on upgrade); a transaction that loses a race the database resolves by
/// aborting it (a MySQL deadlock, SQLite busy) is run again, a few times.
///
/// Contract details the port traits leave open are pinned as in
/// `shop-memory` and the `shop-testkit` suites: updates of a missing entity
/// fail with `NotFound`; revoking a missing or revoked session and waking a
/// missing or non-queued job do nothing; `OrderStore::create` refuses a
/// missing product with `InsufficientStock`, an unknown or used-up
/// promotion with `InvalidPromotion`, and a duplicate order or job id with
/// `AlreadyExists`; `JobQueue::complete`, `retry` and `bury` with a claim
/// whose token is no longer the job's return `Ok(())` and change nothing.
/// Mails passed to a store write are recorded in the outbox, with their
/// delivery jobs, in that write's transaction; a Message-ID already
/// recorded is left as it is.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) db: DatabaseConnection,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

const MAX_ATTEMPTS: u32 = 12;

impl SqlStore {
    /// Connects a pool to `url`: `sqlite://PATH` (the file and its parent
    /// directory are created if missing; WAL journal, busy timeout, foreign
    /// keys on) or `mysql://USER:PASSWORD@HOST/DB` (utf8mb4). Errors never
    /// repeat the password.
    pub async fn connect(url: &str, options: &PoolOptions) -> Result<Self, DomainError> {
        // The driver's error stays out of the source: only its message,
        // with the password scrubbed, is kept.
        let fail = |message: String| {
            DomainError::Store(StoreError::unavailable(format!(
                "cannot connect to {}: {}",
                redact(url),
                scrub(&message, url)
            )))
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(options.max_connections.max(1))
            .min_connections(options.min_connections.min(options.max_connections))
            .connect_timeout(options.connect_timeout)
            .acquire_timeout(options.acquire_timeout)
            .idle_timeout(options.idle_timeout)
            .max_lifetime(options.max_lifetime)
            .sqlx_logging(false);
        if is_sqlite(url) {
            let path = sqlite_path(url);
            if path.is_none() {
                // One in-memory database per connection: keep exactly one.
                opts.max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
            if let Some(parent) = path.as_deref().and_then(|p| p.parent())
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    DomainError::Store(StoreError::backend(
                        format!(
                            "cannot connect to {}: cannot create {}",
                            redact(url),
                            parent.display()
                        ),
                        e,
                    ))
                })?;
            }
            let busy = options.busy_timeout;
            opts.map_sqlx_sqlite_opts(move |o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: a committed order survives a power cut too.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(busy)
                    .foreign_keys(true)
            });
        } else if url.starts_with("mysql:") {
            opts.map_sqlx_mysql_opts(|o| o.charset("utf8mb4"));
        } else {
            return Err(fail(
                "unsupported database URL scheme (use sqlite:// or mysql://)".into(),
            ));
        }
        let db = Database::connect(opts)
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(Self { db })
    }

    /// Applies every migration not applied yet; a no-op when the schema is
    /// current. Never destructive. Returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, DomainError> {
        let pending = Migrator::get_pending_migrations(&self.db).await.db()?.len();
        Migrator::up(&self.db, None).await.db()?;
        Ok(pending)
    }

    /// Readiness: one round trip to the database.
    pub async fn ping(&self) -> Result<(), DomainError> {
        self.db.ping().await.db()
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<(), DomainError> {
        self.db.close().await.db()
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// The underlying connection, for tests and tooling.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(crate) fn is_mysql(&self) -> bool {
        self.backend() == DbBackend::MySql
    }

    /// Starts a transaction that will write: on SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`, waiting up to the busy timeout), so
    /// concurrent writers queue instead of failing on a lock upgrade.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }

    /// Starts the transaction of a job claim: READ COMMITTED on MySQL, so
    /// the locking read keeps a lock only on the row it returns; the write
    /// lock at once on SQLite.
    pub(crate) async fn begin_claim(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_options(TransactionOptions {
                isolation_level: self.is_mysql().then_some(IsolationLevel::ReadCommitted),
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }

    /// Runs `op` (one whole transaction) again while it fails with a
    /// transient error (deadlock, lock timeout, busy), with a short
    /// growing, jittered pause.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut op: F) -> Result<T, DomainError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Fail>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match op().await {
                Err(Fail::Db(e)) if attempt < MAX_ATTEMPTS && is_transient(&e) => {
                    tracing::debug!(error = %e, attempt, "transaction lost a race; retrying");
                    tokio::time::sleep(pause(attempt)).await;
                }
                other => return other.map_err(DomainError::from),
            }
        }
    }
}

/// Commits `tx` if `result` is a success, rolls it back otherwise.
pub(crate) async fn finish<T>(tx: DatabaseTransaction, result: Result<T, Fail>) -> Result<T, Fail> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

fn pause(attempt: u32) -> Duration {
    // Random, so writers that collided do not collide again in step.
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 7);
    Duration::from_millis(2_u64.saturating_pow(attempt.min(7)) + jitter)
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// The file of a SQLite URL, `None` for an in-memory database.
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.trim_start_matches("sqlite:");
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        None
    } else {
        Some(std::path::PathBuf::from(path))
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match password_span(url) {
        Some((start, end)) => format!("{}***{}", &url[..start], &url[end..]),
        None => url.to_owned(),
    }
}

/// `message` with any occurrence of the URL's password masked.
fn scrub(message: &str, url: &str) -> String {
    match password_span(url) {
        Some((start, end)) if end > start => message.replace(&url[start..end], "***"),
        _ => message.to_owned(),
    }
}

/// Byte range of the password in `scheme://user:password@host/...`.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let authority_start = url.find("://")? + 3;
    let authority_end = url[authority_start..]
        .find('/')
        .map_or(url.len(), |i| authority_start + i);
    let authority = &url[authority_start..authority_end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("mysql://shop:s3cr%40t@db:3306/shop"),
            "mysql://shop:***@db:3306/shop"
        );
        assert_eq!(
            redact("mysql://root@127.0.0.1/x"),
            "mysql://root@127.0.0.1/x"
        );
        assert_eq!(redact("sqlite://var/shop.db"), "sqlite://var/shop.db");
        assert_eq!(
            scrub("access denied for s3cr%40t", "mysql://u:s3cr%40t@h/d"),
            "access denied for ***"
        );
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://var/shop.db?mode=rwc"),
            Some("var/shop.db".into())
        );
        assert_eq!(sqlite_path("sqlite:///tmp/a.db"), Some("/tmp/a.db".into()));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
