//! Service-level tests: the domain's services wired to the in-memory adapters
//! (`MemoryStore`, `SimulatedSquare`, `FileMailbox`, `ManualClock`), driven
//! as the API would drive them.

// Tests: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use shop_domain::account::{
    AccessClaims, AccountPorts, AccountService, AccountStatus, ConfiguredAdmin, LoginOutcome,
    Principal, RegisterInput, Role, User,
};
use shop_domain::audit::{AuditAction, AuditEntry, AuditFilter, RequestOrigin};
use shop_domain::business::{
    Address, BusinessPorts, BusinessService, BusinessStatus, ExemptionCertificate,
    ProfileSubmission,
};
use shop_domain::catalog::{CatalogPorts, CatalogService, NewProduct, Product, ProductPatch};
use shop_domain::ids::{JobId, OrderId, ProductId};
use shop_domain::jobs::{
    FinalizationPorts, FinalizationService, Job, JobState, MAX_ATTEMPTS, StepOutcome, backoff,
};
use shop_domain::mail::{MailAdminPorts, MailAdminService, MailMessage, Mailer};
use shop_domain::money::Money;
use shop_domain::order::{
    Actor, CHECKOUT_GRACE, HistoryEntry, Order, OrderAlert, OrderPorts, OrderService, OrderStatus,
    PaymentState, PlaceOrderRequest, Placed, Placement, SettlePorts,
};
use shop_domain::payment::{AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord};
use shop_domain::pricing::{
    CartLine, NewPromotion, PricingPorts, PricingService, PromotionKind, Quote, QuoteRequest,
    TaxRate,
};
use shop_domain::settings::ShopSettings;
use shop_domain::{Clock, DomainError, IdGenerator, PageRequest, Stores};
use shop_memory::{FileMailbox, InsecureFastHasher, ManualClock, MemoryStore, StoredMail, UuidIds};
use shop_square_sandbox::{
    Payment as SquarePayment, PaymentStatus as SquareStatus, SimulatedSquare,
};

const OK_CARD: &str = "cnon:card-nonce-ok";
const DECLINED_CARD: &str = "cnon:card-nonce-declined";
const ADMIN_EMAIL: &str = "admin@shop.test";
const ADMIN_PASSWORD: &str = "admin-password-1";
const PASSWORD: &str = "violet-harbour-42";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap()
}

/// The request every service call here comes from.
fn origin() -> RequestOrigin {
    RequestOrigin {
        request_id: Some("req-services".into()),
        client_ip: Some("198.51.100.7".into()),
    }
}

fn money(s: &str) -> Decimal {
    s.parse().unwrap()
}

// ------------------------------------------------------------ test doubles

/// Signs by remembering: a token is valid only if this signer issued it,
/// which is all the services rely on (signature checks are the JWT
/// adapter's own tests).
#[derive(Default)]
struct TestSigner {
    issued: Mutex<HashMap<String, AccessClaims>>,
}

impl shop_domain::account::TokenSigner for TestSigner {
    fn sign(&self, claims: &AccessClaims) -> Result<String, DomainError> {
        let token = format!("access-{}", claims.token_id);
        self.issued
            .lock()
            .unwrap()
            .insert(token.clone(), claims.clone());
        Ok(token)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, DomainError> {
        self.issued
            .lock()
            .unwrap()
            .get(token)
            .cloned()
            .ok_or(DomainError::InvalidToken)
    }
}

/// The file mailbox, with a switch that makes every send fail, and a count
/// of send calls (the mailbox itself keeps one file per Message-ID, so it
/// would hide a duplicate send).
struct SwitchableMailer {
    inner: FileMailbox,
    down: AtomicBool,
    sends: AtomicUsize,
    /// The Message-ID of every send call, in order.
    attempted: Mutex<Vec<String>>,
}

#[async_trait]
impl Mailer for SwitchableMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), shop_domain::mail::MailError> {
        self.sends.fetch_add(1, Ordering::SeqCst);
        self.attempted
            .lock()
            .unwrap()
            .push(message.message_id.clone());
        if self.down.load(Ordering::SeqCst) {
            return Err(shop_domain::mail::MailError::Transient(
                "smtp relay unreachable".into(),
            ));
        }
        self.inner.send(message).await
    }
}

/// The simulator, with faults the simulator itself cannot make: an
/// authorization that succeeds at Square but whose answer is lost, and a
/// capture that Square declines.
struct FaultyGateway {
    inner: SimulatedSquare,
    lose_next_authorize_answer: AtomicBool,
    decline_next_complete: AtomicBool,
}

#[async_trait]
impl PaymentGateway for FaultyGateway {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError> {
        let result = self.inner.authorize(request).await;
        if self
            .lose_next_authorize_answer
            .swap(false, Ordering::SeqCst)
        {
            return Err(PaymentError::Transient("read timeout".into()));
        }
        result
    }
    async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        if self.decline_next_complete.swap(false, Ordering::SeqCst) {
            return Err(PaymentError::Declined {
                code: "INSUFFICIENT_FUNDS".into(),
            });
        }
        self.inner.complete(payment_id).await
    }
    async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        self.inner.cancel(payment_id).await
    }
    async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError> {
        self.inner.cancel_by_idempotency_key(idempotency_key).await
    }
    async fn refund(
        &self,
        payment_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        self.inner.refund(payment_id, amount, idempotency_key).await
    }
    async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        self.inner.status(payment_id).await
    }
}

// ------------------------------------------------------------------ harness

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("shop-services-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Shop {
    clock: Arc<ManualClock>,
    square: SimulatedSquare,
    gateway: Arc<FaultyGateway>,
    mailbox: FileMailbox,
    mailer: Arc<SwitchableMailer>,
    stores: Stores,
    accounts: AccountService,
    business: BusinessService,
    catalog: CatalogService,
    pricing: PricingService,
    orders: OrderService,
    finalization: FinalizationService,
    _dir: TempDir,
}

impl Shop {
    /// A shop that does not require verified addresses (the harness of the
    /// order tests).
    fn new() -> Self {
        Self::with_verification(false)
    }

