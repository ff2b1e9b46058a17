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

use async_trait::async_trait;
use chrono::Duration;
use mockall::mock;

use crate::account::AccountPorts;
use crate::account::{
    AccessClaims, AccountStatus, AccountStore, PasswordHasher, PersonName, Principal,
    RefreshSession, RefreshToken, RefreshTokenStore, Role, TokenSigner, User, UserFilter,
};
use crate::business::BusinessPorts;
use crate::business::{BusinessProfile, BusinessProfileStore, BusinessStatus};
use crate::catalog::{CatalogStore, Category, Product, ProductFilter, StockMovement};
use crate::contact::ContactPorts;
use crate::contact::{ContactMessage, ContactStatus, ContactStore};
use crate::ids::{CategoryId, ContactMessageId, JobId, SessionId};
use crate::jobs::FinalizationPorts;
use crate::jobs::{ClaimedJob, Job, JobQueue};
use crate::mail::{MailError, MailMessage, MailOutbox, Mailer, OutboxMail};
use crate::order::{
    IdempotencyRecord, NewOrder, OrderAlert, OrderFilter, OrderStore, StatusChange,
};
use crate::order::{OrderPorts, SettlePorts};
use crate::payment::{AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord};
use crate::pricing::PricingPorts;
use crate::pricing::{Promotion, PromotionStore, Quote, QuoteStore, TaxRate, TaxRateStore};
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator, Page, PageRequest};

mock! {
    pub Accounts {}
    #[async_trait]
    impl AccountStore for Accounts {
        async fn insert(&self, user: &User) -> Result<(), DomainError>;
        async fn get(&self, id: &UserId) -> Result<Option<User>, DomainError>;
        async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError>;
        async fn set_name(&self, id: &UserId, name: &PersonName) -> Result<(), DomainError>;
        async fn set_password_hash(&self, id: &UserId, hash: &str) -> Result<(), DomainError>;
        async fn set_role(&self, id: &UserId, role: Role) -> Result<(), DomainError>;
        async fn set_status(&self, id: &UserId, status: AccountStatus) -> Result<(), DomainError>;
        async fn bump_session_version(&self, id: &UserId) -> Result<(), DomainError>;
        async fn list(&self, filter: &UserFilter, page: &PageRequest) -> Result<Page<User>, DomainError>;
        async fn list_active_admins(&self) -> Result<Vec<User>, DomainError>;
    }
}

// mockall cannot take `Option<&SessionId>`: the mock has plain methods with
// an owned `except`, and the port delegates to them.
mock! {
    pub RefreshTokens {
        pub fn create_session(&self, session: &RefreshSession) -> Result<(), DomainError>;
        pub fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError>;
        pub fn revoke_session(&self, id: &SessionId, at: DateTime<Utc>) -> Result<(), DomainError>;
        pub fn revoke_user_sessions(
            &self,
            user_id: &UserId,
            except: Option<SessionId>,
            at: DateTime<Utc>,
        ) -> Result<(), DomainError>;
        pub fn insert_token(&self, token: &RefreshToken) -> Result<(), DomainError>;
        pub fn find_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError>;
        pub fn spend_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError>;
    }
}

#[async_trait]
impl RefreshTokenStore for MockRefreshTokens {
    async fn create_session(&self, session: &RefreshSession) -> Result<(), DomainError> {
        MockRefreshTokens::create_session(self, session)
    }
    async fn get_session(&self, id: &SessionId) -> Result<Option<RefreshSession>, DomainError> {
        MockRefreshTokens::get_session(self, id)
    }
    async fn revoke_session(&self, id: &SessionId, at: DateTime<Utc>) -> Result<(), DomainError> {
        MockRefreshTokens::revoke_session(self, id, at)
    }
    async fn revoke_user_sessions(
        &self,
        user_id: &UserId,
        except: Option<&SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        MockRefreshTokens::revoke_user_sessions(self, user_id, except.cloned(), at)
    }
    async fn insert_token(&self, token: &RefreshToken) -> Result<(), DomainError> {
        MockRefreshTokens::insert_token(self, token)
    }
    async fn find_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError> {
        MockRefreshTokens::find_token(self, token_hash)
    }
    async fn spend_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool, DomainError> {
        MockRefreshTokens::spend_token(self, token_hash, at)
    }
}

