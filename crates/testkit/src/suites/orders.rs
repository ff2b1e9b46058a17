//! `OrderStore` (with the catalog, promotions and job queue it writes to).

use chrono::Duration;
use shop_domain::DomainError;
use shop_domain::account::User;
use shop_domain::audit::AuditAction;
use shop_domain::catalog::Product;
use shop_domain::ids::{JobId, OrderId, ProductId, UserId};
use shop_domain::jobs::{Job, JobState};
use shop_domain::order::{
    Actor, HistoryEntry, NewOrder, Order, OrderAlert, OrderFilter, OrderStatus, PaymentInfo,
    PaymentProvider, PaymentState, StatusChange,
};
use shop_domain::pricing::Promotion;

use super::audit::{entry_on, trail};
use super::{assert_unique, concurrently};
use crate::fixtures::{
    at, customer, mail, new_id, new_order, product, promotion, quote, release, reservation, unique,
    with_idempotency,
};
use crate::{Stores, flatten_pages};

/// A customer and some products in a fresh store.
struct World {
    s: Stores,
    user: User,
    products: Vec<Product>,
}

impl World {
    async fn new(s: Stores, stocks: &[u32]) -> Self {
        let user = customer();
        s.accounts.insert(&user).await.unwrap();
        let mut products = Vec::new();
        for (i, stock) in stocks.iter().enumerate() {
            let p = product(&unique("O-"), &format!("Item {i}"), *stock);
            s.catalog.insert_product(&p, None, &[]).await.unwrap();
            products.push(p);
        }
        Self { s, user, products }
    }

    /// Another customer in the same store.
    async fn other_user(&self) -> User {
        let user = customer();
        self.s.accounts.insert(&user).await.unwrap();
        user
    }

    /// A stored quote of `user` for `lines` (product index, quantity) and
    /// the order to place from it.
    async fn order_for(&self, user: &User, lines: &[(usize, u32)]) -> NewOrder {
        let picked: Vec<(&Product, u32)> = lines
            .iter()
            .map(|(i, q)| (&self.products[*i], *q))
            .collect();
        let q = quote(&user.id, &picked);
        self.s.quotes.insert(&q).await.unwrap();
        new_order(user, &q)
    }

    async fn order(&self, lines: &[(usize, u32)]) -> NewOrder {
        self.order_for(&self.user, lines).await
    }

    async fn promoted(&self, promo: &Promotion, lines: &[(usize, u32)]) -> NewOrder {
        let mut new = self.order(lines).await;
        new.order.promo_code = Some(promo.code.clone());
        new
    }

    async fn stock(&self, i: usize) -> u32 {
        self.s
            .catalog
            .get_product(&self.products[i].id)
            .await
            .unwrap()
            .expect("product exists")
            .stock
    }

    async fn stocks(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for i in 0..self.products.len() {
            out.push(self.stock(i).await);
        }
        out
    }

    async fn get(&self, id: &OrderId) -> Order {
        self.s.orders.get(id).await.unwrap().expect("order exists")
    }

    async fn uses(&self, promo: &Promotion) -> u32 {
        self.s
            .promotions
            .get_by_code(&promo.code)
            .await
            .unwrap()
            .expect("promotion exists")
            .uses
    }

    async fn all_orders(&self, filter: &OrderFilter) -> Vec<Order> {
        flatten_pages(100, |p| {
            let (s, f) = (self.s.clone(), filter.clone());
            async move { s.orders.list(&f, &p).await }
        })
        .await
    }

    async fn add_promotion(&self, max_uses: Option<u32>) -> Promotion {
        let p = promotion(&unique("PROMO").to_uppercase(), max_uses);
        self.s.promotions.insert(&p, &[]).await.unwrap();
        p
    }
}

fn approved_payment() -> PaymentInfo {
    PaymentInfo {
        provider: PaymentProvider::Square,
        payment_id: Some("pay-1".into()),
        status: PaymentState::Approved,
        failure_code: None,
        authorization_expires_at: Some(at(7 * 86_400)),
    }
}

/// `order` authorized at `t0 + at_seconds`.
fn authorize(order: &Order, at_seconds: i64) -> StatusChange {
    order
        .change_to(
            OrderStatus::Authorized,
            Actor::PaymentProvider,
            at(at_seconds),
            Some("approved".into()),
        )
        .unwrap()
        .with_payment(approved_payment())
}

/// `order` canceled, giving back its stock, promotion use and quote.
fn cancel(order: &Order, at_seconds: i64) -> StatusChange {
    order
        .change_to(OrderStatus::Canceled, Actor::System, at(at_seconds), None)
        .unwrap()
        .releasing(release(order, at(at_seconds)), order.promo_code.clone())
}

fn is_insufficient(r: &Result<Order, DomainError>, product: &ProductId) -> bool {
    matches!(r, Err(DomainError::InsufficientStock { product_id }) if product_id == product.as_str())
}