    /// A shop that requires verified addresses when `required`.
    fn with_verification(required: bool) -> Self {
        let dir = TempDir::new();
        let clock = Arc::new(ManualClock::new(t0()));
        let clock_port: Arc<dyn Clock> = clock.clone();
        let store = MemoryStore::new(clock_port.clone());
        let square = SimulatedSquare::new(clock_port.clone());
        let gateway = Arc::new(FaultyGateway {
            inner: square.clone(),
            lose_next_authorize_answer: AtomicBool::new(false),
            decline_next_complete: AtomicBool::new(false),
        });
        let mailbox = FileMailbox::new(dir.0.join("mail"))
            .unwrap()
            .with_clock(clock_port.clone());
        let mailer = Arc::new(SwitchableMailer {
            inner: mailbox.clone(),
            down: AtomicBool::new(false),
            sends: AtomicUsize::new(0),
            attempted: Mutex::new(Vec::new()),
        });
        let stores = Stores::from_one(Arc::new(store.clone()));
        let ids: Arc<dyn IdGenerator> = Arc::new(UuidIds);
        let settle = SettlePorts {
            orders: stores.orders.clone(),
            payments: gateway.clone(),
            accounts: stores.accounts.clone(),
            clock: clock_port.clone(),
            ids: ids.clone(),
        };
        let pricing_ports = PricingPorts {
            catalog: stores.catalog.clone(),
            quotes: stores.quotes.clone(),
            promotions: stores.promotions.clone(),
            tax_rates: stores.tax_rates.clone(),
            profiles: stores.profiles.clone(),
            clock: clock_port.clone(),
            ids: ids.clone(),
        };
        let settings = Arc::new(ShopSettings {
            shop_name: "Test Shop".into(),
            mail_from: shop_domain::account::Email::trusted("shop@shop.test"),
            require_email_verification: required,
            public_url: "https://shop.test".into(),
            ..ShopSettings::embedded_defaults()
        });
        Self {
            accounts: AccountService::new(
                AccountPorts {
                    accounts: stores.accounts.clone(),
                    refresh_tokens: stores.refresh_tokens.clone(),
                    profiles: stores.profiles.clone(),
                    login_throttle: stores.login_throttle.clone(),
                    hasher: Arc::new(InsecureFastHasher),
                    signer: Arc::new(TestSigner::default()),
                    clock: clock_port.clone(),
                    ids: ids.clone(),
                    account_tokens: stores.account_tokens.clone(),
                    outbox: stores.outbox.clone(),
                },
                settings.clone(),
            ),
            business: BusinessService::new(
                BusinessPorts {
                    profiles: stores.profiles.clone(),
                    accounts: stores.accounts.clone(),
                    clock: clock_port.clone(),
                    ids: ids.clone(),
                },
                settings.clone(),
            ),
            catalog: CatalogService::new(
                CatalogPorts {
                    catalog: stores.catalog.clone(),
                    clock: clock_port.clone(),
                    ids,
                },
                settings.clone(),
            ),
            pricing: PricingService::new(pricing_ports.clone(), settings.clone()),
            orders: OrderService::new(
                OrderPorts {
                    settle: settle.clone(),
                    quotes: stores.quotes.clone(),
                    jobs: stores.jobs.clone(),
                },
                PricingService::new(pricing_ports, settings.clone()),
                settings.clone(),
            ),
            finalization: FinalizationService::new(
                FinalizationPorts {
                    settle,
                    jobs: stores.jobs.clone(),
                    outbox: stores.outbox.clone(),
                    mailer: mailer.clone(),
                },
                settings,
            ),
            clock,
            square,
            gateway,
            mailbox,
            mailer,
            stores,
            _dir: dir,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The simulator's ledger: every payment, oldest first.
    async fn payments(&self) -> Vec<SquarePayment> {
        self.square.payments().await.unwrap()
    }

    async fn register(&self, email: &str) -> User {
        self.accounts
            .register(RegisterInput {
                email: email.into(),
                password: PASSWORD.into(),
                name: "Ann Lee".into(),
            })
            .await
            .unwrap()
    }

    async fn login(&self, email: &str, password: &str) -> (Principal, LoginOutcome) {
        let outcome = self
            .accounts
            .login(email, password, &origin())
            .await
            .unwrap();
        let principal = self
            .accounts
            .authenticate(&outcome.tokens.access_token)
            .await
            .unwrap();
        (principal, outcome)
    }

    /// A registered customer whose address is verified, signed in.
    async fn customer(&self, email: &str) -> Principal {
        let user = self.register(email).await;
        self.stores
            .accounts
            .set_email_verified(&user.id, self.now())
            .await
            .unwrap();
        self.login(email, PASSWORD).await.0
    }

    async fn admin(&self) -> Principal {
        self.accounts
            .ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap();
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.0
    }

    async fn product(&self, admin: &Principal, sku: &str, price: &str, stock: u32) -> Product {
        self.catalog
            .create_product(
                admin,
                &NewProduct {
                    sku: sku.into(),
                    name: format!("Product {sku}"),
                    description: String::new(),
                    category_id: None,
                    price: money(price),
                    stock,
                    active: true,
                },
            )
            .await
            .unwrap()
    }

    async fn stock(&self, id: &ProductId) -> u32 {
        self.stores
            .catalog
            .get_product(id)
            .await
            .unwrap()
            .unwrap()
            .stock
    }

    async fn tax(&self, admin: &Principal, rate: &str) {
        self.pricing
            .replace_tax_rates(
                admin,
                &[TaxRate {
                    country: "US".into(),
                    region: "CA".into(),
                    rate: money(rate),
                }],
            )
            .await
            .unwrap();
    }

    async fn quote(
        &self,
        who: &Principal,
        lines: &[(&Product, u32)],
        promo: Option<&str>,
    ) -> Result<Quote, DomainError> {
        self.pricing
            .quote(
                who,
                &QuoteRequest {
                    items: lines
                        .iter()
                        .map(|(p, q)| CartLine {
                            product_id: p.id.clone(),
                            quantity: *q,
                        })
                        .collect(),
                    promo_code: promo.map(str::to_string),
                    ship_to: address(),
                },
            )
            .await
    }

    /// The order placed and whether this call created it.
    async fn place(
        &self,
        who: &Principal,
        quote: &Quote,
        card: &str,
        key: Option<&str>,
    ) -> Result<(Order, bool), DomainError> {
        self.placed(who, quote, card, key)
            .await
            .map(|p| (p.order, p.placement == Placement::Created))
    }

    async fn placed(
        &self,
        who: &Principal,
        quote: &Quote,
        card: &str,
        key: Option<&str>,
    ) -> Result<Placed, DomainError> {
        self.orders
            .place(
                who,
                &PlaceOrderRequest {
                    quote_id: quote.id.clone(),
                    payment_source_id: card.into(),
                    idempotency_key: key.map(str::to_string),
                },
            )
            .await
    }

    async fn order(&self, id: &OrderId) -> Order {
        self.stores.orders.get(id).await.unwrap().unwrap()
    }

    async fn job(&self, order: &OrderId) -> Job {
        self.stores
            .jobs
            .get(&JobId::new(format!("finalize-{order}")))
            .await
            .unwrap()
            .unwrap()
    }

    async fn work(&self) -> bool {
        self.finalization.work_once("worker-1", 0.0).await.unwrap()
    }

    /// Runs due jobs until none is left (finalizations and then the mail
    /// deliveries they recorded); how many ran.
    async fn work_until_idle(&self) -> usize {
        let mut ran = 0;
        while self.work().await {
            ran += 1;
            assert!(ran < 1000, "the queue never runs dry");
        }
        ran
    }

    fn mails(&self) -> Vec<StoredMail> {
        self.mailbox.list().unwrap()
    }

    fn mails_to(&self, to: &str) -> Vec<StoredMail> {
        self.mails().into_iter().filter(|m| m.to == to).collect()
    }

    fn sends(&self) -> usize {
        self.mailer.sends.load(Ordering::SeqCst)
    }

    /// The distinct Message-IDs the transport was handed, sorted.
    fn attempted_ids(&self) -> Vec<String> {
        let mut ids = self.mailer.attempted.lock().unwrap().clone();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The audit trail's entries of `action`, newest first.
    async fn trail(&self, action: AuditAction) -> Vec<AuditEntry> {
        let filter = AuditFilter {
            action: Some(action),
            ..AuditFilter::default()
        };
        self.stores
            .audit
            .list_audit(&filter, &PageRequest::new(Some(100), None))
            .await
            .unwrap()
            .items
    }

    async fn mail_job(&self, message_id: &str) -> Job {
        self.stores
            .jobs
            .get(&Job::deliver_mail_id(message_id))
            .await
            .unwrap()
            .unwrap()
    }
}

fn address() -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        region: "CA".into(),
        postal_code: "90210".into(),
        country: "US".into(),
    }
}

fn submission(certificate_expires: Option<NaiveDate>) -> ProfileSubmission {
    ProfileSubmission {
        legal_name: "Acme Ltd".into(),
        tax_id: "12-3456789".into(),
        phone: "+1 555 010 0000".into(),
        address: address(),
        tax_exempt_requested: certificate_expires.is_some(),
        exemption_certificate: certificate_expires.map(|expires_on| ExemptionCertificate {
            number: "CA-EX-77".into(),
            region: "CA".into(),
            expires_on,
        }),
    }
}

fn field_names(e: &DomainError) -> Vec<String> {
    match e {
        DomainError::Validation(errs) => errs.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// ----------------------------------------------------------------- accounts

#[tokio::test]
async fn register_normalises_the_email_and_refuses_a_duplicate() {
    let shop = Shop::new();
    let user = shop.register("  Ann@Example.COM ").await;
    assert_eq!(user.email.as_str(), "ann@example.com");
    assert_eq!(user.status, AccountStatus::Active);
    for again in ["ann@example.com", "ANN@example.com", " ann@EXAMPLE.com"] {
        let r = shop
            .accounts
            .register(RegisterInput {
                email: again.into(),
                password: PASSWORD.into(),
                name: "Someone Else".into(),
            })
            .await;
        assert_eq!(r.unwrap_err(), DomainError::EmailTaken, "{again}");
    }
    // The normalised address signs in, whatever its case.
    shop.login("ANN@example.com", PASSWORD).await;
}

#[tokio::test]
async fn register_refuses_weak_and_common_passwords() {
    let shop = Shop::new();
    for weak in ["short", "password123", "QWERTYUIOP", "1234567890"] {
        let e = shop
            .accounts
            .register(RegisterInput {
                email: "ann@example.com".into(),
                password: weak.into(),
                name: "Ann".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(field_names(&e), ["password"], "{weak}");
    }
    // None of them created the account.
    shop.register("ann@example.com").await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_give_the_same_error() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    let wrong = shop
        .accounts
        .login("ann@example.com", "not-the-password", &origin())
        .await
        .unwrap_err();
    let unknown = shop
        .accounts
        .login("nobody@example.com", PASSWORD, &origin())
        .await
        .unwrap_err();
    assert_eq!(wrong, DomainError::InvalidCredentials);
    assert_eq!(unknown, wrong);
    assert_eq!(unknown.code(), wrong.code());
    assert_eq!(unknown.to_string(), wrong.to_string());
}

#[tokio::test]
async fn an_inactive_account_cannot_sign_in() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let user = shop.register("ann@example.com").await;
    shop.accounts.inactivate(&admin, &user.id).await.unwrap();
    assert_eq!(
        shop.accounts
            .login("ann@example.com", PASSWORD, &origin())
            .await
            .unwrap_err(),
        DomainError::AccountInactive
    );
    shop.accounts.activate(&admin, &user.id).await.unwrap();
    shop.login("ann@example.com", PASSWORD).await;
}

#[tokio::test]
async fn the_configured_admin_address_never_promotes_a_customer() {
    let shop = Shop::new();
    let early = shop.register(ADMIN_EMAIL).await;
    let outcome = shop
        .accounts
        .ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    assert!(matches!(outcome, ConfiguredAdmin::NotPromoted(ref u) if u.id == early.id));
    // Neither the role nor the password moved.
    assert_eq!(
        shop.accounts
            .login(ADMIN_EMAIL, ADMIN_PASSWORD, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidCredentials
    );
    let (_, outcome) = shop.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(outcome.user.role, Role::Customer);

    // Promotion is an operator's deliberate act, and ends the customer's tokens.
    let promoted = shop.accounts.promote_admin(ADMIN_EMAIL).await.unwrap();
    assert_eq!(promoted.role, Role::Admin);
    assert_eq!(
        shop.accounts
            .authenticate(&outcome.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    let (me, _) = shop.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(me.role, Role::Admin);
    assert!(matches!(
        shop.accounts
            .ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap(),
        ConfiguredAdmin::Existing(_)
    ));
    assert_eq!(
        shop.accounts
            .promote_admin("nobody@example.com")
            .await
            .unwrap_err(),
        DomainError::NotFound("user")
    );
}

#[tokio::test]
async fn an_inactivated_configured_admin_is_not_reactivated() {
    let shop = Shop::new();
    let configured = shop.admin().await;
    let boss = shop
        .accounts
        .create_admin("boss@shop.test", "boss-password-12")
        .await
        .unwrap();
    assert_eq!(boss.role, Role::Admin);
    assert_eq!(
        shop.accounts
            .create_admin("boss@shop.test", "boss-password-12")
            .await
            .unwrap_err(),
        DomainError::EmailTaken
    );
    let (boss, _) = shop.login("boss@shop.test", "boss-password-12").await;
    shop.accounts
        .inactivate(&boss, &configured.user_id)
        .await
        .unwrap();
    let outcome = shop
        .accounts
        .ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    assert!(matches!(outcome, ConfiguredAdmin::Existing(ref u) if !u.is_active()));
    assert_eq!(
        shop.accounts
            .login(ADMIN_EMAIL, ADMIN_PASSWORD, &origin())
            .await
            .unwrap_err(),
        DomainError::AccountInactive
    );
}

#[tokio::test]
async fn login_says_when_the_business_profile_is_still_to_be_completed() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    let (me, outcome) = shop.login("ann@example.com", PASSWORD).await;
    assert_eq!(outcome.business_status, BusinessStatus::None);
    assert!(outcome.business_status.needs_profile());
    shop.business.submit(&me, &submission(None)).await.unwrap();
    let (_, outcome) = shop.login("ann@example.com", PASSWORD).await;
    assert_eq!(outcome.business_status, BusinessStatus::Pending);
    assert!(!outcome.business_status.needs_profile());
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    let (_, first) = shop.login("ann@example.com", PASSWORD).await;
    let second = shop
        .accounts
        .refresh(&first.tokens.refresh_token, &origin())
        .await
        .unwrap();
    assert_ne!(second.tokens.refresh_token, first.tokens.refresh_token);
    assert_ne!(second.tokens.access_token, first.tokens.access_token);
    shop.accounts
        .authenticate(&second.tokens.access_token)
        .await
        .unwrap();

    // The spent token again: a leak. The whole session ends.
    assert_eq!(
        shop.accounts
            .refresh(&first.tokens.refresh_token, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    assert_eq!(
        shop.accounts
            .refresh(&second.tokens.refresh_token, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    assert_eq!(
        shop.accounts
            .authenticate(&second.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    // Another login is another session.
    shop.login("ann@example.com", PASSWORD).await;
}

#[tokio::test]
async fn logout_ends_the_access_and_refresh_tokens_of_the_session() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    let (me, outcome) = shop.login("ann@example.com", PASSWORD).await;
    let (_, other) = shop.login("ann@example.com", PASSWORD).await;
    shop.accounts.logout(&me).await.unwrap();
    assert_eq!(
        shop.accounts
            .authenticate(&outcome.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    assert_eq!(
        shop.accounts
            .refresh(&outcome.tokens.refresh_token, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    // Only this session.
    shop.accounts
        .authenticate(&other.tokens.access_token)
        .await
        .unwrap();
}

#[tokio::test]
async fn inactivation_refuses_existing_access_and_refresh_tokens_at_once() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let user = shop.register("ann@example.com").await;
    let (_, outcome) = shop.login("ann@example.com", PASSWORD).await;
    shop.accounts.inactivate(&admin, &user.id).await.unwrap();

    assert_eq!(
        shop.accounts
            .authenticate(&outcome.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::AccountInactive
    );
    assert!(matches!(
        shop.accounts
            .refresh(&outcome.tokens.refresh_token, &origin())
            .await,
        Err(DomainError::InvalidToken | DomainError::AccountInactive)
    ));
    // Reactivation does not bring the old tokens back.
    shop.accounts.activate(&admin, &user.id).await.unwrap();
    assert_eq!(
        shop.accounts
            .authenticate(&outcome.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    assert_eq!(
        shop.accounts
            .refresh(&outcome.tokens.refresh_token, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
}

#[tokio::test]
async fn password_change_ends_other_sessions_but_not_this_one() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    let (me, here) = shop.login("ann@example.com", PASSWORD).await;
    let (_, elsewhere) = shop.login("ann@example.com", PASSWORD).await;

    let e = shop
        .accounts
        .change_password(&me, "wrong-current-1", "short")
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["new_password", "current_password"]);

    let changed = shop
        .accounts
        .change_password(&me, PASSWORD, "new-and-long-password")
        .await
        .unwrap();
    // Every access token issued before is over, this session's too; this
    // session goes on with the new pair (and its earlier refresh token).
    assert_eq!(
        shop.accounts
            .authenticate(&here.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    let again = shop
        .accounts
        .authenticate(&changed.tokens.access_token)
        .await
        .unwrap();
    assert_eq!(again.session_id, me.session_id);
    shop.accounts
        .refresh(&here.tokens.refresh_token, &origin())
        .await
        .unwrap();
    assert_eq!(
        shop.accounts
            .authenticate(&elsewhere.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    assert_eq!(
        shop.accounts
            .refresh(&elsewhere.tokens.refresh_token, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
    assert_eq!(
        shop.accounts
            .login("ann@example.com", PASSWORD, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidCredentials
    );
    shop.login("ann@example.com", "new-and-long-password").await;
}

#[tokio::test]
async fn access_tokens_expire_by_the_clock_and_refresh_renews_them() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    let (_, outcome) = shop.login("ann@example.com", PASSWORD).await;
    assert_eq!(outcome.tokens.expires_in, 15 * 60);
    shop.clock
        .advance(Duration::minutes(15) - Duration::seconds(1));
    shop.accounts
        .authenticate(&outcome.tokens.access_token)
        .await
        .unwrap();
    shop.clock.advance(Duration::seconds(1));
    assert_eq!(
        shop.accounts
            .authenticate(&outcome.tokens.access_token)
            .await
            .unwrap_err(),
        DomainError::TokenExpired
    );
    let renewed = shop
        .accounts
        .refresh(&outcome.tokens.refresh_token, &origin())
        .await
        .unwrap();
    shop.accounts
        .authenticate(&renewed.tokens.access_token)
        .await
        .unwrap();
    // Refresh tokens expire too (30 days).
    shop.clock.advance(Duration::days(30));
    assert_eq!(
        shop.accounts
            .refresh(&renewed.tokens.refresh_token, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidToken
    );
}

// ----------------------------------------------------------------- business

#[tokio::test]
async fn approval_with_tax_exemption_mails_the_customer_and_zeroes_tax() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    shop.tax(&admin, "0.0725").await;
    let hammer = shop.product(&admin, "HAM-1", "100.00", 10).await;
    let me = shop.customer("ann@example.com").await;

    let taxed = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(taxed.tax_total, money("7.25"));

    let p = shop
        .business
        .submit(
            &me,
            &submission(Some(t0().date_naive() + Duration::days(365))),
        )
        .await
        .unwrap();
    assert_eq!(p.status, BusinessStatus::Pending);
    // Pending exempts nothing.
    let pending = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(pending.tax_total, money("7.25"));

    let p = shop
        .business
        .approve(&admin, &me.user_id, true)
        .await
        .unwrap();
    assert_eq!(p.status, BusinessStatus::Approved);
    assert!(p.tax_exempt_granted);
    // The approval mail waits in the outbox for the worker.
    assert!(shop.mails().is_empty());
    assert_eq!(shop.work_until_idle().await, 1);
    let mails = shop.mails_to("ann@example.com");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.contains("approved"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text.contains("tax exempt"));

    let exempt = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(exempt.tax_total, Decimal::ZERO);
    assert!(exempt.lines.iter().all(|l| l.tax.is_zero()));
    assert_eq!(exempt.total, money("100.00"));
    let exemption = exempt.tax_exemption.clone().unwrap();
    assert_eq!(exemption.certificate_number, "CA-EX-77");
    assert_eq!(exemption.approved_by, Some(admin.user_id.clone()));

    // The order carries the exemption, and so does its mail.
    let (order, _) = shop.place(&me, &exempt, OK_CARD, None).await.unwrap();
    assert!(order.is_tax_exempt());
    assert!(shop.work_until_idle().await > 1);
    let confirmation = shop
        .mails_to("ann@example.com")
        .into_iter()
        .find(|m| m.subject.contains(&order.number))
        .unwrap();
    assert!(
        confirmation
            .text
            .contains("Tax exempt (certificate CA-EX-77, CA)")
    );
}

#[tokio::test]
async fn approval_without_exemption_keeps_tax() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    shop.tax(&admin, "0.0725").await;
    let hammer = shop.product(&admin, "HAM-1", "100.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    shop.business
        .submit(
            &me,
            &submission(Some(t0().date_naive() + Duration::days(365))),
        )
        .await
        .unwrap();
    let p = shop
        .business
        .approve(&admin, &me.user_id, false)
        .await
        .unwrap();
    assert_eq!(p.status, BusinessStatus::Approved);
    assert!(!p.tax_exempt_granted);
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(q.tax_total, money("7.25"));
    assert!(q.tax_exemption.is_none());
    shop.work_until_idle().await;
    assert!(
        !shop.mails_to("ann@example.com")[0]
            .text
            .contains("tax exempt")
    );
}

#[tokio::test]
async fn exemption_is_refused_without_a_certificate_valid_today() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let me = shop.customer("ann@example.com").await;

    shop.business.submit(&me, &submission(None)).await.unwrap();
    let e = shop
        .business
        .approve(&admin, &me.user_id, true)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["tax_exempt"]);

    // Valid when submitted, expired by the time of review.
    shop.business
        .submit(
            &me,
            &submission(Some(t0().date_naive() + Duration::days(1))),
        )
        .await
        .unwrap();
    shop.clock.advance(Duration::days(2));
    let e = shop
        .business
        .approve(&admin, &me.user_id, true)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["tax_exempt"]);
    assert_eq!(
        shop.business.get(&me).await.unwrap().unwrap().status,
        BusinessStatus::Pending
    );
    // Nothing was mailed (nor recorded to be) for the refused reviews.
    assert_eq!(shop.work_until_idle().await, 0);
    assert!(shop.mails().is_empty());
    // It can still be approved without the exemption.
    shop.business
        .approve(&admin, &me.user_id, false)
        .await
        .unwrap();

    // And an expired certificate is refused at submission.
    let e = shop
        .business
        .submit(&me, &submission(Some(t0().date_naive())))
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["exemption_certificate.expires_on"]);
}

#[tokio::test]
async fn the_exemption_ends_with_its_certificate() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    shop.tax(&admin, "0.10").await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let last_day = t0().date_naive() + Duration::days(3);
    shop.business
        .submit(&me, &submission(Some(last_day)))
        .await
        .unwrap();
    shop.business
        .approve(&admin, &me.user_id, true)
        .await
        .unwrap();
    shop.clock.advance(Duration::days(3));
    assert_eq!(
        shop.quote(&me, &[(&hammer, 1)], None)
            .await
            .unwrap()
            .tax_total,
        Decimal::ZERO
    );
    shop.clock.advance(Duration::days(1));
    assert_eq!(
        shop.quote(&me, &[(&hammer, 1)], None)
            .await
            .unwrap()
            .tax_total,
        money("1.00")
    );
}

#[tokio::test]
async fn rejection_mails_the_reason_and_asks_for_the_profile_again() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let me = shop.customer("ann@example.com").await;
    shop.business.submit(&me, &submission(None)).await.unwrap();
    let p = shop
        .business
        .reject(&admin, &me.user_id, "The tax id is unreadable")
        .await
        .unwrap();
    assert_eq!(p.status, BusinessStatus::Rejected);
    assert_eq!(
        p.rejection_reason.as_deref(),
        Some("The tax id is unreadable")
    );
    shop.work_until_idle().await;
    let mails = shop.mails_to("ann@example.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("Reason: The tax id is unreadable"));

    let (_, outcome) = shop.login("ann@example.com", PASSWORD).await;
    assert_eq!(outcome.business_status, BusinessStatus::Rejected);
    assert!(outcome.business_status.needs_profile());
    // A rejected profile cannot be approved until it is submitted again.
    assert!(matches!(
        shop.business.approve(&admin, &me.user_id, false).await,
        Err(DomainError::InvalidState(_))
    ));
    let p = shop.business.submit(&me, &submission(None)).await.unwrap();
    assert_eq!(p.status, BusinessStatus::Pending);
    assert_eq!(p.rejection_reason, None);
}

#[tokio::test]
async fn editing_an_approved_profile_returns_it_to_pending() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    shop.tax(&admin, "0.10").await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let cert = Some(t0().date_naive() + Duration::days(365));
    shop.business.submit(&me, &submission(cert)).await.unwrap();
    shop.business
        .approve(&admin, &me.user_id, true)
        .await
        .unwrap();
    assert_eq!(
        shop.quote(&me, &[(&hammer, 1)], None)
            .await
            .unwrap()
            .tax_total,
        Decimal::ZERO
    );

    let mut edited = submission(cert);
    edited.legal_name = "Acme Holdings Ltd".into();
    let p = shop.business.submit(&me, &edited).await.unwrap();
    assert_eq!(p.status, BusinessStatus::Pending);
    assert!(!p.tax_exempt_granted);
    assert_eq!(p.reviewed_by, None);
    assert_eq!(
        shop.quote(&me, &[(&hammer, 1)], None)
            .await
            .unwrap()
            .tax_total,
        money("1.00")
    );
    let pending = shop
        .business
        .list(&admin, Some(BusinessStatus::Pending), &Default::default())
        .await
        .unwrap();
    assert_eq!(pending.items.len(), 1);
    assert_eq!(pending.items[0].legal_name, "Acme Holdings Ltd");
}

// ------------------------------------------------------- quotes and pricing

#[tokio::test]
async fn an_expired_quote_cannot_be_ordered() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(q.expires_at, t0() + Duration::minutes(15));
    shop.clock.advance(Duration::minutes(15));
    assert_eq!(
        shop.place(&me, &q, OK_CARD, None).await.unwrap_err(),
        DomainError::QuoteExpired
    );
    assert_eq!(shop.stock(&hammer.id).await, 10);
    assert!(shop.payments().await.is_empty());
}

#[tokio::test]
async fn a_price_changed_after_the_quote_refuses_the_order() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    shop.catalog
        .update_product(
            &admin,
            &hammer.id,
            &ProductPatch {
                price: Some(money("10.50")),
                ..ProductPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        shop.place(&me, &q, OK_CARD, None).await.unwrap_err(),
        DomainError::PriceChanged
    );
    // A fresh quote at the new price goes through.
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    assert_eq!(q.total, money("21.00"));
    shop.place(&me, &q, OK_CARD, None).await.unwrap();
}

#[tokio::test]
async fn an_inactive_product_cannot_be_quoted_or_ordered() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    shop.catalog
        .update_product(
            &admin,
            &hammer.id,
            &ProductPatch {
                active: Some(false),
                ..ProductPatch::default()
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        shop.place(&me, &q, OK_CARD, None).await,
        Err(DomainError::Validation(_))
    ));
    assert!(matches!(
        shop.quote(&me, &[(&hammer, 1)], None).await,
        Err(DomainError::Validation(_))
    ));
    assert_eq!(
        shop.catalog.product(&hammer.id).await,
        Err(DomainError::NotFound("product"))
    );
}

#[tokio::test]
async fn promotions_apply_only_inside_their_window_and_uses() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "40.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let starts = t0() + Duration::hours(1);
    let ends = t0() + Duration::hours(2);
    shop.pricing
        .create_promotion(
            &admin,
            &NewPromotion {
                code: "summer10".into(),
                kind: PromotionKind::Percent,
                value: money("10"),
                min_subtotal: Some(money("50.00")),
                starts_at: Some(starts),
                ends_at: Some(ends),
                max_uses: Some(1),
            },
        )
        .await
        .unwrap();

    let refused = |r: Result<Quote, DomainError>| match r {
        Err(DomainError::InvalidPromotion(why)) => why,
        other => panic!("expected an invalid promotion, got {other:?}"),
    };
    assert_eq!(
        refused(shop.quote(&me, &[(&hammer, 2)], Some("SUMMER10")).await),
        "not yet valid"
    );
    assert_eq!(
        refused(shop.quote(&me, &[(&hammer, 2)], Some("nope")).await),
        "unknown code"
    );
    shop.clock.set(starts);
    assert!(refused(shop.quote(&me, &[(&hammer, 1)], Some("summer10")).await).contains("50.00"));
    let q = shop
        .quote(&me, &[(&hammer, 2)], Some(" Summer10 "))
        .await
        .unwrap();
    assert_eq!(q.promo_code.as_deref(), Some("SUMMER10"));
    assert_eq!(q.discount_total, money("8.00"));
    assert_eq!(q.total, money("72.00"));

    // The quote outlives the promotion: placing it after the end is refused.
    shop.clock.set(ends - Duration::minutes(5));
    let late = shop
        .quote(&me, &[(&hammer, 2)], Some("SUMMER10"))
        .await
        .unwrap();
    shop.clock.set(ends);
    assert_eq!(
        shop.place(&me, &late, OK_CARD, None).await.unwrap_err(),
        DomainError::InvalidPromotion("expired".into())
    );

    // One use only.
    shop.clock.set(starts);
    let (order, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    assert_eq!(order.promo_code.as_deref(), Some("SUMMER10"));
    assert_eq!(order.discount_total, money("8.00"));
    assert_eq!(
        refused(shop.quote(&me, &[(&hammer, 2)], Some("SUMMER10")).await),
        "fully redeemed"
    );
}

// -------------------------------------------------------------------- orders

#[tokio::test]
async fn an_idempotency_key_replays_the_order_and_refuses_another_body() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 10).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 3)], None).await.unwrap();

    let (first, created) = shop.place(&me, &q, OK_CARD, Some("key-1")).await.unwrap();
    assert!(created);
    assert_eq!(first.status, OrderStatus::Authorized);
    assert!(first.number.starts_with("SO-"));
    let (again, created) = shop.place(&me, &q, OK_CARD, Some("key-1")).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, first.id);
    assert_eq!(shop.payments().await.len(), 1);
    assert_eq!(shop.stock(&hammer.id).await, 7);

    let other = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(
        shop.place(&me, &other, OK_CARD, Some("key-1"))
            .await
            .unwrap_err(),
        DomainError::IdempotencyKeyReused
    );
    // Keys are per user: another customer may use the same one.
    let bob = shop.customer("bob@example.com").await;
    let bobs = shop.quote(&bob, &[(&hammer, 1)], None).await.unwrap();
    let (bob_order, created) = shop
        .place(&bob, &bobs, OK_CARD, Some("key-1"))
        .await
        .unwrap();
    assert!(created);
    assert_ne!(bob_order.id, first.id);
    assert_eq!(shop.payments().await.len(), 2);
}

#[tokio::test]
async fn insufficient_stock_refuses_the_order_and_charges_nothing() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 2).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 3)], None).await.unwrap();
    assert_eq!(
        shop.place(&me, &q, OK_CARD, None).await.unwrap_err(),
        DomainError::InsufficientStock {
            product_id: hammer.id.to_string()
        }
    );
    assert_eq!(shop.stock(&hammer.id).await, 2);
    assert!(shop.payments().await.is_empty());
    // Exactly the stock on hand is fine.
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    shop.place(&me, &q, OK_CARD, None).await.unwrap();
    assert_eq!(shop.stock(&hammer.id).await, 0);
}

#[tokio::test]
async fn a_declined_card_fails_the_order_and_releases_the_stock() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    assert_eq!(
        shop.place(&me, &q, DECLINED_CARD, Some("k"))
            .await
            .unwrap_err(),
        DomainError::PaymentDeclined {
            reason: "GENERIC_DECLINE".into()
        }
    );
    let orders = shop.orders.list(&me, &Default::default()).await.unwrap();
    assert_eq!(orders.items.len(), 1);
    let o = &orders.items[0];
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.failure_code.as_deref(), Some("GENERIC_DECLINE"));
    assert_eq!(shop.stock(&hammer.id).await, 5);
    // The replay says the same, and charges nothing.
    assert_eq!(
        shop.place(&me, &q, DECLINED_CARD, Some("k"))
            .await
            .unwrap_err(),
        DomainError::PaymentDeclined {
            reason: "GENERIC_DECLINE".into()
        }
    );
    // The failure did not wake the job; after the grace it finds nothing to
    // do, and mails nothing.
    assert!(!shop.work().await);
    shop.clock.advance(CHECKOUT_GRACE);
    assert!(shop.work().await);
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::PaymentFailed);
    assert_eq!(shop.work_until_idle().await, 0, "no mail was recorded");
    assert!(shop.mails().is_empty());
}

#[tokio::test]
async fn a_lost_answer_is_accepted_and_handed_over_then_a_replay_authorizes_once() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();

