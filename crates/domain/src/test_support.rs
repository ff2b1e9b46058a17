//! Fixtures shared by the domain's unit tests.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rust_decimal_macros::dec;

use crate::account::Email;
use crate::business::{Address, TaxExemption};
use crate::ids::{OrderId, ProductId, QuoteId, UserId};
use crate::money::Currency;
use crate::order::{Actor, HistoryEntry, Order, OrderLine, OrderStatus, PaymentInfo};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap()
}

pub fn address() -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        region: "CA".into(),
        postal_code: "90210".into(),
        country: "US".into(),
    }
}

pub fn exemption() -> TaxExemption {
    TaxExemption {
        certificate_number: "EX-1".into(),
        region: "CA".into(),
        expires_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        approved_by: Some(UserId::new("admin-1")),
    }
}

/// A one-line order of 2 x 5.00 + 0.73 tax, in `status`.
pub fn order(status: OrderStatus) -> Order {
    Order {
        id: OrderId::new("order-1"),
        number: "SO-000042".into(),
        user_id: UserId::new("user-1"),
        customer_email: Email::trusted("ann@example.com"),
        quote_id: QuoteId::new("quote-1"),
        status,
        created_at: t0(),
        currency: Currency::usd(),
        lines: vec![OrderLine {
            product_id: ProductId::new("p1"),
            sku: "HAM-01".into(),
            name: "Hammer".into(),
            unit_price: dec!(5.00),
            quantity: 2,
            subtotal: dec!(10.00),
            discount: dec!(0.00),
            tax: dec!(0.73),
            total: dec!(10.73),
        }],
        subtotal: dec!(10.00),
        discount_total: dec!(0.00),
        tax_total: dec!(0.73),
        shipping_total: dec!(0.00),
        total: dec!(10.73),
        promo_code: None,
        tax_exemption: None,
        ship_to: address(),
        payment_source_id: "cnon:card-nonce-ok".into(),
        payment: PaymentInfo {
            provider: crate::order::PaymentProvider::Square,
            payment_id: match status {
                OrderStatus::PendingPayment => None,
                _ => Some("pay-1".into()),
            },
            status: match status {
                OrderStatus::PendingPayment => crate::order::PaymentState::Pending,
                _ => crate::order::PaymentState::Approved,
            },
            failure_code: None,
            authorization_expires_at: match status {
                OrderStatus::PendingPayment => None,
                _ => Some(t0() + chrono::Duration::days(7)),
            },
        },
        history: vec![HistoryEntry {
            status: OrderStatus::PendingPayment,
            at: t0(),
            by: Actor::User(UserId::new("user-1")),
            note: None,
        }],
        alert: None,
    }
}

// ------------------------------------------------------------------ mocks

use std::sync::{Arc, Mutex};

