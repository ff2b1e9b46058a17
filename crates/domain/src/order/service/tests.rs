//! Placement, cancelation, fulfilment and refunds with injected port failures.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::executor::block_on;
use rust_decimal_macros::dec;

use super::*;
use crate::account::Role;
use crate::catalog::Product;
use crate::ids::{ProductId, UserId};
use crate::money::Currency;
use crate::payment::{PaymentRecord, PaymentStatus};
use crate::pricing::{CartLine, PricingInput, Quote, price_cart};
use crate::test_support::{
    Mocks, SharedOrder, TestClock, address, exemption, order, principal, settings, t0,
};

const KEY: &str = "checkout-key-1";

fn customer() -> Principal {
    principal("user-1", Role::Customer)
}

fn admin() -> Principal {
    principal("admin-1", Role::Admin)
}

fn product(price: rust_decimal::Decimal) -> Product {
    Product {
        id: ProductId::new("p1"),
        sku: "HAM-01".into(),
        name: "Hammer".into(),
        description: String::new(),
        category_id: None,
        price: Money::new(price, Currency::usd()),
        stock: 10,
        active: true,
        created_at: t0(),
    }
}

fn quote() -> Quote {
    let items = vec![CartLine {
        product_id: ProductId::new("p1"),
        quantity: 2,
    }];
    let products = vec![product(dec!(5.00))];
    let priced = price_cart(&PricingInput {
        items: &items,
        products: &products,
        currency: &Currency::usd(),
        rounding: crate::money::Rounding::HalfEven,
        promotion: None,
        ship_to: &address(),
        tax_rates: &[],
        tax_exemption: None,
        now: t0(),
    })
    .unwrap();
    Quote {
        id: QuoteId::new("quote-1"),
        user_id: UserId::new("user-1"),
        created_at: t0(),
        expires_at: t0() + Duration::minutes(15),
        currency: Currency::usd(),
        items,
        ship_to: address(),
        promo_code: None,
        lines: priced.lines,
        subtotal: priced.subtotal,
        discount_total: priced.discount_total,
        tax_total: priced.tax_total,
        shipping_total: priced.shipping_total,
        total: priced.total,
        tax_exemption: None,
    }
}

fn request(key: Option<&str>) -> PlaceOrderRequest {
    PlaceOrderRequest {
        quote_id: QuoteId::new("quote-1"),
        payment_source_id: "cnon:card-nonce-ok".into(),
        idempotency_key: key.map(str::to_string),
    }
}

fn fingerprint(quote_id: &str, source: &str) -> String {
    sha256_hex(&format!("{quote_id}\n{source}"))
}

/// The catalog, profile and tax ports a re-pricing reads.
fn pricing_ports(m: &mut Mocks, quote: Quote, price: rust_decimal::Decimal) {
    m.quotes
        .expect_get()
        .returning(move |_| Ok(Some(quote.clone())));
    m.catalog
        .expect_get_products()
        .returning(move |_| Ok(vec![product(price)]));
    m.profiles.expect_get().returning(|_| Ok(None));
    m.tax_rates.expect_list().returning(|| Ok(Vec::new()));
}

/// `create` stores the order (numbered) in `shared` and records what it got.
fn creating_store(m: &mut Mocks, shared: &SharedOrder) -> Arc<Mutex<Vec<NewOrder>>> {
    let created = Arc::new(Mutex::new(Vec::new()));
    let (c, s) = (created.clone(), shared.clone());
    m.orders.expect_create().times(1).returning(move |new| {
        c.lock().unwrap().push(new.clone());
        let mut o = new.order.clone();
        o.number = "SO-000001".into();
        *s.0.lock().unwrap() = o.clone();
        Ok(o)
    });
    created
}

fn approved(id: &str) -> PaymentRecord {
    PaymentRecord {
        payment_id: id.into(),
        status: PaymentStatus::Approved,
        delayed_until: Some(t0() + Duration::days(7)),
    }
}

fn transitions(m: &mut Mocks, shared: &SharedOrder) {
    let s = shared.clone();
    m.orders
        .expect_transition()
        .returning(move |_, change| s.apply(change));
}

