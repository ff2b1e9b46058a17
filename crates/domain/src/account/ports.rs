use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{AccessClaims, AccountStatus, Email, PersonName, Role, User, UserFilter};
use crate::audit::AuditEntry;
use crate::ids::{SessionId, UserId};
use crate::{DomainError, Page, PageRequest};

/// Accounts. Field updates are separate atomic operations so concurrent
/// changes (an admin inactivating while the user renames) never lose one.
///
/// The audited changes take their `audit` entries: a relational store
/// commits them in the change's transaction (nothing without the other); a
/// store that cannot (DynamoDB) appends them to the relational trail right
/// after the change ([`crate::audit::AuditLog::append`]).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Fails with [`DomainError::EmailTaken`] when the e-mail exists, whatever
    /// the race.
    async fn insert(&self, user: &User) -> Result<(), DomainError>;
    async fn get(&self, id: &UserId) -> Result<Option<User>, DomainError>;
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError>;
    async fn set_name(&self, id: &UserId, name: &PersonName) -> Result<(), DomainError>;
    /// Sets the password hash and bumps the session version in one step
    /// (every access token issued before is refused), with `audit`.
    async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    async fn set_role(&self, id: &UserId, role: Role) -> Result<(), DomainError>;
    /// Sets the status and bumps the session version in one step, with
    /// `audit`.
    async fn set_status(
        &self,
        id: &UserId,
        status: AccountStatus,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    async fn bump_session_version(&self, id: &UserId) -> Result<(), DomainError>;
    /// Records that the user proved the address at `at`; an address
    /// already verified keeps its first time.
    async fn set_email_verified(&self, id: &UserId, at: DateTime<Utc>) -> Result<(), DomainError>;
    /// Newest first.
    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, DomainError>;
    async fn list_active_admins(&self) -> Result<Vec<User>, DomainError>;
}

/// A sign-in session: the family of refresh tokens that rotated from one login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One refresh token, stored by the SHA-256 of its value only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub token_hash: String,
    pub session_id: SessionId,
    pub user_id: UserId,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub spent_at: Option<DateTime<Utc>>,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    async fn create_session(&self, session: &RefreshSession) -> Result<(), DomainError>;
    async fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError>;
    /// Revokes the session (the first time stays; a missing session is no
    /// error) and records `audit` with it (a relational store in one
    /// transaction; DynamoDB right after, see [`AccountStore`]).
    async fn revoke_session(
        &self,
        id: &SessionId,
        at: DateTime<Utc>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    /// Revokes every session of the user but `except`.
    ///
    /// `'a` is named for mockall, which cannot mock an elided lifetime inside
    /// `Option`; implementations name it too (async_trait matches a method's
    /// lifetimes by position).
    async fn revoke_user_sessions<'a>(
        &self,
        user_id: &UserId,
        except: Option<&'a SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError>;
    async fn insert_token(&self, token: &RefreshToken) -> Result<(), DomainError>;
    async fn find_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError>;
    /// Marks the token spent; `true` only for the one caller that spent it, so
    /// two concurrent refreshes with one token cannot both succeed.
    async fn spend_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &str) -> Result<String, DomainError>;
    /// `Ok(false)` for a wrong password; errors only for a corrupt hash.
    async fn verify(&self, password: &str, hash: &str) -> Result<bool, DomainError>;
}

/// Signs and checks access tokens. `verify` checks signature, algorithm,
/// issuer and audience; expiry is checked by the domain against its clock.
#[cfg_attr(test, mockall::automock)]
pub trait TokenSigner: Send + Sync {
    fn sign(&self, claims: &AccessClaims) -> Result<String, DomainError>;
    fn verify(&self, token: &str) -> Result<AccessClaims, DomainError>;
}
