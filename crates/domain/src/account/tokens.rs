//! Single-use account tokens: the e-mail verification link and the password
//! reset link. Only the SHA-256 of a token's value is stored.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::ids::UserId;

/// How long a verification link works.
pub const VERIFY_EMAIL_TTL: Duration = Duration::hours(24);
/// How long a password reset link works.
pub const PASSWORD_RESET_TTL: Duration = Duration::minutes(30);

/// What a token proves when it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountTokenPurpose {
    /// The holder reads mail at the account's address.
    VerifyEmail,
    /// The holder may set a new password.
    PasswordReset,
}

impl AccountTokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "verify_email" => Some(Self::VerifyEmail),
            "password_reset" => Some(Self::PasswordReset),
            _ => None,
        }
    }
}

/// One single-use token, stored by the SHA-256 (hex) of its value only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub token_hash: String,
    pub user_id: UserId,
    pub purpose: AccountTokenPurpose,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set once, by the one caller that used it.
    pub used_at: Option<DateTime<Utc>>,
}

/// Single-use account tokens (verification and password reset links).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AccountTokenStore: Send + Sync {
    /// Fails with `AlreadyExists` for a hash already stored.
    async fn insert(&self, token: &AccountToken) -> Result<(), DomainError>;
    /// Uses the token: marks it used at `now` and returns it, only when it
    /// exists with this purpose, is unused and expires after `now`. Atomic:
    /// of two concurrent uses of one token at most one gets `Some`.
    async fn consume(
        &self,
        token_hash: &str,
        purpose: AccountTokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, DomainError>;
    /// Marks every unused token of the user with this purpose used at `at`
    /// (a password reset ends the other reset links).
    async fn invalidate_user_tokens(
        &self,
        user_id: &UserId,
        purpose: AccountTokenPurpose,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError>;
}