    // Square took the payment, but its answer never arrived: the customer
    // is told it is being processed, never that it failed.
    shop.gateway
        .lose_next_authorize_answer
        .store(true, Ordering::SeqCst);
    let accepted = shop.placed(&me, &q, OK_CARD, Some("k")).await.unwrap();
    assert_eq!(accepted.placement, Placement::Accepted);
    let pending = accepted.order;
    assert_eq!(pending.status, OrderStatus::PendingPayment);
    assert_eq!(shop.stock(&hammer.id).await, 4);
    // The workflow takes over at once.
    assert_eq!(shop.job(&pending.id).await.run_after, shop.now());

    let (o, created) = shop.place(&me, &q, OK_CARD, Some("k")).await.unwrap();
    assert!(!created);
    assert_eq!(o.id, pending.id);
    assert_eq!(o.status, OrderStatus::Authorized);
    let payments = shop.payments().await;
    assert_eq!(payments.len(), 1);
    assert_eq!(
        o.payment.payment_id.as_deref(),
        Some(payments[0].id.as_str())
    );
    assert_eq!(payments[0].amount, 1000);

    // And a simulated outage before Square saw anything: the job settles it.
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    shop.square.fail_next(1);
    let accepted = shop.placed(&me, &q, OK_CARD, Some("k2")).await.unwrap();
    assert_eq!(accepted.placement, Placement::Accepted);
    shop.work_until_idle().await;
    assert_eq!(
        shop.order(&accepted.order.id).await.status,
        OrderStatus::Paid
    );
    assert_eq!(shop.payments().await.len(), 2);
}

