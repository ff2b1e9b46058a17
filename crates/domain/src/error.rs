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

/// A failure of a store adapter that the domain cannot act on.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("storage backend failure: {0}")]
    Backend(String),
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
            DomainError::Store(StoreError::Backend("x".into())),
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
            DomainError::from(StoreError::Backend("down".into())).code(),
            "store_unavailable"
        );
    }
}