fn service(m: Mocks, now: chrono::DateTime<chrono::Utc>) -> OrderService {
    let mocks = m.shared(TestClock::at(now));
    OrderService::new(
        mocks.ports(),
        PricingService::new(mocks.ports(), settings()),
        settings(),
    )
}

#[test]
fn placing_an_order_reserves_then_authorizes() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    m.orders
        .expect_find_idempotency()
        .returning(|_, _| Ok(None));
    pricing_ports(&mut m, quote(), dec!(5.00));
    let created = creating_store(&mut m, &shared);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, change| {
            change.from() == OrderStatus::PendingPayment
                && change.to() == OrderStatus::Authorized
                && change.entry().by == Actor::PaymentProvider
                && change.effects().wake_job
                && change.effects().stock.is_empty()
        })
        .times(1)
        .returning(move |_, change| s.apply(change));
    m.payments
        .expect_authorize()
        .withf(|r| {
            r.amount == Money::new(dec!(10.00), Currency::usd())
                && r.reference_id == "SO-000001"
                && r.source_id == "cnon:card-nonce-ok"
                && r.buyer_email.as_str() == "user-1@example.com"
                && r.idempotency_key == idempotency_key(&OrderId::new("id-1"), "authorize")
        })
        .times(1)
        .returning(|_| Ok(approved("pay-1")));
    let svc = service(m, t0());

    let placed = block_on(svc.place(&customer(), &request(Some(KEY)))).unwrap();
    assert_eq!(placed.placement, Placement::Created);
    let o = placed.order;
    assert_eq!(o.status, OrderStatus::Authorized);
    assert_eq!(o.payment.payment_id.as_deref(), Some("pay-1"));
    assert_eq!(o.payment.status, PaymentState::Approved);
    assert_eq!(
        o.payment.authorization_expires_at,
        Some(t0() + Duration::days(7))
    );

    let new = created.lock().unwrap()[0].clone();
    assert_eq!(new.order.status, OrderStatus::PendingPayment);
    assert_eq!(new.order.total, dec!(10.00));
    assert_eq!(new.order.lines[0].name, "Hammer");
    assert_eq!(new.order.lines[0].unit_price, dec!(5.00));
    assert_eq!(new.order.customer_email.as_str(), "user-1@example.com");
    assert_eq!(new.order.history.len(), 1);
    assert_eq!(new.order.history[0].by, Actor::User(UserId::new("user-1")));
    assert_eq!(new.job.run_after, t0() + CHECKOUT_GRACE);
    assert_eq!(
        new.job.kind,
        crate::jobs::JobKind::FinalizeOrder(new.order.id.clone())
    );
    let record = new.idempotency.expect("an idempotency record");
    assert_eq!(record.key, KEY);
    assert_eq!(
        record.fingerprint,
        fingerprint("quote-1", "cnon:card-nonce-ok")
    );
    assert_eq!(record.order_id, new.order.id);
    // The reservation: the line's quantity, as one movement.
    assert_eq!(new.stock.len(), 1);
    assert_eq!(new.stock[0].delta, -2);
    assert_eq!(new.stock[0].order_id.as_ref(), Some(&new.order.id));
}

#[test]
fn a_declined_card_fails_the_order_and_releases_its_stock() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    pricing_ports(&mut m, quote(), dec!(5.00));
    creating_store(&mut m, &shared);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, change| {
            change.from() == OrderStatus::PendingPayment
                && change.effects().mails.is_empty()
                && change.to() == OrderStatus::PaymentFailed
                && change.effects().stock.len() == 1
                && change.effects().stock[0].delta == 2
                && change.effects().release_quote
        })
        .times(1)
        .returning(move |_, change| s.apply(change));
    m.payments.expect_authorize().returning(|_| {
        Err(PaymentError::Declined {
            code: "GENERIC_DECLINE".into(),
        })
    });
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.place(&customer(), &request(None))),
        Err(DomainError::PaymentDeclined {
            reason: "GENERIC_DECLINE".into()
        })
    );
    let o = shared.snapshot();
    assert_eq!(o.status, OrderStatus::PaymentFailed);
    assert_eq!(o.payment.failure_code.as_deref(), Some("GENERIC_DECLINE"));
}