use crate::account::{AccountPorts, PersonName, Principal, Role, User};
use crate::account::{
    AccountStatus, MockAccountStore, MockAccountTokenStore, MockPasswordHasher,
    MockRefreshTokenStore, MockTokenSigner,
};
use crate::account::{LoginThrottle, LoginThrottleStore, MockLoginThrottleStore};
use crate::business::{BusinessPorts, MockBusinessProfileStore};
use crate::catalog::MockCatalogStore;
use crate::contact::{ContactPorts, MockContactStore};
use crate::ids::SessionId;
use crate::jobs::{FinalizationPorts, MockJobQueue};
use crate::mail::{MailMessage, MockMailOutbox, MockMailer};
use crate::order::{MockOrderStore, OrderPorts, SettlePorts, StatusChange};
use crate::payment::MockPaymentGateway;
use crate::pricing::{MockPromotionStore, MockQuoteStore, MockTaxRateStore, PricingPorts};
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator};

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Sign-in failure counters in a map (the domain's tests need no adapter),
/// and the audit entries `mark_notified` wrote.
#[derive(Debug, Default)]
pub struct TestThrottle(
    Mutex<std::collections::HashMap<String, LoginThrottle>>,
    pub Mutex<Vec<crate::audit::AuditEntry>>,
);

#[async_trait::async_trait]
impl LoginThrottleStore for TestThrottle {
    async fn get(&self, key: &str) -> Result<Option<LoginThrottle>, DomainError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginThrottle, DomainError> {
        let mut map = self.0.lock().unwrap();
        let row = map.entry(key.to_string()).or_insert(LoginThrottle {
            failures: 0,
            last_failure_at: now,
            notified: false,
        });
        row.failures = row.failures.saturating_add(1);
        row.last_failure_at = now;
        Ok(row.clone())
    }
    async fn mark_notified(
        &self,
        key: &str,
        audit: &[crate::audit::AuditEntry],
    ) -> Result<bool, DomainError> {
        let won = self
            .0
            .lock()
            .unwrap()
            .get_mut(key)
            .is_some_and(|row| !std::mem::replace(&mut row.notified, true));
        if won {
            self.1.lock().unwrap().extend_from_slice(audit);
        }
        Ok(won)
    }
    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
}

/// Ids `id-1`, `id-2`, ... and secrets `secret-1`, ...
#[derive(Debug, Default)]
pub struct SeqIds(Mutex<u64>);

impl IdGenerator for SeqIds {
    fn new_id(&self) -> String {
        let mut n = self.0.lock().unwrap();
        *n += 1;
        format!("id-{n}")
    }
    fn new_secret(&self) -> String {
        let mut n = self.0.lock().unwrap();
        *n += 1;
        format!("secret-{n}")
    }
}

/// One strict mock per port: any call a test did not expect fails it.
#[derive(Default)]
pub struct Mocks {
    pub accounts: MockAccountStore,
    pub refresh_tokens: MockRefreshTokenStore,
    pub profiles: MockBusinessProfileStore,
    pub catalog: MockCatalogStore,
    pub quotes: MockQuoteStore,
    pub promotions: MockPromotionStore,
    pub tax_rates: MockTaxRateStore,
    pub orders: MockOrderStore,
    pub jobs: MockJobQueue,
    pub contacts: MockContactStore,
    pub payments: MockPaymentGateway,
    pub outbox: MockMailOutbox,
    pub mailer: MockMailer,
    pub hasher: MockPasswordHasher,
    pub signer: MockTokenSigner,
    /// `None`: [`Self::throttle`].
    pub login_throttle: Option<MockLoginThrottleStore>,
    /// The in-memory throttle when there is no mock (a fresh one if `None`;
    /// a test keeps a clone to read its audit entries).
    pub throttle: Option<Arc<TestThrottle>>,
    pub account_tokens: MockAccountTokenStore,
}

impl Mocks {
    /// The mocks behind shared pointers, ready to hand to services.
    pub fn shared(self, clock: Arc<TestClock>) -> SharedMocks {
        SharedMocks {
            accounts: Arc::new(self.accounts),
            refresh_tokens: Arc::new(self.refresh_tokens),
            profiles: Arc::new(self.profiles),
            catalog: Arc::new(self.catalog),
            quotes: Arc::new(self.quotes),
            promotions: Arc::new(self.promotions),
            tax_rates: Arc::new(self.tax_rates),
            orders: Arc::new(self.orders),
            jobs: Arc::new(self.jobs),
            contacts: Arc::new(self.contacts),
            payments: Arc::new(self.payments),
            outbox: Arc::new(self.outbox),
            mailer: Arc::new(self.mailer),
            hasher: Arc::new(self.hasher),
            signer: Arc::new(self.signer),
            login_throttle: match self.login_throttle {
                Some(mock) => Arc::new(mock),
                None => self.throttle.unwrap_or_default(),
            },
            account_tokens: Arc::new(self.account_tokens),
            clock,
            ids: Arc::new(SeqIds::default()),
        }
    }

    /// The ports of whichever service the caller builds.
    pub fn ports<P: for<'a> From<&'a SharedMocks>>(self, clock: Arc<TestClock>) -> P {
        P::from(&self.shared(clock))
    }
}

/// [`Mocks`] once shared: one service's ports, or several services' that
/// must see the same mocks, are taken from it.
pub struct SharedMocks {
    accounts: Arc<MockAccountStore>,
    refresh_tokens: Arc<MockRefreshTokenStore>,
    profiles: Arc<MockBusinessProfileStore>,
    catalog: Arc<MockCatalogStore>,
    quotes: Arc<MockQuoteStore>,
    promotions: Arc<MockPromotionStore>,
    tax_rates: Arc<MockTaxRateStore>,
    orders: Arc<MockOrderStore>,
    jobs: Arc<MockJobQueue>,
    contacts: Arc<MockContactStore>,
    payments: Arc<MockPaymentGateway>,
    outbox: Arc<MockMailOutbox>,
    mailer: Arc<MockMailer>,
    hasher: Arc<MockPasswordHasher>,
    signer: Arc<MockTokenSigner>,
    login_throttle: Arc<dyn LoginThrottleStore>,
    account_tokens: Arc<MockAccountTokenStore>,
    clock: Arc<TestClock>,
    ids: Arc<SeqIds>,
}

impl SharedMocks {
    pub fn ports<P: for<'a> From<&'a SharedMocks>>(&self) -> P {
        P::from(self)
    }
}

impl From<&SharedMocks> for AccountPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            accounts: m.accounts.clone(),
            refresh_tokens: m.refresh_tokens.clone(),
            profiles: m.profiles.clone(),
            login_throttle: m.login_throttle.clone(),
            hasher: m.hasher.clone(),
            signer: m.signer.clone(),
            clock: m.clock.clone(),
            ids: m.ids.clone(),
            account_tokens: m.account_tokens.clone(),
            outbox: m.outbox.clone(),
        }
    }
}

