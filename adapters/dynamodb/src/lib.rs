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

use aws_sdk_dynamodb::Client;
use shop_domain::DomainError;

pub use schema::create_tables;
pub use settings::{DEFAULT_TABLE_PREFIX, DynamoSettings, DynamoTables, SETTINGS};

/// Accounts and refresh sessions in DynamoDB. Cheap to clone: the SDK client
/// shares its connection pool.
#[derive(Debug, Clone)]
pub struct DynamoAccountStore {
    client: Client,
    tables: DynamoTables,
}

impl DynamoAccountStore {
    /// A store on existing tables (see [`create_tables`]).
    pub fn new(client: Client, tables: DynamoTables) -> Self {
        Self { client, tables }
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
