//! Mapping of database errors onto the domain's errors.

use sea_orm::{DbErr, RuntimeErr, SqlErr};
use shop_domain::{DomainError, StoreError};

/// An error inside a store operation: either already a domain refusal, or a
/// database error still to be classified (and maybe retried).
#[derive(Debug)]
pub enum Fail {
    Domain(DomainError),
    Db(DbErr),
}

impl From<DbErr> for Fail {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

impl From<DomainError> for Fail {
    fn from(e: DomainError) -> Self {
        Self::Domain(e)
    }
}

impl From<Fail> for DomainError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Domain(e) => e,
            Fail::Db(e) => backend(e),
        }
    }
}

/// A failure the domain cannot act on: the driver's error (which never holds
/// the connection URL) is its source.
pub fn backend(e: DbErr) -> DomainError {
    tracing::warn!(error = %e, "database error");
    DomainError::Store(StoreError::backend(what_failed(&e), e))
}

/// The kind of database failure, for the store error's own message.
fn what_failed(e: &DbErr) -> &'static str {
    match e {
        DbErr::ConnectionAcquire(_) => "no database connection available",
        DbErr::Conn(_) => "database connection failed",
        DbErr::Exec(_) => "database statement failed",
        DbErr::Query(_) => "database query failed",
        _ => "database error",
    }
}

/// Shorthand for turning a `DbErr` into a backend `DomainError`.
pub trait DbResultExt<T> {
    fn db(self) -> Result<T, DomainError>;
}

impl<T> DbResultExt<T> for Result<T, DbErr> {
    fn db(self) -> Result<T, DomainError> {
        self.map_err(backend)
    }
}

/// The message of a unique-constraint violation, if `e` is one.
pub fn unique_violation(e: &DbErr) -> Option<String> {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Some(message),
        _ => None,
    }
}

/// Whether `e` is a foreign-key violation.
pub fn foreign_key_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
}

/// Maps a unique violation to `on_unique(message)` and anything else to a
/// backend failure.
pub fn unique_or_backend(e: DbErr, on_unique: impl FnOnce(&str) -> DomainError) -> Fail {
    match unique_violation(&e) {
        Some(message) => Fail::Domain(on_unique(&message)),
        None => Fail::Db(e),
    }
}

/// Whether the statement lost a race that running the whole transaction
/// again resolves: a MySQL deadlock or lock-wait timeout, SQLite busy or
/// locked after the busy timeout.
pub fn is_transient(e: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(err))
    | DbErr::Query(RuntimeErr::SqlxError(err))
    | DbErr::Conn(RuntimeErr::SqlxError(err))) = e
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(db) = &**err else {
        return false;
    };
    if let Some(mysql) = db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
        // 1213 deadlock, 1205 lock wait timeout.
        return matches!(mysql.number(), 1205 | 1213);
    }
    if db
        .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
        .is_some()
    {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes
        // (the low byte is the primary code).
        let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
        return matches!(code & 0xff, 5 | 6);
    }
    false
}

/// A stored value the adapter cannot read back.
pub fn corrupt(what: &str, value: &str) -> DomainError {
    DomainError::Internal(format!("stored {what} is invalid: {value:?}"))
}