#[tokio::test]
async fn cancel_voids_the_authorization_and_releases_the_stock() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    assert_eq!(shop.stock(&hammer.id).await, 3);

    let bob = shop.customer("bob@example.com").await;
    assert_eq!(
        shop.orders.cancel(&bob, &o.id).await.unwrap_err(),
        DomainError::NotFound("order")
    );

    let canceled = shop.orders.cancel(&me, &o.id).await.unwrap();
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert_eq!(shop.stock(&hammer.id).await, 5);
    assert_eq!(shop.payments().await[0].status, SquareStatus::Canceled);
    assert_eq!(
        canceled.history.last().map(|h| h.by.label()),
        Some(format!("user:{}", me.user_id))
    );
    assert!(matches!(
        shop.orders.cancel(&me, &o.id).await,
        Err(DomainError::InvalidOrderState { .. })
    ));
    // Finalization leaves it alone: no capture, no mail.
    assert!(shop.work().await);
    assert_eq!(shop.payments().await[0].completions, 0);
    assert_eq!(shop.work_until_idle().await, 0, "no mail was recorded");
    assert!(shop.mails().is_empty());
}

#[tokio::test]
async fn cancel_of_an_order_whose_authorization_answer_was_lost_voids_it_too() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    shop.gateway
        .lose_next_authorize_answer
        .store(true, Ordering::SeqCst);
    let accepted = shop.placed(&me, &q, OK_CARD, None).await.unwrap();
    assert_eq!(accepted.placement, Placement::Accepted);
    let o = accepted.order;
    assert_eq!(o.payment.payment_id, None);
    shop.orders.cancel(&me, &o.id).await.unwrap();
    assert_eq!(shop.payments().await[0].status, SquareStatus::Canceled);
    assert_eq!(shop.stock(&hammer.id).await, 5);
}

