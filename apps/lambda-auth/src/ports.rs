//! The domain's ports for the auth routes alone.

use std::sync::Arc;

use shop_crypto::{Argon2Hasher, KeyRing};
use shop_domain::account::AccountPorts;
use shop_domain::business::BusinessProfileStore;
use shop_dynamodb::DynamoAccountStore;
use shop_memory::{SystemClock, UuidIds};

/// Accounts, refresh tokens and sign-in failure counters in DynamoDB; business profiles, read for
/// the `business_status` of a sign-in, in the shop's relational store.
pub fn auth_ports(
    store: Arc<DynamoAccountStore>,
    profiles: Arc<dyn BusinessProfileStore>,
    ring: Arc<KeyRing>,
) -> AccountPorts {
    AccountPorts {
        accounts: store.clone(),
        refresh_tokens: store.clone(),
        // The per-address back-off, shared with shop-api through the table.
        login_throttle: store,
        profiles,
        hasher: Arc::new(Argon2Hasher::owasp()),
        signer: ring,
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidIds),
    }
}
