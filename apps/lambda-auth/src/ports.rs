//! The domain's ports for the auth routes alone.

use std::sync::Arc;

use async_trait::async_trait;
use shop_crypto::{Argon2Hasher, KeyRing};
use shop_domain::Ports;
use shop_domain::mail::{MailError, MailMessage, Mailer};
use shop_dynamodb::DynamoAccountStore;
use shop_memory::{MemoryStore, SystemClock, UuidIds};
use shop_square_sandbox::SimulatedSquare;

/// Accounts and refresh tokens in DynamoDB; the ports `AccountService`'s
/// register, login, refresh, authenticate and logout never call (catalog,
/// orders, payments, mail...) get inert stand-ins, since `Ports` has them
/// all. One exception is read: `profiles`, for the `business_status` of a
/// sign-in. Business profiles have no DynamoDB adapter yet, so here every
/// user's status is `none` (see the crate's report).
pub fn auth_ports(store: Arc<DynamoAccountStore>, ring: Arc<KeyRing>) -> Ports {
    let clock = Arc::new(SystemClock);
    let memory = Arc::new(MemoryStore::new(clock.clone()));
    Ports {
        accounts: store.clone(),
        refresh_tokens: store,
        profiles: memory.clone(),
        catalog: memory.clone(),
        quotes: memory.clone(),
        promotions: memory.clone(),
        tax_rates: memory.clone(),
        orders: memory.clone(),
        jobs: memory.clone(),
        contacts: memory.clone(),
        outbox: memory,
        payments: Arc::new(SimulatedSquare::new(clock.clone())),
        mailer: Arc::new(NoMail),
        hasher: Arc::new(Argon2Hasher::owasp()),
        signer: ring,
        clock,
        ids: Arc::new(UuidIds),
    }
}

/// The auth routes send no mail; should one ever try, it fails loudly
/// rather than vanish into a mailbox no one reads.
struct NoMail;

#[async_trait]
impl Mailer for NoMail {
    async fn send(&self, _message: &MailMessage) -> Result<(), MailError> {
        Err(MailError::Rejected(
            "shop-lambda-auth has no mail transport".into(),
        ))
    }
}
