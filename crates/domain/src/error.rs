use std::error::Error as StdError;
use std::sync::Arc;

use thiserror::Error;

/// One invalid field of a request, as reported to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The backend's own error behind a [`StoreError`]: shared, so the error
/// stays `Clone`.
pub type BackendSource = Arc<dyn StdError + Send + Sync + 'static>;

/// A failure of a store adapter that the domain cannot act on.
///
/// `context` says what failed in the adapter's words; the backend's error
/// (a driver or SDK error), when there is one, is the [`source`] and is not
/// repeated in the message. Neither ever reaches a client: the API answers a
/// generic 503 and logs the whole chain (see [`error_chain`]).
///
/// Two store errors are equal when their contexts are: backend errors have
/// no equality.
///
/// [`source`]: std::error::Error::source
#[derive(Debug, Clone)]
pub enum StoreError {
    Backend {
        context: String,
        source: Option<BackendSource>,
    },
}

impl StoreError {
    /// A backend failure caused by `source`.
    pub fn backend(
        context: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self::Backend {
            context: context.into(),
            source: Some(Arc::from(source.into())),
        }
    }

    /// A backend failure with no underlying error to carry (a timeout the
    /// adapter enforces itself, contention it gave up on).
    pub fn unavailable(context: impl Into<String>) -> Self {
        Self::Backend {
            context: context.into(),
            source: None,
        }
    }

    /// What failed, without the source.
    pub fn context(&self) -> &str {
        match self {
            Self::Backend { context, .. } => context,
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "storage backend failure: {}", self.context())
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Backend { source, .. } => {
                source.as_deref().map(|e| e as &(dyn StdError + 'static))
            }
        }
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        self.context() == other.context()
    }
}

impl Eq for StoreError {}

/// `error` and its sources, outermost first, joined by `": "`, for logs.
/// A source whose message is already part of what is written (many errors
/// repeat their source's message) is left out.
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let message = e.to_string();
        if !message.is_empty() && !out.contains(&message) {
            out.push_str(": ");
            out.push_str(&message);
        }
        next = e.source();
    }
    out
}

/// Every way a domain operation can be refused. Each variant has a stable
/// machine code (see [`DomainError::code`]) that the API exposes unchanged.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    #[error("account is inactive")]
    AccountInactive,
    #[error("access token expired")]
    TokenExpired,
    #[error("invalid or revoked token")]
    InvalidToken,
    #[error("not allowed")]
    Forbidden,
    #[error("the account's e-mail address is not verified yet")]
    EmailUnverified,
    /// A verification or password reset link that is unknown, used or
    /// expired.
    #[error("the link is invalid, used or expired")]
    AccountTokenInvalid,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("e-mail address already registered")]
    EmailTaken,
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    #[error("insufficient stock for product {product_id}")]
    InsufficientStock { product_id: String },
    #[error("quote expired")]
    QuoteExpired,
    #[error("prices changed since the quote was made")]
    PriceChanged,
    #[error("promotion code is not valid: {0}")]
    InvalidPromotion(String),
    #[error("payment declined ({reason})")]
    PaymentDeclined { reason: String },
    #[error("payment provider unavailable: {0}")]
    PaymentUnavailable(String),
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    #[error("the quote was already placed as order {order_id}")]
    QuoteUsed { order_id: crate::ids::OrderId },
    #[error("the mail was already sent")]
    MailAlreadySent,
    #[error("order is {current}, cannot {action}")]
    InvalidOrderState {
        current: String,
        action: &'static str,
    },
    #[error("{0}")]
    InvalidState(String),
    /// Too many failed sign-ins for this address: no password is checked
    /// until the back-off ends.
    #[error("too many failed sign-ins for this address; retry in {retry_after} s")]
    LoginBackoff { retry_after: u32 },
    /// The server is at its limit of password hashing (a CPU- and
    /// memory-bound budget shared by every request); retry shortly.
    #[error("the server is busy; retry shortly")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountInactive => "account_inactive",
            Self::TokenExpired => "token_expired",
            Self::InvalidToken => "invalid_token",
            Self::Forbidden => "forbidden",
            Self::EmailUnverified => "email_unverified",
            Self::AccountTokenInvalid => "token_invalid",
            Self::NotFound(_) => "not_found",
            Self::EmailTaken => "email_taken",
            Self::AlreadyExists(_) => "already_exists",
            Self::InsufficientStock { .. } => "insufficient_stock",
            Self::QuoteExpired => "quote_expired",
            Self::PriceChanged => "price_changed",
            Self::InvalidPromotion(_) => "invalid_promotion",
            Self::PaymentDeclined { .. } => "payment_declined",
            Self::PaymentUnavailable(_) => "payment_unavailable",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::QuoteUsed { .. } => "quote_used",
            Self::MailAlreadySent => "mail_already_sent",
            Self::InvalidOrderState { .. } => "invalid_order_state",
            Self::InvalidState(_) => "invalid_state",
            Self::LoginBackoff { .. } => "login_backoff",
            Self::Busy => "busy",
            Self::Store(_) => "store_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