mock! {
    pub Profiles {}
    #[async_trait]
    impl BusinessProfileStore for Profiles {
        async fn get(&self, user_id: &UserId) -> Result<Option<BusinessProfile>, DomainError>;
        async fn put(&self, profile: &BusinessProfile, mails: &[MailMessage]) -> Result<(), DomainError>;
        async fn list(
            &self,
            status: Option<BusinessStatus>,
            page: &PageRequest,
        ) -> Result<Page<BusinessProfile>, DomainError>;
    }
}

// As for refresh tokens: mockall cannot take `Option<&StockMovement>`.
mock! {
    pub Catalog {
        pub fn list_categories(&self) -> Result<Vec<Category>, DomainError>;
        pub fn get_category(&self, id: &CategoryId) -> Result<Option<Category>, DomainError>;
        pub fn insert_category(&self, category: &Category) -> Result<(), DomainError>;
        pub fn insert_product(&self, product: &Product, opening: Option<StockMovement>) -> Result<(), DomainError>;
        pub fn get_product(&self, id: &ProductId) -> Result<Option<Product>, DomainError>;
        pub fn get_products(&self, ids: &[ProductId]) -> Result<Vec<Product>, DomainError>;
        pub fn update_product(&self, product: &Product) -> Result<(), DomainError>;
        pub fn adjust_stock(&self, movement: &StockMovement) -> Result<StockMovement, DomainError>;
        pub fn stock_movements(
            &self,
            product_id: &ProductId,
            page: &PageRequest,
        ) -> Result<Page<StockMovement>, DomainError>;
        pub fn list_products(
            &self,
            filter: &ProductFilter,
            page: &PageRequest,
        ) -> Result<Page<Product>, DomainError>;
    }
}

#[async_trait]
impl CatalogStore for MockCatalog {
    async fn list_categories(&self) -> Result<Vec<Category>, DomainError> {
        MockCatalog::list_categories(self)
    }
    async fn get_category(&self, id: &CategoryId) -> Result<Option<Category>, DomainError> {
        MockCatalog::get_category(self, id)
    }
    async fn insert_category(&self, category: &Category) -> Result<(), DomainError> {
        MockCatalog::insert_category(self, category)
    }
    async fn insert_product(
        &self,
        product: &Product,
        opening: Option<&StockMovement>,
    ) -> Result<(), DomainError> {
        MockCatalog::insert_product(self, product, opening.cloned())
    }
    async fn get_product(&self, id: &ProductId) -> Result<Option<Product>, DomainError> {
        MockCatalog::get_product(self, id)
    }
    async fn get_products(&self, ids: &[ProductId]) -> Result<Vec<Product>, DomainError> {
        MockCatalog::get_products(self, ids)
    }
    async fn update_product(&self, product: &Product) -> Result<(), DomainError> {
        MockCatalog::update_product(self, product)
    }
    async fn adjust_stock(&self, movement: &StockMovement) -> Result<StockMovement, DomainError> {
        MockCatalog::adjust_stock(self, movement)
    }
    async fn stock_movements(
        &self,
        product_id: &ProductId,
        page: &PageRequest,
    ) -> Result<Page<StockMovement>, DomainError> {
        MockCatalog::stock_movements(self, product_id, page)
    }
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Product>, DomainError> {
        MockCatalog::list_products(self, filter, page)
    }
}

mock! {
    pub Quotes {}
    #[async_trait]
    impl QuoteStore for Quotes {
        async fn insert(&self, quote: &Quote) -> Result<(), DomainError>;
        async fn get(&self, id: &QuoteId) -> Result<Option<Quote>, DomainError>;
    }
}