#[tokio::test]
async fn a_paid_order_is_fulfilled_then_refunded() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();

    assert!(matches!(
        shop.orders.fulfill(&admin, &o.id).await,
        Err(DomainError::InvalidOrderState { .. })
    ));
    assert!(shop.work().await);
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::Paid);
    assert!(matches!(
        shop.orders.cancel(&me, &o.id).await,
        Err(DomainError::InvalidOrderState { .. })
    ));
    assert_eq!(
        shop.orders.fulfill(&me, &o.id).await.unwrap_err(),
        DomainError::Forbidden
    );
    let f = shop.orders.fulfill(&admin, &o.id).await.unwrap();
    assert_eq!(f.status, OrderStatus::Fulfilled);
    let r = shop.orders.refund(&admin, &o.id).await.unwrap();
    assert_eq!(r.status, OrderStatus::Refunded);
    assert_eq!(r.payment.status, PaymentState::Refunded);
    let payment = &shop.payments().await[0];
    assert_eq!(payment.refunded, payment.amount);
    assert_eq!(payment.refunded, 2000);
    // Refunding does not return goods to stock.
    assert_eq!(shop.stock(&hammer.id).await, 3);
    let statuses: Vec<_> = r.history.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [
            OrderStatus::PendingPayment,
            OrderStatus::Authorized,
            OrderStatus::Paid,
            OrderStatus::Fulfilled,
            OrderStatus::Refunded
        ]
    );
}

// -------------------------------------------------------------- finalization

#[tokio::test]
async fn finalization_captures_once_and_mails_the_customer_and_each_admin_once() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    shop.accounts
        .ensure_admin("boss@shop.test", "boss-password-12")
        .await
        .unwrap();
    let hammer = shop.product(&admin, "HAM-1", "19.99", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, Some("k")).await.unwrap();
    assert_eq!(o.status, OrderStatus::Authorized);
    // The checkout woke the job: it is due now, not after the grace.
    assert_eq!(shop.job(&o.id).await.run_after, shop.now());

    assert!(shop.work().await);
    let paid = shop.order(&o.id).await;
    assert_eq!(paid.status, OrderStatus::Paid);
    assert_eq!(shop.job(&o.id).await.state, JobState::Done);
    let payments = shop.payments().await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].completions, 1);
    assert_eq!(payments[0].status, SquareStatus::Completed);

    // The three mails wait in the outbox, one delivery job each.
    assert!(shop.mails().is_empty());
    assert_eq!(shop.sends(), 0);
    assert_eq!(shop.work_until_idle().await, 3);
    let customer = shop.mails_to("ann@example.com");
    assert_eq!(customer.len(), 1);
    assert!(customer[0].subject.contains(&paid.number));
    assert!(customer[0].text.contains("19.99"));
    for admin_email in [ADMIN_EMAIL, "boss@shop.test"] {
        let notices = shop.mails_to(admin_email);
        assert_eq!(notices.len(), 1, "{admin_email}");
        assert!(notices[0].subject.contains(&paid.number));
        assert!(notices[0].text.contains("ann@example.com"));
    }
    assert_eq!(shop.mails().len(), 3);
    assert_eq!(shop.sends(), 3);
    for mail in shop.mails() {
        assert_eq!(mail.deliveries, 1, "{}", mail.message_id);
        let recorded = shop
            .stores
            .outbox
            .get(&mail.message_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(recorded.sent_at, Some(shop.now()));
        // Delivering it again finds it sent and sends nothing.
        shop.finalization.deliver(&mail.message_id).await.unwrap();
    }
    assert_eq!(shop.sends(), 3);

    // Running it again changes nothing and sends nothing.
    assert!(!shop.work().await);
    assert_eq!(
        shop.finalization.run(&o.id, 0, 0.0).await.unwrap(),
        StepOutcome::Done
    );
    assert_eq!(shop.sends(), 3);
    assert_eq!(shop.mails().len(), 3);
    assert_eq!(shop.payments().await[0].completions, 1);
    // A replay of the checkout returns the paid order.
    let (again, created) = shop.place(&me, &q, OK_CARD, Some("k")).await.unwrap();
    assert!(!created);
    assert_eq!(again.status, OrderStatus::Paid);
    assert_eq!(shop.payments().await.len(), 1);
}

#[tokio::test]
async fn a_failing_mailer_is_retried_quickly_then_hourly_until_the_mail_goes_out() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    shop.mailer.down.store(true, Ordering::SeqCst);

    // The finalization does not wait for the transport: the order is paid
    // and its mails (to the customer and the admin) wait in the outbox.
    assert!(shop.work().await);
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::Paid);
    assert_eq!(shop.job(&o.id).await.state, JobState::Done);
    assert_eq!(shop.payments().await[0].completions, 1);
    assert_eq!(shop.sends(), 0);

    for attempt in 1..MAX_ATTEMPTS {
        assert!(shop.work().await, "attempt {attempt}");
        assert!(shop.work().await, "attempt {attempt}");
        let ids = shop.attempted_ids();
        assert_eq!(ids.len(), 2, "{ids:?}");
        for id in &ids {
            let job = shop.mail_job(id).await;
            assert_eq!(job.state, JobState::Queued, "attempt {attempt}");
            assert_eq!(job.attempts, attempt);
            assert_eq!(
                job.run_after - shop.now(),
                backoff(attempt, 0.0),
                "attempt {attempt}"
            );
            assert!(job.last_error.unwrap().contains("smtp relay unreachable"));
        }
        // Not due a moment early.
        shop.clock
            .advance(backoff(attempt, 0.0) - Duration::milliseconds(1));
        assert!(!shop.work().await, "attempt {attempt} ran early");
        shop.clock.advance(Duration::milliseconds(1));
    }
    // The delays grew from 1 s to the 10 minute cap.
    assert_eq!(backoff(1, 0.0), Duration::seconds(1));
    assert_eq!(backoff(MAX_ATTEMPTS - 1, 0.0), Duration::minutes(10));

    // Past the quick retries: an hour between attempts, for days.
    assert_eq!(shop.work_until_idle().await, 2);
    let ids = shop.attempted_ids();
    for id in &ids {
        let job = shop.mail_job(id).await;
        assert_eq!(job.state, JobState::Queued);
        assert_eq!(job.attempts, MAX_ATTEMPTS);
        assert_eq!(job.run_after - shop.now(), Duration::hours(1));
    }
    for _ in 0..30 {
        shop.clock.advance(Duration::hours(1));
        assert_eq!(shop.work_until_idle().await, 2);
    }
    assert!(shop.mails().is_empty());
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::Paid);

    // Once mail works, the next hourly attempt sends each mail once.
    shop.mailer.down.store(false, Ordering::SeqCst);
    shop.clock.advance(Duration::hours(1));
    assert_eq!(shop.work_until_idle().await, 2);
    assert_eq!(shop.mails_to("ann@example.com").len(), 1);
    assert_eq!(shop.mails_to(ADMIN_EMAIL).len(), 1);
    assert!(shop.mails().iter().all(|m| m.deliveries == 1));
    for id in &ids {
        assert_eq!(shop.mail_job(id).await.state, JobState::Done);
        shop.finalization.deliver(id).await.unwrap();
    }
    assert_eq!(shop.mails().len(), 2);
}

