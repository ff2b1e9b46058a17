//! Builders of valid sample entities. Ids are fresh UUID v7 strings (so
//! later is larger), times whole seconds from [`t0`]. A few helpers at the
//! end also store what they build, for tests of one adapter value that
//! implements several ports ([`shop_with`], [`fresh_quote`]).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use shop_domain::account::{
    AccountStatus, AccountStore, Email, PersonName, RefreshSession, RefreshToken, Role, User,
};
use shop_domain::business::{Address, BusinessProfile, BusinessStatus, ExemptionCertificate};
use shop_domain::catalog::{CatalogStore, Category, Product, StockMovement};
use shop_domain::contact::{ContactMessage, ContactStatus};
use shop_domain::ids::{
    CategoryId, ContactMessageId, OrderId, ProductId, PromotionId, QuoteId, SessionId, UserId,
};
use shop_domain::jobs::Job;
use shop_domain::mail::MailMessage;
use shop_domain::order::{
    Actor, HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderLine, OrderStatus, PaymentInfo,
    PaymentProvider, PaymentState,
};
use shop_domain::pricing::{CartLine, Promotion, PromotionKind, Quote, QuoteLine, QuoteStore};
use shop_domain::{Currency, IdGenerator, Money};

/// A fresh, unique, time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// [`new_id`] as the domain's id port, for values the domain builds
/// (stock movements).
#[derive(Debug, Clone, Copy, Default)]
pub struct FixtureIds;

impl IdGenerator for FixtureIds {
    fn new_id(&self) -> String {
        new_id()
    }

    fn new_secret(&self) -> String {
        unique("secret-")
    }
}

/// A short unique token for names, e-mails and codes.
pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    // Past the timestamp and version: the counter and random bits, which
    // differ even within one millisecond. 19 characters.
    format!("{prefix}{}", &id[13..])
}

/// 2030-01-01T00:00:00Z, the fixtures' epoch.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()
}

/// `t0() + seconds`.
pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(seconds)
}

pub fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::usd())
}

/// `cents / 100` as a decimal with two places.
pub fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

pub fn email(value: &str) -> Email {
    Email::parse(value).unwrap()
}

pub fn name(value: &str) -> PersonName {
    PersonName::parse(value).unwrap()
}

