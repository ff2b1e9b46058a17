//! DynamoDB adapter for the [`AccountStore`] and [`RefreshTokenStore`] ports:
//! [`DynamoAccountStore`] implements both, on two tables.
//!
//! # Configuration
//!
//! [`DynamoSettings::from_settings`] reads the `SHOP_DYNAMODB_*` settings
//! of [`SETTINGS`] (endpoint, region, table prefix, whether to create the
//! tables; [`DynamoAccountStore::connect`] creates missing ones with
//! [`create_tables`] when told to).
//!
//! Credentials always come from the AWS default chain (environment,
//! profile, web identity, container or instance role); no error or log line
//! of this crate contains them or a signed request.
//!
//! # Key schema
//!
//! Every key attribute is a string. Times are RFC 3339 strings in UTC with
//! the fraction digits the value has (exact round trip); `ttl` is the one
//! number of epoch seconds, because DynamoDB TTL needs that.
//!
//! **`<prefix>-accounts`**: partition key `pk`, no sort key.
//!
//! | Item | `pk` | Other attributes |
//! |---|---|---|
//! | user | `USER#<user id>` | `id`, `email`, `name`, `name_lower`, `password_hash`, `role`, `status`, `session_version` (N), `created_at`, `version` (N), `user_list` = `USER`, `admin` = `ADMIN` (only on admins) |
//! | e-mail claim | `EMAIL#<normalised e-mail>` | `user_id` |
//!
//! Global secondary indexes (projection ALL):
//!
//! | Index | Partition key | Sort key | Holds |
//! |---|---|---|---|
//! | `users-by-id` | `user_list` | `id` | every user; queried backwards for the admin list, newest first (ids are time-ordered) |
//! | `admins-by-id` | `admin` | `id` | admins only (sparse); `list_active_admins` filters out the inactive ones |
//!
//! `users-by-id` has one partition value: fine for the write rate of sign-ups
//! and the admin list, which reads it. Both indexes are eventually
//! consistent, as any GSI: a user may show in the admin list a moment after
//! the insert returned. Reads by id and by e-mail are strongly consistent.
//!
//! - **Unique e-mail**: `insert` writes the user item and its e-mail claim in
//!   one `TransactWriteItems`, each with `attribute_not_exists(pk)`; a failed
//!   condition on the claim is `EmailTaken`, on the user item
//!   `AlreadyExists("user")`, and a `TransactionConflict` retries.
//! - **Updates**: read the user (consistent), change it, write back only the
//!   changed attributes (and those derived from each: `name_lower` from
//!   `name`, `admin` from `role`; `session_version` by `ADD`) with the
//!   condition `version = <read version>` and `version + 1`; a loser reads
//!   again (bounded, random back-off). `bump_session_version` is an atomic
//!   `ADD` of `session_version` and `version`. A missing user is
//!   `NotFound("user")`.
//!
//! **`<prefix>-sessions`**: partition key `pk`, sort key `sk`; TTL on `ttl`.
//!
//! | Item | `pk` | `sk` | Other attributes |
//! |---|---|---|---|
//! | session | `SESSION#<session id>` | `SESSION` | `session_id`, `user_id`, `created_at`, `revoked_at` (once revoked) |
//! | live session of a user | `USER#<user id>` | `SESSION#<session id>` | `session_id` |
//! | refresh token | `TOKEN#<SHA-256 hex>` | `TOKEN` | `token_hash`, `session_id`, `user_id`, `issued_at`, `expires_at`, `spent_at` (once spent), `ttl` |
//!
//! A session and its live-session item are written in one transaction;
//! revoking deletes the live-session item. `revoke_user_sessions` queries
//! the user's partition with a consistent read (no GSI, which could miss a
//! session created a moment before). `spend_token` sets `spent_at` under
//! `attribute_not_exists(spent_at)`: one concurrent spender wins. DynamoDB
//! deletes tokens some time (up to days) after `ttl`; until then they read
//! back as they are, and the domain checks `expires_at` itself.
//!
//! # The audit trail
//!
//! The audit trail lives in the relational store, which DynamoDB cannot
//! share a transaction with. The audited changes of this store (a status or
//! password change, a session revoked for a reused refresh token, a sign-in
//! back-off marked notified) therefore append their entries to the audit
//! log given with [`DynamoAccountStore::with_audit_log`] right after the
//! change succeeded. The two writes are not atomic: should the append fail,
//! the change stands without its entry; the entry is then logged in full
//! (`error` level; entries hold no secret) and the call returns the error.
//! A store without an audit log refuses a change that comes with entries
//! before making it.
//!
//! [`AccountStore`]: shop_domain::account::AccountStore
//! [`RefreshTokenStore`]: shop_domain::account::RefreshTokenStore

mod accounts;
mod error;
mod item;
mod retry;
mod schema;
mod sessions;
mod settings;
mod throttle;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use shop_domain::DomainError;
use shop_domain::audit::{AuditEntry, AuditLog};

pub use schema::create_tables;
pub use settings::{DEFAULT_TABLE_PREFIX, DynamoSettings, DynamoTables, SETTINGS};

/// Accounts and refresh sessions in DynamoDB. Cheap to clone: the SDK client
/// shares its connection pool.
#[derive(Clone)]
pub struct DynamoAccountStore {
    client: Client,
    tables: DynamoTables,
    /// Where the audited changes' entries go (see the crate documentation).
    audit: Option<Arc<dyn AuditLog>>,
}

impl std::fmt::Debug for DynamoAccountStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoAccountStore")
            .field("tables", &self.tables)
            .field("audit_log", &self.audit.is_some())
            .finish_non_exhaustive()
    }
}

impl DynamoAccountStore {
    /// A store on existing tables (see [`create_tables`]), without an audit
    /// log until [`Self::with_audit_log`].
    pub fn new(client: Client, tables: DynamoTables) -> Self {
        Self {
            client,
            tables,
            audit: None,
        }
    }

    /// The audit log the audited changes append their entries to, right
    /// after the change (the relational store's, in every shape).
    #[must_use]
    pub fn with_audit_log(mut self, log: Arc<dyn AuditLog>) -> Self {
        self.audit = Some(log);
        self
    }

    /// Refuses `entries` before a change when there is no log to take them.
    fn check_audit(&self, entries: &[AuditEntry]) -> Result<(), DomainError> {
        if entries.is_empty() || self.audit.is_some() {
            Ok(())
        } else {
            Err(DomainError::Internal(
                "an audited change of the DynamoDB accounts store needs an audit log".into(),
            ))
        }
    }

    /// Appends `entries` after their change succeeded. Not atomic with it:
    /// a failure leaves the change without its entries, which are then
    /// logged in full, and is returned.
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), DomainError> {
        if entries.is_empty() {
            return Ok(());
        }
        let Some(log) = &self.audit else {
            return self.check_audit(entries);
        };
        log.append(entries).await.inspect_err(|e| {
            tracing::error!(
                error = %e,
                entries = ?entries,
                "the DynamoDB change was made, but its audit entries could not be appended"
            );
        })
    }

    /// A client from `settings` and the AWS chain, and the tables created
    /// first when `settings.create_tables` says so.
    pub async fn connect(settings: &DynamoSettings) -> Result<Self, DomainError> {
        let client = settings.client().await;
        let tables = settings.tables();
        if settings.create_tables {
            create_tables(&client, &tables).await?;
        }
        Ok(Self::new(client, tables))
    }

    pub fn tables(&self) -> &DynamoTables {
        &self.tables
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}