#[tokio::test]
async fn a_mail_undeliverable_for_days_is_given_up_and_an_admin_can_resend_it() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    shop.place(&me, &q, OK_CARD, None).await.unwrap();
    shop.mailer.down.store(true, Ordering::SeqCst);
    assert!(shop.work().await);
    for _ in 0..400 {
        shop.work_until_idle().await;
        shop.clock.advance(Duration::hours(1));
    }
    let mail = MailAdminService::new(MailAdminPorts {
        outbox: shop.stores.outbox.clone(),
        jobs: shop.stores.jobs.clone(),
        clock: shop.clock.clone(),
        ids: Arc::new(UuidIds),
    });
    let unsent = mail
        .list(&admin, false, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(unsent.len(), 2);
    for (_, job) in &unsent {
        assert_eq!(job.as_ref().map(|j| j.state), Some(JobState::Dead));
    }
    assert!(!shop.work().await);
    assert!(shop.mails().is_empty());
    // A customer cannot; an admin resends, and it goes out once.
    let (first, _) = &unsent[0];
    assert_eq!(
        mail.resend(&me, &first.id()).await.unwrap_err(),
        DomainError::Forbidden
    );
    assert!(shop.trail(AuditAction::MailResend).await.is_empty());
    shop.mailer.down.store(false, Ordering::SeqCst);
    let (_, job) = mail.resend(&admin, &first.id()).await.unwrap();
    let job = job.unwrap();
    assert_eq!(
        (job.state, job.attempts, job.generation),
        (JobState::Queued, 0, 1)
    );
    // The resend is in the trail, with the delivery before and after.
    let [entry] = shop
        .trail(AuditAction::MailResend)
        .await
        .try_into()
        .unwrap();
    assert_eq!(entry.actor, Actor::User(admin.user_id.clone()));
    assert_eq!(
        (entry.target_type.as_str(), entry.target_id.clone()),
        ("mail", first.id())
    );
    assert_eq!(change(&entry, "delivery"), (Some("dead"), Some("queued")));
    assert_eq!(
        change(&entry, "delivery_generation"),
        (Some("0"), Some("1"))
    );
    assert_eq!(shop.work_until_idle().await, 1);
    assert_eq!(shop.mails().len(), 1);
    assert_eq!(
        mail.resend(&admin, &first.id()).await.unwrap_err(),
        DomainError::MailAlreadySent
    );
    assert_eq!(
        mail.resend(&admin, "no-such-mail").await.unwrap_err(),
        DomainError::NotFound("mail")
    );
    let sent = mail
        .list(&admin, true, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0.message.message_id, first.message.message_id);
}

#[tokio::test]
async fn a_declined_capture_ends_payment_failed_with_the_stock_released() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 2)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    assert_eq!(shop.stock(&hammer.id).await, 3);
    shop.gateway
        .decline_next_complete
        .store(true, Ordering::SeqCst);

    assert!(shop.work().await);
    let failed = shop.order(&o.id).await;
    assert_eq!(failed.status, OrderStatus::PaymentFailed);
    assert_eq!(
        failed.payment.failure_code.as_deref(),
        Some("INSUFFICIENT_FUNDS")
    );
    // Nothing stays held on the card.
    assert_eq!(failed.payment.status, PaymentState::Canceled);
    assert_eq!(shop.payments().await[0].status, SquareStatus::Canceled);
    assert_eq!(shop.stock(&hammer.id).await, 5);
    assert_eq!(shop.job(&o.id).await.state, JobState::Done);
    // The customer hears that the payment failed, and the admins why.
    assert!(shop.mails().is_empty());
    assert_eq!(shop.work_until_idle().await, 2);
    let mails = shop.mails_to("ann@example.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("nothing was charged"));
    assert_eq!(mails[0].deliveries, 1);
    let alerts = shop.mails_to(ADMIN_EMAIL);
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].text.contains("INSUFFICIENT_FUNDS"));
}

#[tokio::test]
async fn a_lapsed_authorization_cannot_be_captured_and_fails_the_order() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    assert_eq!(
        o.payment.authorization_expires_at,
        Some(t0() + Duration::days(7))
    );
    // The worker was down for a week; Square voided the authorization.
    shop.clock.advance(Duration::days(7));
    assert!(shop.work().await);
    let failed = shop.order(&o.id).await;
    assert_eq!(failed.status, OrderStatus::PaymentFailed);
    assert_eq!(
        failed.payment.failure_code.as_deref(),
        Some("AUTHORIZATION_DEADLINE")
    );
    assert!(
        failed
            .history
            .last()
            .and_then(|h| h.note.as_deref())
            .is_some_and(|n| n.contains("lapsed")),
        "{:?}",
        failed.history
    );
    assert_eq!(shop.stock(&hammer.id).await, 5);
    assert_eq!(shop.payments().await[0].completions, 0);
}

#[tokio::test]
async fn a_checkout_that_never_answered_is_finished_by_the_job_after_the_grace() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();

    // The checkout authorized at Square and crashed before it recorded or
    // answered anything: the order and its job are what it left.
    shop.gateway
        .lose_next_authorize_answer
        .store(true, Ordering::SeqCst);
    let o = shop.placed(&me, &q, OK_CARD, None).await.unwrap().order;
    assert_eq!(o.status, OrderStatus::PendingPayment);
    // (What the crash would have skipped: the hand-off.)
    let job_id = JobId::new(format!("finalize-{}", o.id));
    let claim = shop
        .stores
        .jobs
        .claim(shop.now(), Duration::seconds(30), "crashed")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.job.id, job_id);
    shop.stores
        .jobs
        .retry(&claim, t0() + CHECKOUT_GRACE, "the checkout crashed")
        .await
        .unwrap();

    // Not before the grace.
    shop.clock.advance(CHECKOUT_GRACE - Duration::seconds(1));
    assert!(!shop.work().await);
    shop.clock.advance(Duration::seconds(1));
    assert!(shop.work().await);

    let done = shop.order(&o.id).await;
    assert_eq!(done.status, OrderStatus::Paid);
    let payments = shop.payments().await;
    assert_eq!(
        payments.len(),
        1,
        "the replay must not authorize a second time"
    );
    assert_eq!(payments[0].completions, 1);
    assert_eq!(
        done.payment.payment_id.as_deref(),
        Some(payments[0].id.as_str())
    );
    shop.work_until_idle().await;
    assert_eq!(shop.mails_to("ann@example.com").len(), 1);
    assert_eq!(shop.mails_to(ADMIN_EMAIL).len(), 1);
    assert_eq!(shop.job(&o.id).await.state, JobState::Done);
}

#[tokio::test]
async fn a_card_declined_after_the_hand_over_fails_the_order_and_mails_the_customer() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    shop.square.fail_next(1);
    let accepted = shop.placed(&me, &q, DECLINED_CARD, None).await.unwrap();
    assert_eq!(accepted.placement, Placement::Accepted);
    assert_eq!(shop.stock(&hammer.id).await, 4);
    assert!(shop.work().await);
    let o = shop.order(&accepted.order.id).await;
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(shop.stock(&hammer.id).await, 5);
    // The checkout said "processing": only a mail tells the customer.
    assert_eq!(shop.work_until_idle().await, 1);
    let mails = shop.mails_to("ann@example.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("nothing was charged"));
}

// ------------------------------------------------------------------- sweeper

#[tokio::test]
async fn the_sweeper_requeues_an_open_order_whose_job_finished_without_it() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    // The job is lost: finished, the order still authorized.
    let claim = shop
        .stores
        .jobs
        .claim(shop.now(), Duration::seconds(30), "lost")
        .await
        .unwrap()
        .unwrap();
    shop.stores.jobs.complete(&claim).await.unwrap();
    assert!(!shop.work().await);
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::Authorized);

    assert_eq!(shop.finalization.sweep(100).await.unwrap(), 1);
    let job = shop.job(&o.id).await;
    assert_eq!((job.state, job.generation), (JobState::Queued, 1));
    assert!(
        shop.order(&o.id)
            .await
            .history
            .iter()
            .any(|h| h.note.as_deref() == Some("finalization requeued by the sweeper"))
    );
    // A live job is left alone.
    assert_eq!(shop.finalization.sweep(100).await.unwrap(), 0);
    assert!(shop.work().await);
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::Paid);
    assert_eq!(
        shop.finalization.sweep(100).await.unwrap(),
        0,
        "closed orders are not swept"
    );
    assert_eq!(shop.payments().await[0].completions, 1);
}

#[tokio::test]
async fn a_dead_job_is_left_for_an_admin_until_the_deadline_then_swept_voided_and_failed() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    let claim = shop
        .stores
        .jobs
        .claim(shop.now(), Duration::seconds(30), "doomed")
        .await
        .unwrap()
        .unwrap();
    shop.stores
        .jobs
        .bury(&claim, "the store was down")
        .await
        .unwrap();
    // Before the deadline the admins decide (they were alerted).
    shop.clock.advance(Duration::days(3));
    assert_eq!(shop.finalization.sweep(100).await.unwrap(), 0);
    assert_eq!(shop.job(&o.id).await.state, JobState::Dead);
    // At the deadline nobody may let the authorization lapse with the
    // stock held: swept, and the job voids and fails it.
    shop.clock.advance(Duration::days(4) - Duration::hours(6));
    assert_eq!(shop.finalization.sweep(100).await.unwrap(), 1);
    assert!(shop.work().await);
    let failed = shop.order(&o.id).await;
    assert_eq!(failed.status, OrderStatus::PaymentFailed);
    assert_eq!(failed.payment.status, PaymentState::Canceled);
    assert_eq!(shop.payments().await[0].status, SquareStatus::Canceled);
    assert_eq!(shop.stock(&hammer.id).await, 5);
}