#[test]
fn an_unknown_outcome_is_accepted_and_handed_over_then_a_replay_authorizes_once_with_one_key() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    // First call: no record yet. Second: the record the first call wrote.
    let lookups = Arc::new(Mutex::new(0));
    let l = lookups.clone();
    m.orders
        .expect_find_idempotency()
        .returning(move |user, key| {
            assert_eq!((user.as_str(), key), ("user-1", KEY));
            let mut n = l.lock().unwrap();
            *n += 1;
            Ok((*n > 1).then(|| IdempotencyRecord {
                user_id: UserId::new("user-1"),
                key: KEY.into(),
                fingerprint: fingerprint("quote-1", "cnon:card-nonce-ok"),
                order_id: OrderId::new("id-1"),
            }))
        });
    pricing_ports(&mut m, quote(), dec!(5.00));
    creating_store(&mut m, &shared);
    shared.serve_get(&mut m.orders);
    transitions(&mut m, &shared);
    let keys = Arc::new(Mutex::new(Vec::new()));
    let k = keys.clone();
    m.payments.expect_authorize().times(2).returning(move |r| {
        let mut keys = k.lock().unwrap();
        keys.push(r.idempotency_key.clone());
        if keys.len() == 1 {
            Err(PaymentError::Transient("connection reset".into()))
        } else {
            Ok(approved("pay-1"))
        }
    });
    // The workflow takes over at once: its job is made due now.
    m.jobs
        .expect_wake()
        .withf(|id, at| id.as_str() == "finalize-id-1" && *at == t0())
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = service(m, t0());

    // Never "failed, retry": the order may be charged.
    let accepted = block_on(svc.place(&customer(), &request(Some(KEY)))).unwrap();
    assert_eq!(accepted.placement, Placement::Accepted);
    assert_eq!(accepted.order.status, OrderStatus::PendingPayment);
    assert_eq!(shared.snapshot().status, OrderStatus::PendingPayment);
    let placed = block_on(svc.place(&customer(), &request(Some(KEY)))).unwrap();
    assert_eq!(placed.placement, Placement::Replayed);
    let o = placed.order;
    assert_eq!(o.status, OrderStatus::Authorized);
    let keys = keys.lock().unwrap();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[0], idempotency_key(&OrderId::new("id-1"), "authorize"));
    let authorized = o
        .history
        .iter()
        .filter(|h| h.status == OrderStatus::Authorized)
        .count();
    assert_eq!(authorized, 1);
}

#[test]
fn a_key_reused_with_another_body_is_a_conflict() {
    let mut m = Mocks::default();
    m.orders.expect_find_idempotency().returning(|_, _| {
        Ok(Some(IdempotencyRecord {
            user_id: UserId::new("user-1"),
            key: KEY.into(),
            fingerprint: fingerprint("quote-OTHER", "cnon:card-nonce-ok"),
            order_id: OrderId::new("order-1"),
        }))
    });
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.place(&customer(), &request(Some(KEY)))),
        Err(DomainError::IdempotencyKeyReused)
    );
}

#[test]
fn a_replay_returns_the_order_without_charging_again() {
    for status in [
        OrderStatus::Authorized,
        OrderStatus::Paid,
        OrderStatus::Canceled,
    ] {
        let mut m = Mocks::default();
        m.orders.expect_find_idempotency().returning(|_, _| {
            Ok(Some(IdempotencyRecord {
                user_id: UserId::new("user-1"),
                key: KEY.into(),
                fingerprint: fingerprint("quote-1", "cnon:card-nonce-ok"),
                order_id: OrderId::new("order-1"),
            }))
        });
        SharedOrder::new(order(status)).serve_get(&mut m.orders);
        let svc = service(m, t0());
        let placed = block_on(svc.place(&customer(), &request(Some(KEY)))).unwrap();
        assert_eq!(placed.placement, Placement::Replayed);
        assert_eq!(placed.order.status, status);
    }
}

#[test]
fn a_replay_of_a_failed_payment_says_declined_again() {
    let mut m = Mocks::default();
    m.orders.expect_find_idempotency().returning(|_, _| {
        Ok(Some(IdempotencyRecord {
            user_id: UserId::new("user-1"),
            key: KEY.into(),
            fingerprint: fingerprint("quote-1", "cnon:card-nonce-ok"),
            order_id: OrderId::new("order-1"),
        }))
    });
    let mut o = order(OrderStatus::PaymentFailed);
    o.payment.failure_code = Some("CVV_FAILURE".into());
    SharedOrder::new(o).serve_get(&mut m.orders);
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.place(&customer(), &request(Some(KEY)))),
        Err(DomainError::PaymentDeclined {
            reason: "CVV_FAILURE".into()
        })
    );
}

