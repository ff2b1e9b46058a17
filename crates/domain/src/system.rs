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