/// The finalization died (alerted, then buried, as `execute` does) while
/// the checkout's answer was lost; the customer's replay then authorizes the
/// order. The order stays open with a dead job: the admins' alert must
/// survive that transition, or nobody hears of it until the deadline voids
/// the customer's payment.
#[tokio::test]
async fn an_authorization_after_the_finalization_died_keeps_the_alert() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    shop.gateway
        .lose_next_authorize_answer
        .store(true, Ordering::SeqCst);
    let pending = shop
        .placed(&me, &q, OK_CARD, Some("k"))
        .await
        .unwrap()
        .order;
    assert_eq!(pending.status, OrderStatus::PendingPayment);
    let claim = shop
        .stores
        .jobs
        .claim(shop.now(), Duration::seconds(30), "w")
        .await
        .unwrap()
        .unwrap();
    let alert = OrderAlert {
        at: shop.now(),
        reason: "finalization stopped after 5 attempts: the store was down".into(),
    };
    let note = HistoryEntry {
        status: pending.status,
        at: shop.now(),
        by: Actor::System,
        note: Some(format!("admins alerted: {}", alert.reason)),
    };
    assert!(
        shop.stores
            .orders
            .raise_alert(&pending.id, &alert, &note, &[])
            .await
            .unwrap()
    );
    shop.stores
        .jobs
        .bury(&claim, "the store was down")
        .await
        .unwrap();

    let (o, created) = shop.place(&me, &q, OK_CARD, Some("k")).await.unwrap();
    assert!(!created);
    assert_eq!(o.status, OrderStatus::Authorized);
    assert_eq!(shop.order(&o.id).await.alert, Some(alert));
    assert_eq!(shop.job(&o.id).await.state, JobState::Dead);
    // The sweeper leaves a dead job to the admins until the deadline: the
    // alert is what tells them.
    assert_eq!(shop.finalization.sweep(100).await.unwrap(), 0);
    // Requeued, the order is paid and the alert goes.
    let requeued = shop.orders.retry_finalization(&admin, &o.id).await.unwrap();
    assert_eq!(requeued.alert, None);
    assert!(shop.work().await);
    let paid = shop.order(&o.id).await;
    assert_eq!((paid.status, paid.alert), (OrderStatus::Paid, None));
}

#[tokio::test]
async fn an_admin_requeues_a_dead_finalization_and_clears_its_alert() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let me = shop.customer("ann@example.com").await;
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    let (o, _) = shop.place(&me, &q, OK_CARD, None).await.unwrap();
    let claim = shop
        .stores
        .jobs
        .claim(shop.now(), Duration::seconds(30), "w")
        .await
        .unwrap()
        .unwrap();
    shop.stores.jobs.bury(&claim, "gave up").await.unwrap();
    assert_eq!(
        shop.orders
            .retry_finalization(&me, &o.id)
            .await
            .unwrap_err(),
        DomainError::Forbidden
    );
    let requeued = shop.orders.retry_finalization(&admin, &o.id).await.unwrap();
    assert_eq!(requeued.alert, None);
    let [entry] = shop
        .trail(AuditAction::OrderRetryFinalization)
        .await
        .try_into()
        .unwrap();
    assert_eq!(entry.actor, Actor::User(admin.user_id.clone()));
    assert_eq!(entry.target_id, o.id.to_string());
    assert_eq!(
        change(&entry, "finalization"),
        (Some("dead"), Some("queued"))
    );
    let job = shop.job(&o.id).await;
    assert_eq!(
        (job.state, job.attempts, job.generation),
        (JobState::Queued, 0, 1)
    );
    assert!(shop.work().await);
    assert_eq!(shop.order(&o.id).await.status, OrderStatus::Paid);
    assert!(matches!(
        shop.orders.retry_finalization(&admin, &o.id).await,
        Err(DomainError::InvalidOrderState { .. })
    ));
    // Refused: nothing more in the trail.
    assert_eq!(
        shop.trail(AuditAction::OrderRetryFinalization).await.len(),
        1
    );
}

#[tokio::test]
async fn a_free_order_is_paid_at_once_and_a_promotion_never_goes_below_zero() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    shop.pricing
        .create_promotion(
            &admin,
            &NewPromotion {
                code: "MORE".into(),
                kind: PromotionKind::Fixed,
                value: money("25.00"),
                min_subtotal: None,
                starts_at: None,
                ends_at: None,
                max_uses: None,
            },
        )
        .await
        .unwrap();
    let me = shop.customer("ann@example.com").await;
    let q = shop
        .quote(&me, &[(&hammer, 1)], Some("MORE"))
        .await
        .unwrap();
    assert_eq!(
        q.discount_total,
        money("10.00"),
        "never more than the subtotal"
    );
    assert_eq!(q.total, money("0.00"));
    let (o, created) = shop.place(&me, &q, OK_CARD, Some("free")).await.unwrap();
    assert!(created);
    assert_eq!(o.status, OrderStatus::Paid);
    assert_eq!(
        o.payment.provider,
        shop_domain::order::PaymentProvider::None
    );
    assert!(shop.payments().await.is_empty(), "no gateway call");
    assert_eq!(shop.work_until_idle().await, 3, "the job, then two mails");
    assert_eq!(shop.mails_to("ann@example.com").len(), 1);
    // A refund of a free order asks no gateway either.
    let refunded = shop.orders.refund(&admin, &o.id).await.unwrap();
    assert_eq!(refunded.status, OrderStatus::Refunded);
    assert!(shop.payments().await.is_empty());
}

// ------------------------------------------------- e-mail verification, reset

/// The token of the last link in the newest mail to `to` whose text holds
/// `path` (`/verify` or `/reset-password`), after delivering what is due.
async fn link_token(shop: &Shop, to: &str, path: &str) -> String {
    shop.work_until_idle().await;
    let needle = format!("https://shop.test{path}?token=");
    let mails = shop.mails_to(to);
    let mail = mails
        .iter()
        .filter(|m| m.text.contains(&needle))
        .max_by_key(|m| m.sent_at)
        .unwrap_or_else(|| panic!("no {path} mail to {to}: {mails:?}"));
    assert!(
        mail.html.contains(&needle),
        "the HTML part links too: {}",
        mail.html
    );
    let start = mail.text.find(&needle).unwrap() + needle.len();
    mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn registration_mails_a_link_that_verifies_once_and_unlocks_ordering() {
    let shop = Shop::with_verification(true);
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    let user = shop.register("ann@example.com").await;
    assert_eq!(user.email_verified_at, None);
    let (me, _) = shop.login("ann@example.com", PASSWORD).await;
    assert!(!me.email_verified);
    // Browsing and quoting work; ordering and a business profile wait.
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert_eq!(
        shop.placed(&me, &q, OK_CARD, None).await.unwrap_err(),
        DomainError::EmailUnverified
    );
    assert_eq!(
        shop.business
            .submit(&me, &submission(None))
            .await
            .unwrap_err(),
        DomainError::EmailUnverified
    );
    assert_eq!(shop.stock(&hammer.id).await, 5);

    let token = link_token(&shop, "ann@example.com", "/verify").await;
    shop.clock.advance(Duration::hours(23));
    let verified = shop.accounts.verify_email(&token).await.unwrap();
    assert_eq!(verified.email_verified_at, Some(shop.now()));
    assert_eq!(
        shop.accounts.verify_email(&token).await.unwrap_err(),
        DomainError::AccountTokenInvalid,
        "a link works once"
    );
    // The same session: the next request sees the verified address.
    let (me, _) = shop.login("ann@example.com", PASSWORD).await;
    assert!(me.email_verified);
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert!(shop.placed(&me, &q, OK_CARD, None).await.is_ok());
    shop.business.submit(&me, &submission(None)).await.unwrap();
}

#[tokio::test]
async fn an_expired_or_unknown_verification_link_is_refused_and_a_new_one_can_be_asked() {
    let shop = Shop::with_verification(true);
    shop.register("ann@example.com").await;
    let first = link_token(&shop, "ann@example.com", "/verify").await;
    shop.clock.advance(Duration::hours(24));
    assert_eq!(
        shop.accounts.verify_email(&first).await.unwrap_err(),
        DomainError::AccountTokenInvalid
    );
    assert_eq!(
        shop.accounts.verify_email("not-a-token").await.unwrap_err(),
        DomainError::AccountTokenInvalid
    );
    shop.accounts
        .resend_verification("ANN@example.com")
        .await
        .unwrap();
    let second = link_token(&shop, "ann@example.com", "/verify").await;
    assert_ne!(first, second);
    assert!(shop.accounts.verify_email(&second).await.is_ok());
    // A verified address gets no more links; an unknown one neither.
    let before = shop.mails().len();
    shop.accounts
        .resend_verification("ann@example.com")
        .await
        .unwrap();
    shop.accounts
        .resend_verification("nobody@example.com")
        .await
        .unwrap();
    shop.work_until_idle().await;
    assert_eq!(shop.mails().len(), before);
    assert!(matches!(
        shop.accounts.resend_verification("not an address").await,
        Err(DomainError::Validation(_))
    ));
}

#[tokio::test]
async fn without_required_verification_registration_mails_nothing_and_orders_go_through() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let hammer = shop.product(&admin, "HAM-1", "10.00", 5).await;
    shop.register("ann@example.com").await;
    let (me, _) = shop.login("ann@example.com", PASSWORD).await;
    assert!(!me.email_verified);
    let q = shop.quote(&me, &[(&hammer, 1)], None).await.unwrap();
    assert!(shop.placed(&me, &q, OK_CARD, None).await.is_ok());
    shop.work_until_idle().await;
    assert!(
        shop.mails_to("ann@example.com")
            .iter()
            .all(|m| !m.text.contains("/verify?token="))
    );
}

#[tokio::test]
async fn password_reset_works_once_and_ends_every_session() {
    let shop = Shop::with_verification(true);
    shop.register("ann@example.com").await;
    let (_, first) = shop.login("ann@example.com", PASSWORD).await;
    let (_, second) = shop.login("ann@example.com", PASSWORD).await;
    shop.accounts
        .request_password_reset("ann@example.com")
        .await
        .unwrap();
    let token = link_token(&shop, "ann@example.com", "/reset-password").await;
    // A weak password is refused and does not spend the link.
    let weak = shop
        .accounts
        .confirm_password_reset(&token, "short", &origin())
        .await
        .unwrap_err();
    assert_eq!(field_names(&weak), ["new_password"]);
    shop.accounts
        .confirm_password_reset(&token, "a-brand-new-secret-7", &origin())
        .await
        .unwrap();
    assert_eq!(
        shop.accounts
            .confirm_password_reset(&token, "another-new-secret-8", &origin())
            .await
            .unwrap_err(),
        DomainError::AccountTokenInvalid
    );
    for pair in [&first, &second] {
        assert!(
            shop.accounts
                .authenticate(&pair.tokens.access_token)
                .await
                .is_err()
        );
        assert_eq!(
            shop.accounts
                .refresh(&pair.tokens.refresh_token, &origin())
                .await
                .unwrap_err(),
            DomainError::InvalidToken
        );
    }
    assert_eq!(
        shop.accounts
            .login("ann@example.com", PASSWORD, &origin())
            .await
            .unwrap_err(),
        DomainError::InvalidCredentials
    );
    let (me, _) = shop.login("ann@example.com", "a-brand-new-secret-7").await;
    assert!(me.email_verified, "the reset link proved the address");
}