#[test]
fn a_concurrent_request_with_the_same_key_gets_the_winners_order() {
    let mut m = Mocks::default();
    let lookups = Arc::new(Mutex::new(0));
    let l = lookups.clone();
    m.orders.expect_find_idempotency().returning(move |_, _| {
        let mut n = l.lock().unwrap();
        *n += 1;
        Ok((*n > 1).then(|| IdempotencyRecord {
            user_id: UserId::new("user-1"),
            key: KEY.into(),
            fingerprint: fingerprint("quote-1", "cnon:card-nonce-ok"),
            order_id: OrderId::new("order-1"),
        }))
    });
    pricing_ports(&mut m, quote(), dec!(5.00));
    m.orders
        .expect_create()
        .returning(|_| Err(DomainError::IdempotencyKeyReused));
    SharedOrder::new(order(OrderStatus::Authorized)).serve_get(&mut m.orders);
    let svc = service(m, t0());
    let placed = block_on(svc.place(&customer(), &request(Some(KEY)))).unwrap();
    assert_eq!(placed.placement, Placement::Replayed);
    assert_eq!(placed.order.id, OrderId::new("order-1"));
}

#[test]
fn insufficient_stock_stops_before_any_payment() {
    let mut m = Mocks::default();
    pricing_ports(&mut m, quote(), dec!(5.00));
    m.orders.expect_create().returning(|_| {
        Err(DomainError::InsufficientStock {
            product_id: "p1".into(),
        })
    });
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.place(&customer(), &request(None))),
        Err(DomainError::InsufficientStock {
            product_id: "p1".into()
        })
    );
}

#[test]
fn a_changed_price_refuses_the_quote() {
    let mut m = Mocks::default();
    pricing_ports(&mut m, quote(), dec!(5.01));
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.place(&customer(), &request(None))),
        Err(DomainError::PriceChanged)
    );
}

#[test]
fn a_lapsed_exemption_refuses_the_quote() {
    let mut m = Mocks::default();
    let mut q = quote();
    q.tax_exemption = Some(exemption());
    pricing_ports(&mut m, q, dec!(5.00));
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.place(&customer(), &request(None))),
        Err(DomainError::PriceChanged)
    );
}

#[test]
fn an_expired_quote_is_refused() {
    let mut m = Mocks::default();
    m.quotes.expect_get().returning(|_| Ok(Some(quote())));
    let svc = service(m, t0() + Duration::minutes(15));
    assert_eq!(
        block_on(svc.place(&customer(), &request(None))),
        Err(DomainError::QuoteExpired)
    );
}

#[test]
fn another_users_quote_is_not_found() {
    let mut m = Mocks::default();
    m.quotes.expect_get().returning(|_| Ok(Some(quote())));
    let svc = service(m, t0());
    let intruder = principal("user-2", Role::Customer);
    assert_eq!(
        block_on(svc.place(&intruder, &request(None))),
        Err(DomainError::NotFound("quote"))
    );
}

#[test]
fn request_fields_are_checked_first() {
    let svc = service(Mocks::default(), t0());
    for key in ["", "has space", "tab\tkey", &"k".repeat(256), "ünï"] {
        let r = block_on(svc.place(&customer(), &request(Some(key))));
        assert!(matches!(r, Err(DomainError::Validation(_))), "{key:?}");
    }
    for source in ["", "   ", &"s".repeat(256)] {
        let mut req = request(None);
        req.payment_source_id = source.into();
        let r = block_on(svc.place(&customer(), &req));
        assert!(matches!(r, Err(DomainError::Validation(_))), "{source:?}");
    }
}