impl From<&SharedMocks> for BusinessPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            profiles: m.profiles.clone(),
            accounts: m.accounts.clone(),
            clock: m.clock.clone(),
            ids: m.ids.clone(),
        }
    }
}

impl From<&SharedMocks> for ContactPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            contacts: m.contacts.clone(),
            accounts: m.accounts.clone(),
            clock: m.clock.clone(),
            ids: m.ids.clone(),
        }
    }
}

impl From<&SharedMocks> for PricingPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            catalog: m.catalog.clone(),
            quotes: m.quotes.clone(),
            promotions: m.promotions.clone(),
            tax_rates: m.tax_rates.clone(),
            profiles: m.profiles.clone(),
            clock: m.clock.clone(),
            ids: m.ids.clone(),
        }
    }
}

impl From<&SharedMocks> for SettlePorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            orders: m.orders.clone(),
            payments: m.payments.clone(),
            accounts: m.accounts.clone(),
            clock: m.clock.clone(),
            ids: m.ids.clone(),
        }
    }
}

impl From<&SharedMocks> for OrderPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            settle: m.ports(),
            quotes: m.quotes.clone(),
            jobs: m.jobs.clone(),
        }
    }
}

impl From<&SharedMocks> for FinalizationPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            settle: m.ports(),
            jobs: m.jobs.clone(),
            outbox: m.outbox.clone(),
            mailer: m.mailer.clone(),
        }
    }
}

pub fn settings() -> Arc<ShopSettings> {
    Arc::new(ShopSettings {
        shop_name: "Test Shop".into(),
        mail_from: Email::trusted("shop@example.com"),
        ..ShopSettings::embedded_defaults()
    })
}

pub fn user(id: &str, email: &str, role: Role) -> User {
    User {
        id: UserId::new(id),
        email: Email::trusted(email),
        name: PersonName::parse("Ann Lee").unwrap(),
        password_hash: format!("hash-of-{id}"),
        role,
        status: AccountStatus::Active,
        session_version: 0,
        created_at: t0(),
        email_verified_at: Some(t0()),
    }
}

pub fn principal(id: &str, role: Role) -> Principal {
    Principal {
        user_id: UserId::new(id),
        role,
        session_id: SessionId::new(format!("session-of-{id}")),
        email: Email::trusted(&format!("{id}@example.com")),
        origin: Default::default(),
        email_verified: true,
    }
}

/// An order held in a mutex, so a mocked [`OrderStore`] can serve `get` and
/// apply `transition` like a real one (compare-and-set on the status).
#[derive(Clone)]
pub struct SharedOrder(pub Arc<Mutex<Order>>, pub Arc<Mutex<Vec<MailMessage>>>);

impl SharedOrder {
    pub fn new(order: Order) -> Self {
        Self(Arc::new(Mutex::new(order)), Arc::default())
    }

    /// The mails the applied transitions recorded, in order.
    pub fn mails(&self) -> Vec<MailMessage> {
        self.1.lock().unwrap().clone()
    }

    pub fn snapshot(&self) -> Order {
        self.0.lock().unwrap().clone()
    }

    /// `get` returns the current order.
    pub fn serve_get(&self, orders: &mut MockOrderStore) {
        let me = self.clone();
        orders
            .expect_get()
            .returning(move |_| Ok(Some(me.snapshot())));
    }

    /// Applies one transition like the store contract says.
    pub fn apply(&self, change: &StatusChange) -> Result<Order, DomainError> {
        let mut o = self.0.lock().unwrap();
        if o.status != change.from() {
            return Err(DomainError::InvalidOrderState {
                current: o.status.as_str().into(),
                action: "transition",
            });
        }
        o.status = change.to();
        o.history.push(change.entry().clone());
        o.alert = None;
        if let Some(p) = &change.effects().payment {
            o.payment = p.clone();
        }
        self.1
            .lock()
            .unwrap()
            .extend(change.effects().mails.iter().cloned());
        Ok(o.clone())
    }

    /// `transition` applies changes as [`Self::apply`] does.
    pub fn serve_transition(&self, orders: &mut MockOrderStore) {
        let me = self.clone();
        orders
            .expect_transition()
            .returning(move |_, change| me.apply(change));
    }
}