#[tokio::test]
async fn a_reset_link_expires_after_30_minutes_and_a_new_one_voids_nothing_else() {
    let shop = Shop::new();
    shop.register("ann@example.com").await;
    shop.accounts
        .request_password_reset("ann@example.com")
        .await
        .unwrap();
    let old = link_token(&shop, "ann@example.com", "/reset-password").await;
    shop.clock.advance(Duration::minutes(30));
    assert_eq!(
        shop.accounts
            .confirm_password_reset(&old, "a-brand-new-secret-7", &origin())
            .await
            .unwrap_err(),
        DomainError::AccountTokenInvalid
    );
    // Two live links: using one voids the other.
    shop.accounts
        .request_password_reset("ann@example.com")
        .await
        .unwrap();
    let a = link_token(&shop, "ann@example.com", "/reset-password").await;
    shop.clock.advance(Duration::seconds(1));
    shop.accounts
        .request_password_reset("ann@example.com")
        .await
        .unwrap();
    let b = link_token(&shop, "ann@example.com", "/reset-password").await;
    assert_ne!(a, b);
    shop.accounts
        .confirm_password_reset(&b, "a-brand-new-secret-7", &origin())
        .await
        .unwrap();
    assert_eq!(
        shop.accounts
            .confirm_password_reset(&a, "another-new-secret-8", &origin())
            .await
            .unwrap_err(),
        DomainError::AccountTokenInvalid
    );
}

#[tokio::test]
async fn a_reset_for_an_unknown_or_inactive_address_records_nothing() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let user = shop.register("ann@example.com").await;
    shop.accounts.inactivate(&admin, &user.id).await.unwrap();
    shop.work_until_idle().await;
    let before = shop.mails().len();
    for address in ["nobody@example.com", "ann@example.com"] {
        shop.accounts.request_password_reset(address).await.unwrap();
    }
    shop.work_until_idle().await;
    assert_eq!(shop.mails().len(), before);
}

// -------------------------------------------------------------- audit trail

/// The (before, after) of `field` in `entry`, `(None, None)` when absent.
fn change<'a>(entry: &'a AuditEntry, field: &str) -> (Option<&'a str>, Option<&'a str>) {
    entry
        .changes
        .iter()
        .find(|c| c.field == field)
        .map_or((None, None), |c| (c.before.as_deref(), c.after.as_deref()))
}

#[tokio::test]
async fn user_inactivation_and_activation_are_audited_and_a_no_op_is_not() {
    let shop = Shop::new();
    let mut admin = shop.admin().await;
    admin.origin = origin();
    let user = shop.register("ann@example.com").await;
    shop.accounts.activate(&admin, &user.id).await.unwrap();
    assert!(shop.trail(AuditAction::UserActivate).await.is_empty());
    shop.accounts.inactivate(&admin, &user.id).await.unwrap();
    shop.accounts.activate(&admin, &user.id).await.unwrap();
    let [off] = shop
        .trail(AuditAction::UserInactivate)
        .await
        .try_into()
        .unwrap();
    let [on] = shop
        .trail(AuditAction::UserActivate)
        .await
        .try_into()
        .unwrap();
    for e in [&off, &on] {
        assert_eq!(e.actor, Actor::User(admin.user_id.clone()));
        assert_eq!(
            (e.target_type.as_str(), e.target_id.as_str()),
            ("user", user.id.as_str())
        );
        assert_eq!(e.origin, origin());
    }
    assert_eq!(change(&off, "status"), (Some("active"), Some("inactive")));
    assert_eq!(change(&off, "session_version"), (Some("0"), Some("1")));
    assert_eq!(change(&on, "status"), (Some("inactive"), Some("active")));
    assert_eq!(change(&on, "session_version"), (Some("1"), Some("2")));
    // A customer cannot, and a refusal writes nothing.
    let me = shop.customer("bob@example.com").await;
    assert_eq!(
        shop.accounts.inactivate(&me, &user.id).await.unwrap_err(),
        DomainError::Forbidden
    );
    assert!(
        shop.accounts
            .inactivate(&admin, &admin.user_id)
            .await
            .is_err()
    );
    assert_eq!(shop.trail(AuditAction::UserInactivate).await.len(), 1);
}

#[tokio::test]
async fn contact_triage_is_audited_with_the_status_before_and_after() {
    let shop = Shop::new();
    let admin = shop.admin().await;
    let contact = shop_domain::contact::ContactService::new(
        shop_domain::contact::ContactPorts {
            contacts: shop.stores.contacts.clone(),
            accounts: shop.stores.accounts.clone(),
            clock: shop.clock.clone(),
            ids: Arc::new(UuidIds),
        },
        Arc::new(ShopSettings::embedded_defaults()),
    );
    let message = contact
        .submit(
            None,
            &shop_domain::contact::NewContactMessage {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                subject: "Hammers".into(),
                message: "Do you sell hammers?".into(),
            },
        )
        .await
        .unwrap();
    use shop_domain::contact::ContactStatus;
    contact
        .set_status(&admin, &message.id, ContactStatus::Read)
        .await
        .unwrap();
    contact
        .set_status(&admin, &message.id, ContactStatus::Read)
        .await
        .unwrap();
    contact
        .set_status(&admin, &message.id, ContactStatus::Archived)
        .await
        .unwrap();
    let entries = shop.trail(AuditAction::ContactMessageUpdate).await;
    let seen: Vec<_> = entries.iter().map(|e| change(e, "status")).collect();
    assert_eq!(
        seen,
        [
            (Some("read"), Some("archived")),
            (Some("new"), Some("read"))
        ]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.target_id == message.id.to_string())
    );
}

#[tokio::test]
async fn a_backoff_is_audited_and_mails_the_owner_once_per_episode() {
    let shop = Shop::new();
    let user = shop.register("ann@example.com").await;
    shop.work_until_idle().await;
    let policy = ShopSettings::embedded_defaults().login_backoff;
    for i in 0..policy.failures_before_backoff + 3 {
        // Wait out each pause, so every attempt checks a password.
        shop.clock.advance(Duration::hours(1));
        let r = shop
            .accounts
            .login("ann@example.com", &format!("guess-{i}-secret"), &origin())
            .await;
        assert_eq!(r.unwrap_err(), DomainError::InvalidCredentials);
    }
    shop.work_until_idle().await;
    let mails = shop.mails_to("ann@example.com");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.contains("paused"), "{}", mails[0].subject);
    assert!(!mails[0].text.contains("guess-"), "no password in the mail");
    let [entry] = shop
        .trail(AuditAction::LoginBackoff)
        .await
        .try_into()
        .unwrap();
    assert_eq!(entry.actor, Actor::User(user.id.clone()));
    assert_eq!(entry.target_id, user.id.to_string());
    assert_eq!(entry.origin, origin());
    let failures = policy.failures_before_backoff.to_string();
    assert_eq!(
        change(&entry, "failed_sign_ins"),
        (None, Some(failures.as_str()))
    );
    assert!(!format!("{entry:?}").contains("guess-"), "{entry:?}");

    // The owner signs in: the episode ends; the next one is told again.
    shop.clock.advance(Duration::hours(1));
    shop.login("ann@example.com", PASSWORD).await;
    for i in 0..policy.failures_before_backoff {
        shop.accounts
            .login("ann@example.com", &format!("again-{i}-secret"), &origin())
            .await
            .unwrap_err();
    }
    shop.work_until_idle().await;
    assert_eq!(shop.mails_to("ann@example.com").len(), 2);
    assert_eq!(shop.trail(AuditAction::LoginBackoff).await.len(), 2);
}

#[tokio::test]
async fn password_change_reset_and_token_reuse_are_audited_without_secrets() {
    let shop = Shop::new();
    let user = shop.register("ann@example.com").await;
    let (mut me, first) = shop.login("ann@example.com", PASSWORD).await;
    me.origin = origin();
    shop.accounts
        .change_password(&me, PASSWORD, "new-and-long-password")
        .await
        .unwrap();
    let [changed] = shop
        .trail(AuditAction::PasswordChange)
        .await
        .try_into()
        .unwrap();
    assert_eq!(changed.actor, Actor::User(user.id.clone()));
    assert_eq!(changed.target_id, user.id.to_string());
    assert_eq!(changed.origin, origin());
    assert_eq!(change(&changed, "session_version"), (Some("0"), Some("1")));

    // The refresh token of the first login, spent by a rotation, comes back.
    shop.accounts
        .refresh(&first.tokens.refresh_token, &origin())
        .await
        .unwrap();
    shop.accounts
        .refresh(&first.tokens.refresh_token, &origin())
        .await
        .unwrap_err();
    let [reuse] = shop
        .trail(AuditAction::RefreshTokenReuse)
        .await
        .try_into()
        .unwrap();
    assert_eq!(reuse.actor, Actor::User(user.id.clone()));
    assert_eq!(
        (reuse.target_type.as_str(), reuse.target_id.as_str()),
        ("session", me.session_id.as_str())
    );
    assert_eq!(change(&reuse, "session"), (Some("active"), Some("revoked")));

    shop.accounts
        .request_password_reset("ann@example.com")
        .await
        .unwrap();
    let token = link_token(&shop, "ann@example.com", "/reset-password").await;
    shop.accounts
        .confirm_password_reset(&token, "a-brand-new-secret-7", &origin())
        .await
        .unwrap();
    let [reset] = shop
        .trail(AuditAction::PasswordReset)
        .await
        .try_into()
        .unwrap();
    assert_eq!(reset.actor, Actor::User(user.id.clone()));
    assert_eq!(reset.origin, origin());
    assert_eq!(change(&reset, "session_version"), (Some("1"), Some("2")));

    let everything = format!(
        "{:?}",
        shop.stores
            .audit
            .list_audit(&AuditFilter::default(), &PageRequest::new(Some(100), None))
            .await
            .unwrap()
            .items
    );
    for secret in [
        PASSWORD,
        "new-and-long-password",
        "a-brand-new-secret-7",
        first.tokens.refresh_token.as_str(),
        token.as_str(),
    ] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}