#[test]
fn an_authorization_that_lands_on_a_canceled_order_is_voided() {
    // The customer canceled while the card was being authorized: the
    // authorization must not stay open at Square.
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    pricing_ports(&mut m, quote(), dec!(5.00));
    creating_store(&mut m, &shared);
    let s = shared.clone();
    m.payments.expect_authorize().times(1).returning(move |_| {
        // The cancel wins the race on the stored order.
        s.0.lock().unwrap().status = OrderStatus::Canceled;
        Ok(approved("pay-late"))
    });
    shared.serve_get(&mut m.orders);
    transitions(&mut m, &shared);
    m.payments
        .expect_cancel()
        .withf(|id| id == "pay-late")
        .times(1)
        .returning(|_| {
            Ok(PaymentRecord {
                payment_id: "pay-late".into(),
                status: PaymentStatus::Canceled,
                delayed_until: None,
            })
        });
    m.orders
        .expect_add_note()
        .withf(|_, entry| entry.note.as_deref().is_some_and(|n| n.contains("voided")))
        .times(1)
        .returning(|_, _| Ok(()));
    let svc = service(m, t0());
    let placed = block_on(svc.place(&customer(), &request(None))).unwrap();
    assert_eq!(placed.order.status, OrderStatus::Canceled);
}

// ------------------------------------------------------------------ cancel

#[test]
fn cancel_voids_the_authorization_then_releases_stock() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Authorized));
    shared.serve_get(&mut m.orders);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, change| {
            change.from() == OrderStatus::Authorized
                && change.to() == OrderStatus::Canceled
                && change.entry().by == Actor::User(UserId::new("user-1"))
                && change.effects().stock.len() == 1
                && change.effects().release_quote
                && change.effects().payment.as_ref().map(|p| p.status)
                    == Some(PaymentState::Canceled)
        })
        .times(1)
        .returning(move |_, change| s.apply(change));
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    m.payments
        .expect_cancel()
        .withf(|id| id == "pay-1")
        .times(2)
        .returning(move |_| {
            let mut n = c.lock().unwrap();
            *n += 1;
            if *n == 1 {
                Err(PaymentError::Transient("timeout".into()))
            } else {
                Ok(PaymentRecord {
                    payment_id: "pay-1".into(),
                    status: PaymentStatus::Canceled,
                    delayed_until: None,
                })
            }
        });
    let svc = service(m, t0());
    let id = OrderId::new("order-1");
    // The gateway is down: nothing changes.
    assert_eq!(
        block_on(svc.cancel(&customer(), &id)),
        Err(DomainError::PaymentUnavailable("timeout".into()))
    );
    assert_eq!(shared.snapshot().status, OrderStatus::Authorized);
    let o = block_on(svc.cancel(&customer(), &id)).unwrap();
    assert_eq!(o.status, OrderStatus::Canceled);
}

#[test]
fn cancel_of_a_pending_order_voids_by_the_authorize_key() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::PendingPayment));
    shared.serve_get(&mut m.orders);
    transitions(&mut m, &shared);
    m.payments
        .expect_cancel_by_idempotency_key()
        .withf(|key| key == idempotency_key(&OrderId::new("order-1"), "authorize"))
        .times(1)
        .returning(|_| Ok(()));
    let svc = service(m, t0());
    let o = block_on(svc.cancel(&customer(), &OrderId::new("order-1"))).unwrap();
    assert_eq!(o.status, OrderStatus::Canceled);
    assert_eq!(o.payment.status, PaymentState::Canceled);
}

#[test]
fn cancel_refuses_closed_and_foreign_orders() {
    for status in [
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::Refunded,
        OrderStatus::Canceled,
        OrderStatus::PaymentFailed,
    ] {
        let mut m = Mocks::default();
        SharedOrder::new(order(status)).serve_get(&mut m.orders);
        let svc = service(m, t0());
        assert_eq!(
            block_on(svc.cancel(&customer(), &OrderId::new("order-1"))),
            Err(DomainError::InvalidOrderState {
                current: status.as_str().into(),
                action: "cancel"
            })
        );
    }
    let mut m = Mocks::default();
    SharedOrder::new(order(OrderStatus::Authorized)).serve_get(&mut m.orders);
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.cancel(
            &principal("user-2", Role::Customer),
            &OrderId::new("order-1")
        )),
        Err(DomainError::NotFound("order"))
    );
}