/// Collects field errors so a request reports all its problems at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(&mut self, ok: bool, field: &str, message: &str) -> &mut Self {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
        self
    }

    /// Records the error of a fallible constructor and yields its value if any.
    /// Errors are reported under `field`, the name the request gave the value
    /// (`new_password`, not the constructor's generic `password`).
    pub fn take<T>(&mut self, field: &str, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(DomainError::Validation(errs)) => {
                for e in errs {
                    let name = if field.is_empty() {
                        e.field
                    } else {
                        field.to_string()
                    };
                    self.errors.push(FieldError::new(name, e.message));
                }
                None
            }
            Err(other) => {
                self.errors.push(FieldError::new(field, other.to_string()));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Email, Password};

    #[test]
    fn validator_collects_every_error_in_order() {
        let mut v = Validator::new();
        v.check(true, "a", "fine").check(false, "b", "bad b");
        v.push("c", "bad c");
        assert_eq!(
            v.finish(),
            Err(DomainError::Validation(vec![
                FieldError::new("b", "bad b"),
                FieldError::new("c", "bad c"),
            ]))
        );
        assert_eq!(Validator::new().finish(), Ok(()));
    }

    #[test]
    fn take_reports_under_the_callers_field_name() {
        let mut v = Validator::new();
        assert!(v.take("new_password", Password::parse("short")).is_none());
        assert!(v.take("contact_email", Email::parse("nope")).is_none());
        let ok = v.take("email", Email::parse("a@b.co"));
        assert_eq!(ok.map(|e| e.to_string()), Some("a@b.co".to_string()));
        match v.finish() {
            Err(DomainError::Validation(errs)) => {
                let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["new_password", "contact_email"]);
                assert_eq!(errs[0].message, "must be at least 10 characters");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn take_keeps_non_validation_errors() {
        let mut v = Validator::new();
        let r: Result<(), _> = Err(DomainError::Internal("boom".into()));
        assert!(v.take("x", r).is_none());
        assert_eq!(
            v.finish(),
            Err(DomainError::Validation(vec![FieldError::new(
                "x",
                "internal error: boom"
            )]))
        );
    }

    #[test]
    fn a_store_error_keeps_its_backend_error_as_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused by peer");
        let err = StoreError::backend("cannot reach the database", io);
        assert_eq!(
            err.to_string(),
            "storage backend failure: cannot reach the database"
        );
        let source = err.source().expect("a source");
        assert_eq!(source.to_string(), "refused by peer");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("the io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
        // Through DomainError too (transparent), and in the logged chain.
        let domain = DomainError::from(err.clone());
        assert!(domain.source().is_some_and(|s| s.is::<std::io::Error>()));
        assert_eq!(
            error_chain(&domain),
            "storage backend failure: cannot reach the database: refused by peer"
        );
        // Clones share the source; equality is the context's.
        assert_eq!(err.clone(), err);
        assert_eq!(err, StoreError::unavailable("cannot reach the database"));
        assert!(StoreError::unavailable("x").source().is_none());
    }

    #[test]
    fn error_chain_leaves_out_repeated_messages() {
        #[derive(Debug, Error)]
        #[error("query failed: {0}")]
        struct Outer(#[source] std::io::Error);
        let outer = Outer(std::io::Error::other("disk full"));
        assert_eq!(error_chain(&outer), "query failed: disk full");
        let err = StoreError::backend("insert order", outer);
        assert_eq!(
            error_chain(&err),
            "storage backend failure: insert order: query failed: disk full"
        );
    }

    #[test]
    fn every_error_has_a_distinct_stable_code() {
        let all = [
            DomainError::Validation(vec![]),
            DomainError::InvalidCredentials,
            DomainError::AccountInactive,
            DomainError::TokenExpired,
            DomainError::InvalidToken,
            DomainError::Forbidden,
            DomainError::NotFound("x"),
            DomainError::EmailTaken,
            DomainError::AlreadyExists("x"),
            DomainError::InsufficientStock {
                product_id: "p".into(),
            },
            DomainError::QuoteExpired,
            DomainError::PriceChanged,
            DomainError::InvalidPromotion("x".into()),
            DomainError::PaymentDeclined { reason: "x".into() },
            DomainError::PaymentUnavailable("x".into()),
            DomainError::IdempotencyKeyReused,
            DomainError::QuoteUsed {
                order_id: crate::ids::OrderId::new("o"),
            },
            DomainError::MailAlreadySent,
            DomainError::InvalidOrderState {
                current: "paid".into(),
                action: "cancel",
            },
            DomainError::InvalidState("x".into()),
            DomainError::Store(StoreError::unavailable("x")),
            DomainError::Internal("x".into()),
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(DomainError::code).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(
            DomainError::InvalidCredentials.code(),
            "invalid_credentials"
        );
        assert_eq!(
            DomainError::InsufficientStock {
                product_id: "p".into()
            }
            .code(),
            "insufficient_stock"
        );
        assert_eq!(
            DomainError::IdempotencyKeyReused.code(),
            "idempotency_key_reused"
        );
        assert_eq!(
            DomainError::from(StoreError::unavailable("down")).code(),
            "store_unavailable"
        );
    }
}
