//! The domain's ports for the auth routes alone.

use std::sync::Arc;

use shop_crypto::{Argon2Hasher, KeyRing};
use shop_domain::account::{AccountPorts, AccountTokenStore};
use shop_domain::business::BusinessProfileStore;
use shop_domain::mail::MailOutbox;
use shop_dynamodb::DynamoAccountStore;
use shop_memory::{SystemClock, UuidIds};

/// Accounts, refresh tokens and sign-in failure counters in DynamoDB; in the
/// shop's relational store (`sql`): business profiles, read for the
/// `business_status` of a sign-in, the verification and reset links, and the
/// outbox their mails go to (the worker delivers them).
pub fn auth_ports<S>(
    store: Arc<DynamoAccountStore>,
    sql: Arc<S>,
    ring: Arc<KeyRing>,
) -> AccountPorts
where
    S: BusinessProfileStore + AccountTokenStore + MailOutbox + 'static,
{
    AccountPorts {
        accounts: store.clone(),
        refresh_tokens: store.clone(),
        // The per-address back-off, shared with shop-api through the table.
        login_throttle: store,
        profiles: sql.clone(),
        account_tokens: sql.clone(),
        outbox: sql,
        hasher: Arc::new(Argon2Hasher::owasp()),
        signer: ring,
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidIds),
    }
}
