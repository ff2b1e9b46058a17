//! Valid sample entities. Ids are UUID v7 (later is larger); times are
//! whole seconds from `t0()` unless a test needs sub-second ones.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use shop_domain::account::{AccountStatus, Email, PersonName, Role, User};
use shop_domain::business::Address;
use shop_domain::catalog::Product;
use shop_domain::ids::{OrderId, ProductId, PromotionId, QuoteId, UserId};
use shop_domain::jobs::Job;
use shop_domain::order::{
    Actor, HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderLine, OrderStatus, PaymentInfo,
};
use shop_domain::pricing::{CartLine, Promotion, PromotionKind, Quote, QuoteLine};
use shop_domain::{Currency, Money};
use shop_sql::SqlStore;

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!("{prefix}{}", &id[13..])
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()
}

pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(seconds)
}

pub fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

pub fn email(value: &str) -> Email {
    Email::parse(value).unwrap()
}

pub fn name(value: &str) -> PersonName {
    PersonName::parse(value).unwrap()
}

pub fn user(address: &str) -> User {
    User {
        id: UserId::new(new_id()),
        email: email(address),
        name: name("Ann Example"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        role: Role::Customer,
        status: AccountStatus::Active,
        session_version: 0,
        created_at: t0(),
    }
}

pub fn customer() -> User {
    user(&format!("{}@example.test", unique("c")))
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

pub fn product(sku: &str, product_name: &str, stock: u32) -> Product {
    Product {
        id: ProductId::new(new_id()),
        sku: sku.into(),
        name: product_name.into(),
        description: format!("The {product_name}."),
        category_id: None,
        price: Money::new(dollars(1000), Currency::usd()),
        stock,
        active: true,
        created_at: t0(),
    }
}

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
        expires_at: at(900),
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
        payment: PaymentInfo {
            provider: shop_domain::order::PaymentProvider::Square,
            payment_id: None,
            status: shop_domain::order::PaymentState::Pending,
            failure_code: None,
            authorization_expires_at: None,
        },
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
        stock: shop_testkit::fixtures::reservation(&order),
        order,
    }
}

pub use shop_testkit::fixtures::release;

pub fn with_idempotency(mut new: NewOrder, key: &str) -> NewOrder {
    new.idempotency = Some(IdempotencyRecord {
        user_id: new.order.user_id.clone(),
        key: key.into(),
        fingerprint: "f".repeat(64),
        order_id: new.order.id.clone(),
    });
    new
}

pub fn job(run_after: DateTime<Utc>) -> Job {
    Job::finalize_order(&OrderId::new(new_id()), run_after)
}

/// A signed-up customer, one product with `stock` and a quote for `qty`.
pub async fn shop_with(s: &SqlStore, stock: u32, qty: u32) -> (User, Product, Quote) {
    use shop_domain::account::AccountStore;
    use shop_domain::catalog::CatalogStore;
    use shop_domain::pricing::QuoteStore;
    let u = customer();
    AccountStore::insert(s, &u).await.unwrap();
    let p = product(&unique("P-"), "Widget", stock);
    s.insert_product(&p, None).await.unwrap();
    let q = quote(&u.id, &[(&p, qty)]);
    QuoteStore::insert(s, &q).await.unwrap();
    (u, p, q)
}

/// A copy of `q` under a new id, stored: a quote becomes one order, so
/// tests placing many orders need one each.
pub async fn fresh(s: &SqlStore, q: &Quote) -> Quote {
    use shop_domain::pricing::QuoteStore;
    let copy = Quote {
        id: shop_domain::ids::QuoteId::new(new_id()),
        ..q.clone()
    };
    QuoteStore::insert(s, &copy).await.unwrap();
    copy
}

/// `n` fresh copies of `q`.
pub async fn fresh_many(s: &SqlStore, q: &Quote, n: usize) -> Vec<Quote> {
    let mut quotes = Vec::with_capacity(n);
    for _ in 0..n {
        quotes.push(fresh(s, q).await);
    }
    quotes
}