/// An active customer with this e-mail.
pub fn user(email_address: &str) -> User {
    User {
        id: UserId::new(new_id()),
        email: email(email_address),
        name: name("Ann Example"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        role: Role::Customer,
        status: AccountStatus::Active,
        session_version: 0,
        created_at: t0(),
        email_verified_at: None,
    }
}

/// An active customer with a unique e-mail.
pub fn customer() -> User {
    user(&format!("{}@example.test", unique("c")))
}

/// An active admin with a unique e-mail.
pub fn admin() -> User {
    User {
        role: Role::Admin,
        ..user(&format!("{}@example.test", unique("admin")))
    }
}

pub fn session(user_id: &UserId) -> RefreshSession {
    RefreshSession {
        id: SessionId::new(new_id()),
        user_id: user_id.clone(),
        created_at: t0(),
        revoked_at: None,
    }
}

/// A refresh token of `session`, stored under a unique fake hash.
pub fn refresh_token(session: &RefreshSession) -> RefreshToken {
    RefreshToken {
        token_hash: format!("{:0>64}", unique("")),
        session_id: session.id.clone(),
        user_id: session.user_id.clone(),
        issued_at: t0(),
        expires_at: at(30 * 24 * 3600),
        spent_at: None,
    }
}

pub fn address() -> Address {
    Address {
        line1: "1 Main Street".into(),
        line2: None,
        city: "Springfield".into(),
        region: "CA".into(),
        postal_code: "90001".into(),
        country: "US".into(),
    }
}

/// A business profile in `status`, submitted at `submitted_at`.
pub fn profile(
    user_id: &UserId,
    status: BusinessStatus,
    submitted_at: DateTime<Utc>,
) -> BusinessProfile {
    BusinessProfile {
        user_id: user_id.clone(),
        status,
        legal_name: "Example Trading LLC".into(),
        tax_id: "12-3456789".into(),
        phone: "+1 555 0100".into(),
        address: address(),
        tax_exempt_requested: true,
        exemption_certificate: Some(ExemptionCertificate {
            number: "EX-1".into(),
            region: "CA".into(),
            expires_on: NaiveDate::from_ymd_opt(2031, 12, 31).unwrap(),
        }),
        tax_exempt_granted: false,
        rejection_reason: None,
        reviewed_at: None,
        reviewed_by: None,
        submitted_at,
    }
}

pub fn category(slug: &str, category_name: &str) -> Category {
    Category {
        id: CategoryId::new(new_id()),
        slug: slug.into(),
        name: category_name.into(),
    }
}

/// An active product at 10.00 USD.
pub fn product(sku: &str, product_name: &str, stock: u32) -> Product {
    Product {
        id: ProductId::new(new_id()),
        sku: sku.into(),
        name: product_name.into(),
        description: format!("The {product_name}."),
        category_id: None,
        price: usd(dollars(1000)),
        stock,
        active: true,
        created_at: t0(),
    }
}

/// A quote of `user_id` for `lines` (product, quantity), untaxed.
pub fn quote(user_id: &UserId, lines: &[(&Product, u32)]) -> Quote {
    let quote_lines: Vec<QuoteLine> = lines
        .iter()
        .map(|(p, qty)| {
            let subtotal = p.price.amount * Decimal::from(*qty);
            QuoteLine {
                product_id: p.id.clone(),
                sku: p.sku.clone(),
                name: p.name.clone(),
                unit_price: p.price.amount,
                quantity: *qty,
                subtotal,
                discount: Decimal::ZERO,
                tax: Decimal::ZERO,
                total: subtotal,
            }
        })
        .collect();
    let subtotal = quote_lines.iter().map(|l| l.subtotal).sum();
    Quote {
        id: QuoteId::new(new_id()),
        user_id: user_id.clone(),
        created_at: t0(),
        expires_at: at(15 * 60),
        currency: Currency::usd(),
        items: lines
            .iter()
            .map(|(p, qty)| CartLine {
                product_id: p.id.clone(),
                quantity: *qty,
            })
            .collect(),
        ship_to: address(),
        promo_code: None,
        lines: quote_lines,
        subtotal,
        discount_total: Decimal::ZERO,
        tax_total: Decimal::ZERO,
        shipping_total: Decimal::ZERO,
        total: subtotal,
        tax_exemption: None,
    }
}

/// A 10 % promotion with this (upper-case) code.
pub fn promotion(code: &str, max_uses: Option<u32>) -> Promotion {
    Promotion {
        id: PromotionId::new(new_id()),
        code: code.into(),
        kind: PromotionKind::Percent,
        value: Decimal::from(10),
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses,
        uses: 0,
        created_at: t0(),
    }
}

pub fn history(status: OrderStatus, at: DateTime<Utc>) -> HistoryEntry {
    HistoryEntry {
        status,
        at,
        by: Actor::System,
        note: None,
    }
}

pub fn pending_payment() -> PaymentInfo {
    PaymentInfo {
        provider: PaymentProvider::Square,
        payment_id: None,
        status: PaymentState::Pending,
        failure_code: None,
        authorization_expires_at: None,
    }
}

/// A pending order of `user` from `quote`, without idempotency key, with
/// its finalization job due two minutes after `t0()`.
pub fn new_order(user: &User, quote: &Quote) -> NewOrder {
    let id = OrderId::new(new_id());
    let order = Order {
        id: id.clone(),
        number: String::new(),
        user_id: user.id.clone(),
        customer_email: user.email.clone(),
        quote_id: quote.id.clone(),
        status: OrderStatus::PendingPayment,
        created_at: t0(),
        currency: quote.currency.clone(),
        lines: quote.lines.iter().map(OrderLine::from).collect(),
        subtotal: quote.subtotal,
        discount_total: quote.discount_total,
        tax_total: quote.tax_total,
        shipping_total: quote.shipping_total,
        total: quote.total,
        promo_code: quote.promo_code.clone(),
        tax_exemption: None,
        ship_to: quote.ship_to.clone(),
        payment_source_id: "cnon:card-nonce-ok".into(),
        payment: pending_payment(),
        history: vec![HistoryEntry {
            status: OrderStatus::PendingPayment,
            at: t0(),
            by: Actor::User(user.id.clone()),
            note: None,
        }],
        alert: None,
    };
    NewOrder {
        job: Job::finalize_order(&id, at(120)),
        idempotency: None,
        stock: reservation(&order),
        order,
    }
}

/// The movements that hold `order`'s quantities, as the domain makes them.
pub fn reservation(order: &Order) -> Vec<StockMovement> {
    StockMovement::for_order(
        order,
        false,
        Actor::User(order.user_id.clone()),
        order.created_at,
        &FixtureIds,
    )
}

/// The movements that give `order`'s quantities back.
pub fn release(order: &Order, at: DateTime<Utc>) -> Vec<StockMovement> {
    StockMovement::for_order(order, true, Actor::System, at, &FixtureIds)
}

/// `new` with the idempotency key `key` (fingerprint `fingerprint`).
pub fn with_idempotency(mut new: NewOrder, key: &str, fingerprint: &str) -> NewOrder {
    new.idempotency = Some(IdempotencyRecord {
        user_id: new.order.user_id.clone(),
        key: key.into(),
        fingerprint: fingerprint.into(),
        order_id: new.order.id.clone(),
    });
    new
}

/// A finalization job for a made-up order, due at `run_after`.
pub fn job(run_after: DateTime<Utc>) -> Job {
    Job::finalize_order(&OrderId::new(new_id()), run_after)
}

pub fn contact(user_id: Option<&UserId>, status: ContactStatus) -> ContactMessage {
    ContactMessage {
        id: ContactMessageId::new(new_id()),
        user_id: user_id.cloned(),
        name: name("Bo Visitor"),
        email: email("bo@example.test"),
        subject: "A question".into(),
        message: "Do you ship to Canada?".into(),
        status,
        created_at: t0(),
    }
}

/// A rendered mail with a fresh Message-ID starting with `kind`.
pub fn mail(kind: &str) -> MailMessage {
    mail_with_id(&format!("<{}@shop.test>", unique(&format!("{kind}."))))
}

/// A rendered mail with the Message-ID `message_id`.
pub fn mail_with_id(message_id: &str) -> MailMessage {
    MailMessage {
        message_id: message_id.into(),
        // The embedded default sender: not an address a customer could register.
        from: shop_domain::account::Email::trusted("shop@localhost"),
        to: email("ann@example.test"),
        subject: "Your order SO-000001 ✓".into(),
        text: "Thanks for your order.\n\nTotal: $12.50".into(),
        html: "<p>Thanks for your order.</p><p>Total: <b>$12.50</b></p>".into(),
    }
}

/// A customer, one product with `stock` and a quote of `qty` of it, all
/// stored in `store`.
pub async fn shop_with<S>(store: &S, stock: u32, qty: u32) -> (User, Product, Quote)
where
    S: AccountStore + CatalogStore + QuoteStore + ?Sized,
{
    let u = customer();
    AccountStore::insert(store, &u).await.unwrap();
    let p = product(&unique("P-"), "Widget", stock);
    store.insert_product(&p, None, &[]).await.unwrap();
    let q = quote(&u.id, &[(&p, qty)]);
    QuoteStore::insert(store, &q).await.unwrap();
    (u, p, q)
}

/// A stored copy of `q` under a new id: a quote becomes one order, so a
/// test placing many orders needs one each.
pub async fn fresh_quote<S: QuoteStore + ?Sized>(store: &S, q: &Quote) -> Quote {
    let copy = Quote {
        id: QuoteId::new(new_id()),
        ..q.clone()
    };
    store.insert(&copy).await.unwrap();
    copy
}

/// `n` stored copies of `q` ([`fresh_quote`]).
pub async fn fresh_quotes<S: QuoteStore + ?Sized>(store: &S, q: &Quote, n: usize) -> Vec<Quote> {
    let mut quotes = Vec::with_capacity(n);
    for _ in 0..n {
        quotes.push(fresh_quote(store, q).await);
    }
    quotes
}