mock! {
    pub Promotions {}
    #[async_trait]
    impl PromotionStore for Promotions {
        async fn insert(&self, promotion: &Promotion) -> Result<(), DomainError>;
        async fn get_by_code(&self, code: &str) -> Result<Option<Promotion>, DomainError>;
        async fn list(&self) -> Result<Vec<Promotion>, DomainError>;
    }
}

mock! {
    pub TaxRates {}
    #[async_trait]
    impl TaxRateStore for TaxRates {
        async fn list(&self) -> Result<Vec<TaxRate>, DomainError>;
        async fn replace_all(&self, rates: &[TaxRate]) -> Result<(), DomainError>;
    }
}

mock! {
    pub Orders {}
    #[async_trait]
    impl OrderStore for Orders {
        async fn create(&self, new: &NewOrder) -> Result<Order, DomainError>;
        async fn get(&self, id: &OrderId) -> Result<Option<Order>, DomainError>;
        async fn find_idempotency(
            &self,
            user_id: &UserId,
            key: &str,
        ) -> Result<Option<IdempotencyRecord>, DomainError>;
        async fn transition(&self, id: &OrderId, change: &StatusChange) -> Result<Order, DomainError>;
        async fn add_note(&self, id: &OrderId, entry: &HistoryEntry) -> Result<(), DomainError>;
        async fn raise_alert(
            &self,
            id: &OrderId,
            alert: &OrderAlert,
            note: &HistoryEntry,
            mails: &[MailMessage],
        ) -> Result<bool, DomainError>;
        async fn clear_alert(&self, id: &OrderId, note: &HistoryEntry) -> Result<(), DomainError>;
        async fn list_in(&self, statuses: &[OrderStatus], limit: usize) -> Result<Vec<Order>, DomainError>;
        async fn find_by_payment_id(&self, payment_id: &str) -> Result<Option<Order>, DomainError>;
        async fn list(&self, filter: &OrderFilter, page: &PageRequest) -> Result<Page<Order>, DomainError>;
    }
}

mock! {
    pub Jobs {}
    #[async_trait]
    impl JobQueue for Jobs {
        async fn enqueue(&self, job: &Job) -> Result<(), DomainError>;
        async fn claim(
            &self,
            now: DateTime<Utc>,
            lease: Duration,
            claim_token: &str,
        ) -> Result<Option<ClaimedJob>, DomainError>;
        async fn complete(&self, claim: &ClaimedJob) -> Result<(), DomainError>;
        async fn retry(
            &self,
            claim: &ClaimedJob,
            run_after: DateTime<Utc>,
            error: &str,
        ) -> Result<(), DomainError>;
        async fn bury(&self, claim: &ClaimedJob, error: &str) -> Result<(), DomainError>;
        async fn wake(&self, id: &JobId, now: DateTime<Utc>) -> Result<(), DomainError>;
        async fn requeue(&self, id: &JobId, now: DateTime<Utc>) -> Result<Option<Job>, DomainError>;
        async fn get(&self, id: &JobId) -> Result<Option<Job>, DomainError>;
    }
}

mock! {
    pub Contacts {}
    #[async_trait]
    impl ContactStore for Contacts {
        async fn insert(&self, message: &ContactMessage, mails: &[MailMessage]) -> Result<(), DomainError>;
        async fn get(&self, id: &ContactMessageId) -> Result<Option<ContactMessage>, DomainError>;
        async fn set_status(&self, id: &ContactMessageId, status: ContactStatus) -> Result<(), DomainError>;
        async fn list(
            &self,
            status: Option<ContactStatus>,
            page: &PageRequest,
        ) -> Result<Page<ContactMessage>, DomainError>;
    }
}

mock! {
    pub Payments {}
    #[async_trait]
    impl PaymentGateway for Payments {
        async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError>;
        async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError>;
        async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError>;
        async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError>;
        async fn refund(
            &self,
            payment_id: &str,
            amount: &Money,
            idempotency_key: &str,
        ) -> Result<(), PaymentError>;
        async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError>;
    }
}