pub async fn create_reserves_stock_numbers_and_enqueues(s: Stores) {
    let w = World::new(s, &[5, 3]).await;
    let new = w.order(&[(0, 2), (1, 3)]).await;
    let created = w.s.orders.create(&new).await.unwrap();
    assert!(!created.number.is_empty(), "the store assigns a number");
    assert_eq!(
        created,
        Order {
            number: created.number.clone(),
            ..new.order.clone()
        }
    );
    assert_eq!(w.get(&new.order.id).await, created);
    assert_eq!(w.stocks().await, vec![3, 0]);
    assert_eq!(
        w.s.jobs.get(&new.job.id).await.unwrap(),
        Some(new.job.clone())
    );
    assert_eq!(w.all_orders(&OrderFilter::default()).await, vec![created]);
    assert_eq!(w.s.orders.get(&OrderId::new(new_id())).await.unwrap(), None);
}

pub async fn order_numbers_are_unique(s: Stores) {
    let w = World::new(s, &[100]).await;
    let mut numbers = Vec::new();
    for _ in 0..5 {
        let new = w.order(&[(0, 1)]).await;
        numbers.push(w.s.orders.create(&new).await.unwrap().number);
    }
    assert!(numbers.iter().all(|n| !n.is_empty()));
    assert_unique(&numbers, Clone::clone);
}