#[test]
fn cancel_refused_by_the_provider_is_a_state_conflict() {
    // The provider says where the payment is: still held (the void failed)
    // or captured after all (the order is as good as paid).
    for (held, current) in [
        (PaymentStatus::Approved, "authorized"),
        (PaymentStatus::Completed, "paid"),
    ] {
        let mut m = Mocks::default();
        SharedOrder::new(order(OrderStatus::Authorized)).serve_get(&mut m.orders);
        m.payments
            .expect_cancel()
            .returning(|_| Err(PaymentError::Rejected("already completed".into())));
        m.payments.expect_status().returning(move |id| {
            Ok(PaymentRecord {
                payment_id: id.into(),
                status: held,
                delayed_until: None,
            })
        });
        let svc = service(m, t0());
        assert_eq!(
            block_on(svc.cancel(&customer(), &OrderId::new("order-1"))),
            Err(DomainError::InvalidOrderState {
                current: current.into(),
                action: "cancel"
            })
        );
    }
}

// ---------------------------------------------------------- fulfil, refund

#[test]
fn fulfil_a_paid_order_only() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Paid));
    shared.serve_get(&mut m.orders);
    transitions(&mut m, &shared);
    let svc = service(m, t0());
    let id = OrderId::new("order-1");
    let o = block_on(svc.fulfill(&admin(), &id)).unwrap();
    assert_eq!(o.status, OrderStatus::Fulfilled);
    assert_eq!(
        o.history.last().map(|h| h.by.clone()),
        Some(Actor::User(UserId::new("admin-1")))
    );
    assert_eq!(
        block_on(svc.fulfill(&admin(), &id)),
        Err(DomainError::InvalidOrderState {
            current: "fulfilled".into(),
            action: "fulfill"
        })
    );
    assert_eq!(
        block_on(svc.fulfill(&customer(), &id)),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn refund_returns_the_full_total_under_the_refund_key() {
    let mut m = Mocks::default();
    let shared = SharedOrder::new(order(OrderStatus::Fulfilled));
    shared.serve_get(&mut m.orders);
    let s = shared.clone();
    m.orders
        .expect_transition()
        .withf(|_, change| {
            change.from() == OrderStatus::Fulfilled
                && change.to() == OrderStatus::Refunded
                && change.effects().stock.is_empty()
        })
        .times(1)
        .returning(move |_, change| s.apply(change));
    m.payments
        .expect_refund()
        .withf(|id, amount, key| {
            id == "pay-1"
                && *amount == Money::new(dec!(10.73), Currency::usd())
                && key == idempotency_key(&OrderId::new("order-1"), "refund")
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let svc = service(m, t0());
    let o = block_on(svc.refund(&admin(), &OrderId::new("order-1"))).unwrap();
    assert_eq!(o.status, OrderStatus::Refunded);
    assert_eq!(o.payment.status, PaymentState::Refunded);
}

#[test]
fn a_refused_or_failed_refund_changes_nothing() {
    for (error, expected) in [
        (
            PaymentError::Declined {
                code: "REFUND_DECLINED".into(),
            },
            DomainError::InvalidState("the refund was refused: REFUND_DECLINED".into()),
        ),
        (
            PaymentError::Transient("503".into()),
            DomainError::PaymentUnavailable("503".into()),
        ),
    ] {
        let mut m = Mocks::default();
        SharedOrder::new(order(OrderStatus::Paid)).serve_get(&mut m.orders);
        let e = error.clone();
        m.payments
            .expect_refund()
            .returning(move |_, _, _| Err(e.clone()));
        let svc = service(m, t0());
        assert_eq!(
            block_on(svc.refund(&admin(), &OrderId::new("order-1"))),
            Err(expected)
        );
    }
}

#[test]
fn refund_needs_a_paid_order_and_an_admin() {
    let mut m = Mocks::default();
    SharedOrder::new(order(OrderStatus::Authorized)).serve_get(&mut m.orders);
    let svc = service(m, t0());
    assert_eq!(
        block_on(svc.refund(&admin(), &OrderId::new("order-1"))),
        Err(DomainError::InvalidOrderState {
            current: "authorized".into(),
            action: "refund"
        })
    );
    assert_eq!(
        block_on(svc.refund(&customer(), &OrderId::new("order-1"))),
        Err(DomainError::Forbidden)
    );
}