mock! {
    pub Outbox {}
    #[async_trait]
    impl MailOutbox for Outbox {
        async fn enqueue(&self, mails: &[MailMessage], now: DateTime<Utc>) -> Result<(), DomainError>;
        async fn get(&self, message_id: &str) -> Result<Option<OutboxMail>, DomainError>;
        async fn mark_sent(&self, message_id: &str, at: DateTime<Utc>) -> Result<(), DomainError>;
        async fn unsent(&self, limit: usize) -> Result<Vec<OutboxMail>, DomainError>;
        async fn find(&self, id: &str) -> Result<Option<OutboxMail>, DomainError>;
        async fn list(&self, sent: bool, page: &PageRequest) -> Result<Page<OutboxMail>, DomainError>;
    }
}

mock! {
    pub Launcher {}
    #[async_trait]
    impl crate::jobs::WorkflowLauncher for Launcher {
        async fn start_finalization(&self, order_id: &OrderId, generation: u32) -> Result<(), DomainError>;
    }
}

mock! {
    pub Mailer {}
    #[async_trait]
    impl Mailer for Mailer {
        async fn send(&self, message: &MailMessage) -> Result<(), MailError>;
    }
}

mock! {
    pub Hasher {}
    #[async_trait]
    impl PasswordHasher for Hasher {
        async fn hash(&self, password: &str) -> Result<String, DomainError>;
        async fn verify(&self, password: &str, hash: &str) -> Result<bool, DomainError>;
    }
}

mock! {
    pub Signer {}
    impl TokenSigner for Signer {
        fn sign(&self, claims: &AccessClaims) -> Result<String, DomainError>;
        fn verify(&self, token: &str) -> Result<AccessClaims, DomainError>;
    }
}

use crate::money::Money;

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
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
    pub accounts: MockAccounts,
    pub refresh_tokens: MockRefreshTokens,
    pub profiles: MockProfiles,
    pub catalog: MockCatalog,
    pub quotes: MockQuotes,
    pub promotions: MockPromotions,
    pub tax_rates: MockTaxRates,
    pub orders: MockOrders,
    pub jobs: MockJobs,
    pub contacts: MockContacts,
    pub payments: MockPayments,
    pub outbox: MockOutbox,
    pub mailer: MockMailer,
    pub hasher: MockHasher,
    pub signer: MockSigner,
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
    accounts: Arc<MockAccounts>,
    refresh_tokens: Arc<MockRefreshTokens>,
    profiles: Arc<MockProfiles>,
    catalog: Arc<MockCatalog>,
    quotes: Arc<MockQuotes>,
    promotions: Arc<MockPromotions>,
    tax_rates: Arc<MockTaxRates>,
    orders: Arc<MockOrders>,
    jobs: Arc<MockJobs>,
    contacts: Arc<MockContacts>,
    payments: Arc<MockPayments>,
    outbox: Arc<MockOutbox>,
    mailer: Arc<MockMailer>,
    hasher: Arc<MockHasher>,
    signer: Arc<MockSigner>,
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
            hasher: m.hasher.clone(),
            signer: m.signer.clone(),
            clock: m.clock.clone(),
            ids: m.ids.clone(),
        }
    }
}

impl From<&SharedMocks> for BusinessPorts {
    fn from(m: &SharedMocks) -> Self {
        Self {
            profiles: m.profiles.clone(),
            accounts: m.accounts.clone(),
            clock: m.clock.clone(),
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
    }
}

pub fn principal(id: &str, role: Role) -> Principal {
    Principal {
        user_id: UserId::new(id),
        role,
        session_id: SessionId::new(format!("session-of-{id}")),
        email: Email::trusted(&format!("{id}@example.com")),
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
    pub fn serve_get(&self, orders: &mut MockOrders) {
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
    pub fn serve_transition(&self, orders: &mut MockOrders) {
        let me = self.clone();
        orders
            .expect_transition()
            .returning(move |_, change| me.apply(change));
    }
}