/// A failed create leaves no trace: no stock moved on any line, no
/// promotion use, no idempotency key, no order, no job.
pub async fn insufficient_stock_changes_nothing(s: Stores) {
    let w = World::new(s, &[5, 1]).await;
    let promo = w.add_promotion(Some(5)).await;
    let new = with_idempotency(w.promoted(&promo, &[(0, 2), (1, 2)]).await, "key-1", "fp");
    let result = w.s.orders.create(&new).await;
    assert!(is_insufficient(&result, &w.products[1].id), "{result:?}");
    assert_eq!(w.stocks().await, vec![5, 1]);
    assert_eq!(w.uses(&promo).await, 0);
    assert_eq!(w.s.orders.get(&new.order.id).await.unwrap(), None);
    assert_eq!(
        w.s.orders
            .find_idempotency(&w.user.id, "key-1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(w.s.jobs.get(&new.job.id).await.unwrap(), None);
    assert!(w.all_orders(&OrderFilter::default()).await.is_empty());
    // The key was not burned: a satisfiable order may use it.
    let fits = with_idempotency(w.promoted(&promo, &[(0, 2), (1, 1)]).await, "key-1", "fp");
    w.s.orders.create(&fits).await.unwrap();
    assert_eq!(w.stocks().await, vec![3, 0]);
    assert_eq!(w.uses(&promo).await, 1);
}

/// There is no stock to reserve for a product that does not exist.
pub async fn missing_product_is_insufficient_stock(s: Stores) {
    let w = World::new(s, &[5]).await;
    let mut new = w.order(&[(0, 1)]).await;
    let ghost = ProductId::new(new_id());
    new.order.lines.push(shop_domain::order::OrderLine {
        product_id: ghost.clone(),
        ..new.order.lines[0].clone()
    });
    new.stock = reservation(&new.order);
    let result = w.s.orders.create(&new).await;
    assert!(is_insufficient(&result, &ghost), "{result:?}");
    assert_eq!(w.stocks().await, vec![5]);
    assert_eq!(w.s.orders.get(&new.order.id).await.unwrap(), None);
}

pub async fn concurrent_creates_never_oversell(s: Stores) {
    let w = World::new(s, &[10]).await;
    let mut orders = Vec::new();
    for _ in 0..50 {
        orders.push(w.order(&[(0, 1)]).await);
    }
    let results = concurrently(50, |i| {
        let (s, new) = (w.s.clone(), orders[i].clone());
        async move { s.orders.create(&new).await }
    })
    .await;
    let created: Vec<&Order> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(created.len(), 10);
    for r in &results {
        assert!(r.is_ok() || is_insufficient(r, &w.products[0].id), "{r:?}");
    }
    assert_unique(&created, |o| o.number.clone());
    assert_eq!(w.stock(0).await, 0);
    assert_eq!(w.all_orders(&OrderFilter::default()).await.len(), 10);
}

pub async fn idempotency_key_is_unique_per_user(s: Stores) {
    let w = World::new(s, &[10]).await;
    let first = with_idempotency(w.order(&[(0, 1)]).await, "same-key", "fp-1");
    w.s.orders.create(&first).await.unwrap();
    assert_eq!(
        w.s.orders
            .find_idempotency(&w.user.id, "same-key")
            .await
            .unwrap(),
        first.idempotency.clone()
    );
    assert_eq!(
        w.s.orders
            .find_idempotency(&w.user.id, "other-key")
            .await
            .unwrap(),
        None
    );
    let again = with_idempotency(w.order(&[(0, 2)]).await, "same-key", "fp-2");
    assert_eq!(
        w.s.orders.create(&again).await,
        Err(DomainError::IdempotencyKeyReused)
    );
    assert_eq!(w.stock(0).await, 9);
    assert_eq!(w.s.orders.get(&again.order.id).await.unwrap(), None);
    assert_eq!(w.s.jobs.get(&again.job.id).await.unwrap(), None);
    assert_eq!(
        w.s.orders
            .find_idempotency(&w.user.id, "same-key")
            .await
            .unwrap(),
        first.idempotency.clone()
    );
    // Keys are per user.
    let other = w.other_user().await;
    let theirs = with_idempotency(w.order_for(&other, &[(0, 1)]).await, "same-key", "fp-1");
    w.s.orders.create(&theirs).await.unwrap();
    assert_eq!(
        w.s.orders
            .find_idempotency(&other.id, "same-key")
            .await
            .unwrap(),
        theirs.idempotency.clone()
    );
}

pub async fn concurrent_creates_with_one_key_admit_exactly_one(s: Stores) {
    let w = World::new(s, &[100]).await;
    let mut orders = Vec::new();
    for _ in 0..10 {
        orders.push(with_idempotency(w.order(&[(0, 1)]).await, "race-key", "fp"));
    }
    let results = concurrently(10, |i| {
        let (s, new) = (w.s.clone(), orders[i].clone());
        async move { s.orders.create(&new).await }
    })
    .await;
    let winners: Vec<usize> = (0..10).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in &results {
        assert!(
            matches!(r, Ok(_) | Err(DomainError::IdempotencyKeyReused)),
            "{r:?}"
        );
    }
    assert_eq!(w.stock(0).await, 99);
    let record =
        w.s.orders
            .find_idempotency(&w.user.id, "race-key")
            .await
            .unwrap();
    assert_eq!(
        record.map(|r| r.order_id),
        Some(orders[winners[0]].order.id.clone())
    );
}

pub async fn promotion_is_redeemed_up_to_max_uses(s: Stores) {
    let w = World::new(s, &[10]).await;
    let limited = w.add_promotion(Some(2)).await;
    let unlimited = w.add_promotion(None).await;
    for expected in 1..=2 {
        let new = w.promoted(&limited, &[(0, 1)]).await;
        w.s.orders.create(&new).await.unwrap();
        assert_eq!(w.uses(&limited).await, expected);
    }
    let third = w.promoted(&limited, &[(0, 1)]).await;
    let result = w.s.orders.create(&third).await;
    assert!(
        matches!(&result, Err(DomainError::InvalidPromotion(m)) if m == "fully redeemed"),
        "{result:?}"
    );
    assert_eq!(w.uses(&limited).await, 2);
    assert_eq!(w.stock(0).await, 8);
    assert_eq!(w.s.orders.get(&third.order.id).await.unwrap(), None);
    for expected in 1..=3 {
        let new = w.promoted(&unlimited, &[(0, 1)]).await;
        w.s.orders.create(&new).await.unwrap();
        assert_eq!(w.uses(&unlimited).await, expected);
    }
    // An order without a code redeems nothing.
    let plain = w.order(&[(0, 1)]).await;
    w.s.orders.create(&plain).await.unwrap();
    assert_eq!(w.uses(&limited).await, 2);
    assert_eq!(w.uses(&unlimited).await, 3);
}

pub async fn concurrent_redemptions_respect_max_uses(s: Stores) {
    let w = World::new(s, &[100]).await;
    let promo = w.add_promotion(Some(3)).await;
    let mut orders = Vec::new();
    for _ in 0..10 {
        orders.push(w.promoted(&promo, &[(0, 1)]).await);
    }
    let results = concurrently(10, |i| {
        let (s, new) = (w.s.clone(), orders[i].clone());
        async move { s.orders.create(&new).await }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        3,
        "{results:?}"
    );
    for r in &results {
        assert!(
            matches!(r, Ok(_) | Err(DomainError::InvalidPromotion(_))),
            "{r:?}"
        );
    }
    assert_eq!(w.uses(&promo).await, 3);
    assert_eq!(w.stock(0).await, 97);
}

pub async fn transition_is_compare_and_set(s: Stores) {
    let w = World::new(s, &[5]).await;
    let new = w.order(&[(0, 2)]).await;
    let created = w.s.orders.create(&new).await.unwrap();
    let change = authorize(&created, 10);
    let moved = w.s.orders.transition(&created.id, &change).await.unwrap();
    let mut expected = created.clone();
    expected.status = OrderStatus::Authorized;
    expected.history.push(change.entry().clone());
    expected.payment = approved_payment();
    assert_eq!(moved, expected);
    assert_eq!(w.get(&created.id).await, expected);
    // From a state it is no longer in: refused, nothing changes.
    let refused =
        w.s.orders
            .transition(&created.id, &cancel(&created, 20))
            .await;
    assert_eq!(
        refused,
        Err(DomainError::InvalidOrderState {
            current: "authorized".into(),
            action: "transition",
        })
    );
    assert_eq!(w.get(&created.id).await, expected);
    assert_eq!(w.stock(0).await, 3);
    // No payment in the effects keeps it.
    let paid = expected
        .change_to(OrderStatus::Paid, Actor::System, at(30), None)
        .unwrap();
    let moved = w.s.orders.transition(&created.id, &paid).await.unwrap();
    assert_eq!(moved.status, OrderStatus::Paid);
    assert_eq!(moved.payment, approved_payment());
    assert_eq!(moved.history.len(), 3);
    assert_eq!(&moved.history[2], paid.entry());
    assert_eq!(w.stock(0).await, 3);
}

pub async fn concurrent_transitions_from_one_state_admit_exactly_one(s: Stores) {
    let w = World::new(s, &[5]).await;
    let new = w.order(&[(0, 2)]).await;
    let created = w.s.orders.create(&new).await.unwrap();
    let results = concurrently(10, |i| {
        let (s, id) = (w.s.clone(), created.id.clone());
        let change = if i % 2 == 0 {
            authorize(&created, i as i64)
        } else {
            cancel(&created, i as i64)
        };
        async move { s.orders.transition(&id, &change).await }
    })
    .await;
    let winners: Vec<&Order> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = winners[0].clone();
    for r in &results {
        assert!(
            matches!(r, Ok(_) | Err(DomainError::InvalidOrderState { .. })),
            "{r:?}"
        );
    }
    let stored = w.get(&created.id).await;
    assert_eq!(stored, winner);
    assert_eq!(stored.history.len(), 2);
    let expected_stock = if stored.status == OrderStatus::Canceled {
        5
    } else {
        3
    };
    assert_eq!(w.stock(0).await, expected_stock);
}

pub async fn transition_release_stock_gives_quantities_back(s: Stores) {
    let w = World::new(s, &[5, 5]).await;
    let new = w.order(&[(0, 2), (1, 3)]).await;
    let created = w.s.orders.create(&new).await.unwrap();
    assert_eq!(w.stocks().await, vec![3, 2]);
    // Someone else's order moves stock meanwhile; the release adds back.
    let other = w.order(&[(0, 1)]).await;
    let other = w.s.orders.create(&other).await.unwrap();
    w.s.orders
        .transition(&created.id, &cancel(&created, 10))
        .await
        .unwrap();
    assert_eq!(w.stocks().await, vec![4, 5]);
    // A transition without movements moves none.
    w.s.orders
        .transition(&other.id, &authorize(&other, 20))
        .await
        .unwrap();
    assert_eq!(w.stocks().await, vec![4, 5]);
}

/// Every unit an order holds or gives back is a movement in the product's
/// ledger, and the ledger sums to the stock.
pub async fn orders_write_their_stock_movements(s: Stores) {
    let w = World::new(s, &[5]).await;
    let product_id = w.products[0].id.clone();
    let placed = w.s.orders.create(&w.order(&[(0, 2)]).await).await.unwrap();
    let kept = w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap();
    w.s.orders
        .transition(&placed.id, &cancel(&placed, 10))
        .await
        .unwrap();
    let movements = super::catalog::all_movements(&w.s, &product_id).await;
    let mut mine: Vec<(i64, Option<OrderId>, Option<u32>)> = movements
        .iter()
        .map(|m| (m.delta, m.order_id.clone(), m.stock_after))
        .collect();
    mine.reverse();
    assert_eq!(
        mine,
        vec![
            (-2, Some(placed.id.clone()), Some(3)),
            (-1, Some(kept.id.clone()), Some(2)),
            (2, Some(placed.id.clone()), Some(4)),
        ]
    );
    assert_eq!(w.stock(0).await, 4);
    // The products were inserted without an opening movement: the ledger
    // holds the orders' changes to the stock of 5 they started with.
    assert_eq!(5 + movements.iter().map(|m| m.delta).sum::<i64>(), 4);
}

/// A quote becomes one live order: placing it again names that order, and
/// an order that ends canceled (or failed) gives its quote back.
pub async fn a_quote_is_spent_once_until_its_order_closes(s: Stores) {
    let w = World::new(s, &[10]).await;
    let first = w.order(&[(0, 1)]).await;
    let created = w.s.orders.create(&first).await.unwrap();
    let mut again = new_order(
        &w.user,
        &w.s.quotes
            .get(&first.order.quote_id)
            .await
            .unwrap()
            .unwrap(),
    );
    let result = w.s.orders.create(&again).await;
    assert_eq!(
        result,
        Err(DomainError::QuoteUsed {
            order_id: created.id.clone()
        })
    );
    assert_eq!(w.stock(0).await, 9, "the refused order reserved nothing");
    assert_eq!(w.s.orders.get(&again.order.id).await.unwrap(), None);
    // Concurrent placements of one quote: one wins.
    w.s.orders
        .transition(&created.id, &cancel(&created, 5))
        .await
        .unwrap();
    let mut racers = Vec::new();
    for _ in 0..8 {
        again = new_order(
            &w.user,
            &w.s.quotes
                .get(&first.order.quote_id)
                .await
                .unwrap()
                .unwrap(),
        );
        racers.push(again.clone());
    }
    let results = concurrently(8, |i| {
        let (s, new) = (w.s.clone(), racers[i].clone());
        async move { s.orders.create(&new).await }
    })
    .await;
    let winners: Vec<&Order> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in &results {
        match r {
            Ok(_) => {}
            Err(DomainError::QuoteUsed { order_id }) => assert_eq!(order_id, &winners[0].id),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(w.stock(0).await, 9);
}

/// A canceled or failed order gives its promotion use back, once.
pub async fn closing_an_order_returns_its_promotion_use(s: Stores) {
    let w = World::new(s, &[10]).await;
    let promo = w.add_promotion(Some(1)).await;
    let first =
        w.s.orders
            .create(&w.promoted(&promo, &[(0, 1)]).await)
            .await
            .unwrap();
    assert_eq!(w.uses(&promo).await, 1);
    let blocked =
        w.s.orders
            .create(&w.promoted(&promo, &[(0, 1)]).await)
            .await;
    assert!(
        matches!(blocked, Err(DomainError::InvalidPromotion(_))),
        "{blocked:?}"
    );
    w.s.orders
        .transition(&first.id, &cancel(&first, 10))
        .await
        .unwrap();
    assert_eq!(w.uses(&promo).await, 0);
    // The transition ran once: a second attempt is refused and returns nothing.
    let twice = w.s.orders.transition(&first.id, &cancel(&first, 11)).await;
    assert!(
        matches!(twice, Err(DomainError::InvalidOrderState { .. })),
        "{twice:?}"
    );
    assert_eq!(w.uses(&promo).await, 0);
    w.s.orders
        .create(&w.promoted(&promo, &[(0, 1)]).await)
        .await
        .unwrap();
    assert_eq!(w.uses(&promo).await, 1);
}

/// Orders placed, orders canceled and admins' adjustments, all at once:
/// stock never goes below zero and the product's ledger sums to its stock.
pub async fn the_ledger_sums_to_the_stock_under_a_concurrent_mix(s: Stores) {
    let w = World::new(s, &[]).await;
    let p = product(&unique("MIX-"), "Mixed", 20);
    let opening = shop_domain::catalog::StockMovement {
        kind: shop_domain::catalog::StockMovementKind::Initial,
        ..super::catalog::adjustment(&p.id, 20, 0)
    };
    w.s.catalog
        .insert_product(&p, Some(&opening), &[])
        .await
        .unwrap();
    let w = World {
        products: vec![p.clone()],
        ..w
    };
    let mut placed = Vec::new();
    for _ in 0..8 {
        placed.push(w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap());
    }
    let mut fresh = Vec::new();
    for i in 0..16 {
        fresh.push(w.order(&[(0, 1 + (i % 2))]).await);
    }
    enum Op {
        Place(Box<NewOrder>),
        Cancel(Box<Order>),
        Adjust(i64),
    }
    let mut ops: Vec<Op> = Vec::new();
    for (i, new) in fresh.into_iter().enumerate() {
        ops.push(Op::Place(Box::new(new)));
        if let Some(order) = placed.get(i) {
            ops.push(Op::Cancel(Box::new(order.clone())));
        }
        if i % 2 == 0 {
            ops.push(Op::Adjust(if i % 4 == 0 { 3 } else { -2 }));
        }
    }
    let ops = std::sync::Arc::new(std::sync::Mutex::new(
        ops.into_iter().map(Some).collect::<Vec<_>>(),
    ));
    let n = ops.lock().unwrap().len();
    let results = concurrently(n, |i| {
        let s = w.s.clone();
        let op = ops.lock().unwrap()[i].take().expect("each op once");
        let id = p.id.clone();
        async move {
            match op {
                Op::Place(new) => s.orders.create(&new).await.map(|_| ()),
                Op::Cancel(order) => s
                    .orders
                    .transition(&order.id, &cancel(&order, 60))
                    .await
                    .map(|_| ()),
                Op::Adjust(delta) => s
                    .catalog
                    .adjust_stock(&super::catalog::adjustment(&id, delta, 60), &[])
                    .await
                    .map(|_| ()),
            }
        }
    })
    .await;
    for r in &results {
        assert!(
            matches!(r, Ok(()) | Err(DomainError::InsufficientStock { .. })),
            "{r:?}"
        );
    }
    let stock = w.stock(0).await;
    let movements = super::catalog::all_movements(&w.s, &p.id).await;
    assert_eq!(
        movements.iter().map(|m| m.delta).sum::<i64>(),
        i64::from(stock)
    );
    assert!(movements.iter().all(|m| m.stock_after.is_some()));
    // Each placed order holds what its movements say, each canceled one
    // gave it back.
    let open: i64 = w
        .all_orders(&OrderFilter {
            status: Some(OrderStatus::PendingPayment),
            user_id: None,
        })
        .await
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| i64::from(l.quantity)))
        .sum();
    let adjusted: i64 = movements
        .iter()
        .filter(|m| m.kind == shop_domain::catalog::StockMovementKind::Adjustment)
        .map(|m| m.delta)
        .sum();
    assert_eq!(20 + adjusted - open, i64::from(stock));
}

pub async fn transition_wake_job_makes_the_job_due(s: Stores) {
    let w = World::new(s, &[5]).await;
    let sleeper = w.order(&[(0, 1)]).await;
    let woken = w.order(&[(0, 1)]).await;
    let sleeper_order = w.s.orders.create(&sleeper).await.unwrap();
    let woken_order = w.s.orders.create(&woken).await.unwrap();
    let lease = Duration::seconds(60);
    assert_eq!(w.s.jobs.claim(at(10), lease, "early").await.unwrap(), None);
    w.s.orders
        .transition(&sleeper.order.id, &authorize(&sleeper_order, 10))
        .await
        .unwrap();
    w.s.orders
        .transition(
            &woken.order.id,
            &authorize(&woken_order, 10).waking_the_job(),
        )
        .await
        .unwrap();
    let job =
        w.s.jobs
            .get(&woken.job.id)
            .await
            .unwrap()
            .expect("job exists");
    assert!(job.run_after <= at(10), "{job:?}");
    let claim = w.s.jobs.claim(at(10), lease, "worker").await.unwrap();
    assert_eq!(claim.map(|c| c.job.id), Some(woken.job.id.clone()));
    assert_eq!(
        w.s.jobs.claim(at(10), lease, "worker-2").await.unwrap(),
        None
    );
}

pub async fn transition_of_a_missing_order_is_not_found(s: Stores) {
    let w = World::new(s, &[5]).await;
    let created = w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap();
    let ghost = OrderId::new(new_id());
    let r = w.s.orders.transition(&ghost, &cancel(&created, 1)).await;
    assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
    let note = created.history[0].clone();
    let r = w.s.orders.add_note(&ghost, &note).await;
    assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
    assert_eq!(w.stock(0).await, 4);
}

/// `add_note` appends to the history and changes nothing else, the status
/// least of all.
pub async fn add_note_appends_only(s: Stores) {
    let w = World::new(s, &[5]).await;
    let new = w.order(&[(0, 1)]).await;
    let created = w.s.orders.create(&new).await.unwrap();
    let mut expected = created.clone();
    let note = HistoryEntry {
        status: OrderStatus::Authorized,
        at: at(30),
        by: Actor::System,
        note: Some("finalization gave up: capture failed".into()),
    };
    w.s.orders.add_note(&created.id, &note).await.unwrap();
    expected.history.push(note.clone());
    assert_eq!(w.get(&created.id).await, expected);
    assert_eq!(expected.status, created.status, "a note moves nothing");
    let again = HistoryEntry {
        at: at(31),
        note: Some("second note".into()),
        ..note
    };
    w.s.orders.add_note(&created.id, &again).await.unwrap();
    expected.history.push(again);
    assert_eq!(w.get(&created.id).await, expected);
}

/// An alert is raised once (with its note and mails). A change that keeps
/// the order open keeps it up (a checkout's authorization committing after
/// the finalization was buried must not hide the dead job); closing the
/// order or a clear takes it down.
pub async fn alerts_are_raised_once_and_cleared(s: Stores) {
    let w = World::new(s, &[5]).await;
    let created = w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap();
    let alert = OrderAlert {
        at: at(40),
        reason: "capture failing".into(),
    };
    let note = HistoryEntry {
        status: created.status,
        at: at(40),
        by: Actor::System,
        note: Some("admins alerted: capture failing".into()),
    };
    let alert_mail = mail("order-alert");
    assert!(
        w.s.orders
            .raise_alert(
                &created.id,
                &alert,
                &note,
                std::slice::from_ref(&alert_mail)
            )
            .await
            .unwrap()
    );
    let raised = w.get(&created.id).await;
    assert_eq!(raised.alert, Some(alert.clone()));
    assert_eq!(raised.history.last(), Some(&note));
    assert!(
        w.s.outbox
            .get(&alert_mail.message_id)
            .await
            .unwrap()
            .is_some()
    );
    // Raised again while up: nothing written.
    let second_mail = mail("order-alert");
    assert!(
        !w.s.orders
            .raise_alert(
                &created.id,
                &alert,
                &note,
                std::slice::from_ref(&second_mail)
            )
            .await
            .unwrap()
    );
    assert_eq!(w.get(&created.id).await.history.len(), raised.history.len());
    assert!(
        w.s.outbox
            .get(&second_mail.message_id)
            .await
            .unwrap()
            .is_none()
    );
    // The order stays open: the alert stays up.
    let moved =
        w.s.orders
            .transition(&created.id, &authorize(&raised, 50))
            .await
            .unwrap();
    assert_eq!(moved.alert, Some(alert.clone()));
    // Closed: nothing is left to attend to.
    let paid = moved
        .change_to(OrderStatus::Paid, Actor::PaymentProvider, at(60), None)
        .unwrap();
    let closed = w.s.orders.transition(&created.id, &paid).await.unwrap();
    assert_eq!(closed.alert, None);
    assert_eq!(w.get(&created.id).await.alert, None);
    assert!(
        w.s.orders
            .raise_alert(&created.id, &alert, &note, &[])
            .await
            .unwrap()
    );
    let ghost = OrderId::new(new_id());
    let r = w.s.orders.raise_alert(&ghost, &alert, &note, &[]).await;
    assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
}

/// An admin's retry: the finished job runs again as its next generation,
/// the alert is cleared, the note appended and the audit entry written,
/// all at once; a missing job is inserted; a missing order writes nothing.
pub async fn requeue_finalization_requeues_clears_the_alert_and_audits(s: Stores) {
    let w = World::new(s, &[5]).await;
    let new = w.order(&[(0, 1)]).await;
    let created = w.s.orders.create(&new).await.unwrap();
    let claim =
        w.s.jobs
            .claim(at(200), Duration::seconds(60), "worker-1")
            .await
            .unwrap()
            .expect("the order's job is due");
    assert_eq!(claim.job.id, new.job.id);
    w.s.jobs
        .bury(&claim, "capture keeps failing")
        .await
        .unwrap();
    let alert = OrderAlert {
        at: at(210),
        reason: "capture failing".into(),
    };
    let alert_note = HistoryEntry {
        status: created.status,
        at: at(210),
        by: Actor::System,
        note: Some("admins alerted".into()),
    };
    assert!(
        w.s.orders
            .raise_alert(&created.id, &alert, &alert_note, &[])
            .await
            .unwrap()
    );
    let admin = UserId::new(new_id());
    let note = HistoryEntry {
        status: created.status,
        at: at(300),
        by: Actor::User(admin.clone()),
        note: Some("requeued".into()),
    };
    let entry = entry_on(
        &admin,
        AuditAction::OrderRetryFinalization,
        "order",
        created.id.as_str(),
    );
    let fresh = Job::finalize_order(&created.id, at(300));
    let job =
        w.s.orders
            .requeue_finalization(&created.id, &fresh, &note, std::slice::from_ref(&entry))
            .await
            .unwrap();
    assert_eq!(
        (job.state, job.run_after, job.attempts, job.generation),
        (JobState::Queued, at(300), 0, 1)
    );
    assert_eq!(w.s.jobs.get(&new.job.id).await.unwrap(), Some(job));
    let requeued = w.get(&created.id).await;
    assert_eq!(requeued.alert, None);
    assert_eq!(requeued.history.last(), Some(&note));
    assert_eq!(trail(&w.s).await, vec![entry.clone()]);

    // A job that went missing is inserted as given.
    let other = w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap();
    let stray = Job {
        id: JobId::new(new_id()),
        ..Job::finalize_order(&other.id, at(310))
    };
    let second = entry_on(
        &admin,
        AuditAction::OrderRetryFinalization,
        "order",
        other.id.as_str(),
    );
    let inserted =
        w.s.orders
            .requeue_finalization(
                &other.id,
                &stray,
                &HistoryEntry {
                    at: at(310),
                    ..note.clone()
                },
                std::slice::from_ref(&second),
            )
            .await
            .unwrap();
    assert_eq!(inserted, stray);
    assert_eq!(w.s.jobs.get(&stray.id).await.unwrap(), Some(stray));

    // A missing order: nothing written, no job, no entry.
    let ghost = OrderId::new(new_id());
    let ghost_job = Job::finalize_order(&ghost, at(320));
    let refused = entry_on(
        &admin,
        AuditAction::OrderRetryFinalization,
        "order",
        ghost.as_str(),
    );
    let r =
        w.s.orders
            .requeue_finalization(&ghost, &ghost_job, &note, &[refused])
            .await;
    assert!(matches!(r, Err(DomainError::NotFound(_))), "{r:?}");
    assert_eq!(w.s.jobs.get(&ghost_job.id).await.unwrap(), None);
    assert_eq!(trail(&w.s).await, vec![second, entry]);
}

/// `list_in` gives the orders in the given states, oldest first, up to the
/// limit.
pub async fn list_in_finds_orders_by_state_oldest_first(s: Stores) {
    let w = World::new(s, &[10]).await;
    let mut created = Vec::new();
    for _ in 0..4 {
        created.push(w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap());
    }
    w.s.orders
        .transition(&created[1].id, &authorize(&created[1], 5))
        .await
        .unwrap();
    w.s.orders
        .transition(&created[2].id, &cancel(&created[2], 5))
        .await
        .unwrap();
    let ids = |v: Vec<Order>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(
        ids(w.s.orders.list_in(&OrderStatus::OPEN, 10).await.unwrap()),
        vec![
            created[0].id.clone(),
            created[1].id.clone(),
            created[3].id.clone()
        ]
    );
    assert_eq!(
        ids(w.s.orders.list_in(&OrderStatus::OPEN, 2).await.unwrap()),
        vec![created[0].id.clone(), created[1].id.clone()]
    );
    assert_eq!(
        ids(w
            .s
            .orders
            .list_in(&[OrderStatus::Canceled], 10)
            .await
            .unwrap()),
        vec![created[2].id.clone()]
    );
    assert!(w.s.orders.list_in(&[], 10).await.unwrap().is_empty());
}

pub async fn find_by_payment_id_finds_the_paying_order(s: Stores) {
    let w = World::new(s, &[5]).await;
    let first = w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap();
    let second = w.s.orders.create(&w.order(&[(0, 1)]).await).await.unwrap();
    let payment_id = unique("pay-");
    let change = second
        .change_to(OrderStatus::Authorized, Actor::PaymentProvider, at(5), None)
        .unwrap()
        .with_payment(PaymentInfo {
            payment_id: Some(payment_id.clone()),
            ..approved_payment()
        });
    w.s.orders.transition(&second.id, &change).await.unwrap();
    let found = w.s.orders.find_by_payment_id(&payment_id).await.unwrap();
    assert_eq!(found, Some(w.get(&second.id).await));
    assert_ne!(found.map(|o| o.id), Some(first.id));
    assert_eq!(
        w.s.orders
            .find_by_payment_id(&unique("pay-none-"))
            .await
            .unwrap(),
        None
    );
}

pub async fn payment_events_are_remembered_once(s: Stores) {
    let event = unique("evt-");
    assert!(!s.payment_events.seen(&event).await.unwrap());
    s.payment_events.remember(&event, at(0)).await.unwrap();
    assert!(s.payment_events.seen(&event).await.unwrap());
    // Remembering it again (a concurrent redelivery) changes nothing.
    s.payment_events.remember(&event, at(60)).await.unwrap();
    assert!(s.payment_events.seen(&event).await.unwrap());
    assert!(!s.payment_events.seen(&unique("evt-")).await.unwrap());
}

pub async fn list_is_newest_first_and_filters(s: Stores) {
    let w = World::new(s, &[50]).await;
    let other = w.other_user().await;
    let o1 = w.order(&[(0, 1)]).await;
    let o2 = w.order_for(&other, &[(0, 1)]).await;
    let o3 = w.order(&[(0, 1)]).await;
    let mut created = Vec::new();
    for o in [&o1, &o2, &o3] {
        created.push(w.s.orders.create(o).await.unwrap());
    }
    w.s.orders
        .transition(&o2.order.id, &cancel(&created[1], 5))
        .await
        .unwrap();
    let ids = |v: Vec<Order>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    let filter = |status, user: Option<&User>| OrderFilter {
        status,
        user_id: user.map(|u| u.id.clone()),
    };
    assert_eq!(
        ids(w.all_orders(&filter(None, None)).await),
        vec![
            o3.order.id.clone(),
            o2.order.id.clone(),
            o1.order.id.clone()
        ]
    );
    assert_eq!(
        ids(w.all_orders(&filter(None, Some(&w.user))).await),
        vec![o3.order.id.clone(), o1.order.id.clone()]
    );
    assert_eq!(
        ids(w
            .all_orders(&filter(Some(OrderStatus::Canceled), None))
            .await),
        vec![o2.order.id.clone()]
    );
    assert_eq!(
        ids(w
            .all_orders(&filter(Some(OrderStatus::PendingPayment), Some(&w.user)))
            .await),
        vec![o3.order.id.clone(), o1.order.id.clone()]
    );
    assert!(
        w.all_orders(&filter(Some(OrderStatus::PendingPayment), Some(&other)))
            .await
            .is_empty()
    );
}

pub async fn list_paginates_without_gaps_or_duplicates(s: Stores) {
    let w = World::new(s, &[100]).await;
    let mut created = Vec::new();
    for _ in 0..23 {
        let new = w.order(&[(0, 1)]).await;
        w.s.orders.create(&new).await.unwrap();
        created.push(new.order.id);
    }
    created.reverse();
    for limit in [1, 6, 23, 50] {
        let got = flatten_pages(limit, |p| {
            let s = w.s.clone();
            async move { s.orders.list(&OrderFilter::default(), &p).await }
        })
        .await;
        assert_unique(&got, |o| o.id.clone());
        let ids: Vec<OrderId> = got.into_iter().map(|o| o.id).collect();
        assert_eq!(ids, created, "limit {limit}");
    }
}
