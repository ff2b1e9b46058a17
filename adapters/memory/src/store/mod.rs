//! [`MemoryStore`]: every store port and the job queue over one mutex.

mod account_tokens;
mod accounts;
mod audit;
mod business;
mod catalog;
mod contacts;
mod jobs;
mod login_throttle;
mod orders;
mod outbox;
mod page;
mod payment_events;
mod pricing;

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use shop_domain::Clock;
use shop_domain::account::{AccountToken, LoginThrottle, RefreshSession, RefreshToken, User};
use shop_domain::business::BusinessProfile;
use shop_domain::catalog::{Category, Product, StockMovement};
use shop_domain::contact::ContactMessage;
use shop_domain::ids::{
    CategoryId, ContactMessageId, JobId, OrderId, ProductId, PromotionId, QuoteId, SessionId,
    UserId,
};
use shop_domain::jobs::Job;
use shop_domain::mail::OutboxMail;
use shop_domain::order::{IdempotencyRecord, Order};
use shop_domain::pricing::{Promotion, Quote, TaxRate};

/// A job and the token of the claim that holds it, if any.
#[derive(Debug, Clone)]
struct JobRow {
    job: Job,
    claim_token: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<UserId, User>,
    sessions: HashMap<SessionId, RefreshSession>,
    tokens: HashMap<String, RefreshToken>,
    profiles: HashMap<UserId, BusinessProfile>,
    categories: HashMap<CategoryId, Category>,
    products: HashMap<ProductId, Product>,
    /// Every stock movement, in the order applied.
    stock_movements: Vec<StockMovement>,
    quotes: HashMap<QuoteId, Quote>,
    /// The live order each spent quote became.
    spent_quotes: HashMap<QuoteId, OrderId>,
    promotions: HashMap<PromotionId, Promotion>,
    tax_rates: Vec<TaxRate>,
    orders: HashMap<OrderId, Order>,
    /// The finalization job written with each order.
    order_jobs: HashMap<OrderId, JobId>,
    idempotency: HashMap<(UserId, String), IdempotencyRecord>,
    /// The last order number handed out.
    order_seq: u64,
    jobs: HashMap<JobId, JobRow>,
    contacts: HashMap<ContactMessageId, ContactMessage>,
    /// Provider event ids already handled (`PaymentEventStore`).
    payment_events: HashMap<String, chrono::DateTime<chrono::Utc>>,
    /// Outbox mails by Message-ID (`MailOutbox`).
    outbox: HashMap<String, OutboxMail>,
    /// The audit trail, in the order appended.
    audit: Vec<shop_domain::audit::AuditEntry>,
    /// Failed sign-ins by throttle key (`LoginThrottleStore`).
    login_throttle: HashMap<String, LoginThrottle>,
    /// Verification and password reset tokens by hash (`AccountTokenStore`).
    account_tokens: HashMap<String, AccountToken>,
}

/// Every store port of the domain (accounts, refresh tokens, business
/// profiles, catalog, quotes, promotions, tax rates, orders, contact
/// messages), the [`JobQueue`](shop_domain::jobs::JobQueue) and the
/// [`MailOutbox`](shop_domain::mail::MailOutbox), in memory.
///
/// All state sits behind one mutex, so an operation touching several
/// entities (placing an order: stock, promotion, idempotency key, order,
/// job; a transition and the mails it causes) is atomic. Clones share the state. Nothing survives the process.
///
/// Contract details the traits leave open, as this adapter (and the
/// `shop-testkit` conformance suites) pin them:
/// - updates of a missing entity fail with `NotFound`; revoking a missing or
///   revoked session, and waking a missing or non-queued job, do nothing;
/// - `OrderStore::create` refuses a line whose product does not exist with
///   `InsufficientStock` (there is no stock to reserve), an unknown or used
///   up promotion code with `InvalidPromotion`, and a duplicate order or job
///   id with `AlreadyExists`;
/// - `OrderStore::transition` checks only `from` (the lifecycle rules are the
///   domain's), and `wake_job` sets the order's queued job's `run_after` to
///   the entry's time;
/// - `JobQueue::complete`, `retry` and `bury` with a claim whose token is no
///   longer the job's (its lease lapsed and another worker took it, or it
///   already finished) return `Ok(())` and change nothing: a lapsed lease is
///   an expected event, not a failure of the caller.
#[derive(Clone)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

impl MemoryStore {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::default())),
            clock,
        }
    }

    /// The clock this store was built with.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

/// Case-insensitive substring match; an absent or blank needle matches.
fn contains_ci(needle: Option<&str>, haystacks: &[&str]) -> bool {
    let Some(needle) = needle.map(str::trim).filter(|n| !n.is_empty()) else {
        return true;
    };
    let needle = needle.to_lowercase();
    haystacks.iter().any(|h| h.to_lowercase().contains(&needle))
}

/// Promotion codes compare case-insensitively, surrounding blanks ignored
/// (as `shop_domain::pricing` normalises them).
use shop_domain::pricing::normalise_code;
