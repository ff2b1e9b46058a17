//! `OrderStore`.

use shop_domain::account::AccountStore;
use shop_domain::catalog::CatalogStore;
use shop_domain::ids::{OrderId, ProductId};
use shop_domain::jobs::{JobQueue, JobState};
use shop_domain::order::{
    Actor, HistoryEntry, Order, OrderFilter, OrderStatus, OrderStore, PaymentInfo, PaymentProvider,
    PaymentState, StatusChange,
};
use shop_domain::pricing::{PromotionStore, QuoteStore};
use shop_domain::{DomainError, Money};
use shop_sql::SqlStore;
use shop_testkit::fixtures::{
    at, customer, fresh_quote, fresh_quotes, new_id, new_order, product, promotion, quote, release,
    shop_with, unique, with_idempotency,
};

use crate::{all_pages, concurrently};

/// As wide as a real request fingerprint (SHA-256 in hex): the column must
/// hold it.
const FINGERPRINT: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

async fn stock(s: &SqlStore, id: &ProductId) -> u32 {
    s.get_product(id).await.unwrap().unwrap().stock
}

pub async fn create_reserves_numbers_and_enqueues_atomically(s: SqlStore) {
    let (u, p, q) = shop_with(&s, 10, 3).await;
    let second = product(&unique("S-"), "Spanner", 5);
    s.insert_product(&second, None, &[]).await.unwrap();
    // Two lines of one product and one of another.
    let mut q2 = quote(&u.id, &[(&p, 2), (&second, 1), (&p, 1)]);
    q2.id = shop_domain::ids::QuoteId::new(new_id());
    QuoteStore::insert(&s, &q2).await.unwrap();

    let new = new_order(&u, &q);
    let created = s.create(&new).await.unwrap();
    assert!(created.number.starts_with("SO-"), "{}", created.number);
    assert_eq!(created.number.len(), 9);
    assert_eq!(
        created,
        shop_domain::order::Order {
            number: created.number.clone(),
            ..new.order.clone()
        }
    );
    assert_eq!(
        OrderStore::get(&s, &new.order.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(stock(&s, &p.id).await, 7);
    assert_eq!(
        JobQueue::get(&s, &new.job.id).await.unwrap(),
        Some(new.job.clone())
    );

    let other = s.create(&new_order(&u, &q2)).await.unwrap();
    assert_ne!(other.number, created.number);
    assert_eq!(stock(&s, &p.id).await, 4);
    assert_eq!(stock(&s, &second.id).await, 4);
    assert_eq!(other.lines.len(), 3);

    // The same order id again is refused, and reserves nothing.
    assert_eq!(
        s.create(&new).await,
        Err(DomainError::AlreadyExists("order"))
    );
    assert_eq!(stock(&s, &p.id).await, 4);
}

pub async fn refusals_roll_everything_back(s: SqlStore) {
    let (u, p, q) = shop_with(&s, 2, 3).await;
    let code = unique("PROMO").to_uppercase();
    PromotionStore::insert(&s, &promotion(&code, Some(5)), &[])
        .await
        .unwrap();
    let mut new = with_idempotency(new_order(&u, &q), "key-1", FINGERPRINT);
    new.order.promo_code = Some(code.clone());
    assert_eq!(
        s.create(&new).await,
        Err(DomainError::InsufficientStock {
            product_id: p.id.to_string()
        })
    );
    assert_eq!(OrderStore::get(&s, &new.order.id).await.unwrap(), None);
    assert_eq!(s.find_idempotency(&u.id, "key-1").await.unwrap(), None);
    assert_eq!(JobQueue::get(&s, &new.job.id).await.unwrap(), None);
    assert_eq!(s.get_by_code(&code).await.unwrap().unwrap().uses, 0);
    assert_eq!(stock(&s, &p.id).await, 2);

    // A product that does not exist has no stock to reserve.
    let ghost = product(&unique("G-"), "Ghost", 5);
    let gq = quote(&u.id, &[(&ghost, 1)]);
    QuoteStore::insert(&s, &gq).await.unwrap();
    assert!(matches!(
        s.create(&new_order(&u, &gq)).await,
        Err(DomainError::InsufficientStock { .. })
    ));

    // An unknown promotion is refused; nothing is reserved.
    let (u2, p2, q2) = shop_with(&s, 5, 1).await;
    let mut unknown = new_order(&u2, &q2);
    unknown.order.promo_code = Some("NOPE".into());
    assert!(matches!(
        s.create(&unknown).await,
        Err(DomainError::InvalidPromotion(_))
    ));
    assert_eq!(stock(&s, &p2.id).await, 5);

    // A duplicate job id is refused as a whole.
    let first = s.create(&new_order(&u2, &q2)).await.unwrap();
    let mut dup_job = new_order(&u2, &fresh_quote(&s, &q2).await);
    dup_job.job = JobQueue::get(
        &s,
        &shop_domain::ids::JobId::new(format!("finalize-{}", first.id)),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        s.create(&dup_job).await,
        Err(DomainError::AlreadyExists("job"))
    );
    assert_eq!(stock(&s, &p2.id).await, 4);
}

pub async fn idempotency_keys_are_unique_per_user(s: SqlStore) {
    let (u, p, q) = shop_with(&s, 100, 1).await;
    let first = with_idempotency(new_order(&u, &q), "K", FINGERPRINT);
    s.create(&first).await.unwrap();
    let record = s.find_idempotency(&u.id, "K").await.unwrap().unwrap();
    assert_eq!(record.order_id, first.order.id);
    assert_eq!(
        s.create(&with_idempotency(new_order(&u, &q), "K", FINGERPRINT))
            .await,
        Err(DomainError::IdempotencyKeyReused)
    );
    // Keys are case-sensitive and per user.
    s.create(&with_idempotency(
        new_order(&u, &fresh_quote(&s, &q).await),
        "k",
        FINGERPRINT,
    ))
    .await
    .unwrap();
    let other = customer();
    AccountStore::insert(&s, &other).await.unwrap();
    s.create(&with_idempotency(
        new_order(&other, &fresh_quote(&s, &q).await),
        "K",
        FINGERPRINT,
    ))
    .await
    .unwrap();
    assert_eq!(stock(&s, &p.id).await, 97);

    // Twenty concurrent placements with one key, against a stock of one:
    // one order, and every other request told the key was used.
    let (u, p, q) = shop_with(&s, 1, 1).await;
    let results = concurrently(20, |_| {
        let (s, new) = (
            s.clone(),
            with_idempotency(new_order(&u, &q), "same", FINGERPRINT),
        );
        async move { s.create(&new).await }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || r == &Err(DomainError::IdempotencyKeyReused)),
        "{results:?}"
    );
    assert_eq!(stock(&s, &p.id).await, 0);
}

pub async fn promotions_are_redeemed_up_to_max_uses(s: SqlStore) {
    let (u, _, q) = shop_with(&s, 100, 1).await;
    let code = unique("MAX").to_uppercase();
    PromotionStore::insert(&s, &promotion(&code, Some(5)), &[])
        .await
        .unwrap();
    let quotes = fresh_quotes(&s, &q, 12).await;
    let results = concurrently(12, |i| {
        let mut new = new_order(&u, &quotes[i]);
        new.order.promo_code = Some(code.to_lowercase());
        let s = s.clone();
        async move { s.create(&new).await }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        5,
        "{results:?}"
    );
    assert!(results.iter().all(|r| match r {
        Ok(_) => true,
        Err(DomainError::InvalidPromotion(why)) => why == "fully redeemed",
        Err(_) => false,
    }));
    assert_eq!(s.get_by_code(&code).await.unwrap().unwrap().uses, 5);
}

fn change(order: &Order, status: OrderStatus, seconds: i64) -> StatusChange {
    order
        .change_to(
            status,
            Actor::System,
            at(seconds),
            Some(format!("to {}", status.as_str())),
        )
        .unwrap()
}

pub async fn transitions_compare_and_set_with_effects(s: SqlStore) {
    let (u, p, q) = shop_with(&s, 10, 4).await;
    let new = new_order(&u, &q);
    let created = s.create(&new).await.unwrap();
    assert_eq!(stock(&s, &p.id).await, 6);

    let authorized = PaymentInfo {
        provider: PaymentProvider::Square,
        payment_id: Some("pay_1".into()),
        status: PaymentState::Approved,
        failure_code: None,
        authorization_expires_at: Some(at(7 * 86_400)),
    };
    let to_authorized = change(&created, OrderStatus::Authorized, 10)
        .with_payment(authorized.clone())
        .waking_the_job();
    let order = s.transition(&new.order.id, &to_authorized).await.unwrap();
    assert_eq!(order.status, OrderStatus::Authorized);
    assert_eq!(order.payment, authorized);
    assert_eq!(order.history.len(), 2);
    assert_eq!(&order.history[1], to_authorized.entry());
    let job = JobQueue::get(&s, &new.job.id).await.unwrap().unwrap();
    assert_eq!((job.state, job.run_after), (JobState::Queued, at(10)));
    assert_eq!(
        OrderStore::get(&s, &new.order.id).await.unwrap(),
        Some(order.clone())
    );

    // From a state the order is no longer in: refused, nothing changes.
    assert_eq!(
        s.transition(&new.order.id, &change(&created, OrderStatus::Canceled, 20))
            .await,
        Err(DomainError::InvalidOrderState {
            current: "authorized".into(),
            action: "transition"
        })
    );
    assert_eq!(
        s.transition(
            &OrderId::new(new_id()),
            &change(&order, OrderStatus::Canceled, 20)
        )
        .await,
        Err(DomainError::NotFound("order"))
    );

    // Ten concurrent cancellations: one wins, the stock comes back once.
    let results = concurrently(10, |i| {
        let (s, id) = (s.clone(), new.order.id.clone());
        let cancel = change(&order, OrderStatus::Canceled, 30 + i as i64)
            .releasing(release(&order, at(30)), None);
        async move { s.transition(&id, &cancel).await }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert_eq!(stock(&s, &p.id).await, 10);
    let order = OrderStore::get(&s, &new.order.id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Canceled);
    assert_eq!(order.history.len(), 3);

    // Notes.
    let note = HistoryEntry {
        note: Some("capture gave up".into()),
        ..order.history[2].clone()
    };
    s.add_note(&new.order.id, &note).await.unwrap();
    let order = OrderStore::get(&s, &new.order.id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Canceled);
    assert_eq!(order.history.len(), 4);
    assert_eq!(order.history[3], note);
    let ghost = OrderId::new(new_id());
    assert_eq!(
        s.add_note(&ghost, &note).await,
        Err(DomainError::NotFound("order"))
    );
}

pub async fn orders_list_newest_first_filtered_and_paged(s: SqlStore) {
    let (u, _, q) = shop_with(&s, 100, 1).await;
    let other = customer();
    AccountStore::insert(&s, &other).await.unwrap();
    let mut mine = Vec::new();
    for i in 0..9 {
        let buyer = if i % 3 == 0 { &other } else { &u };
        let o = s
            .create(&new_order(buyer, &fresh_quote(&s, &q).await))
            .await
            .unwrap();
        if i % 3 != 0 {
            mine.push(o.id.clone());
        }
        if i == 4 {
            s.transition(&o.id, &change(&o, OrderStatus::Canceled, 1))
                .await
                .unwrap();
        }
    }
    mine.reverse();
    let filter = OrderFilter {
        status: None,
        user_id: Some(u.id.clone()),
    };
    for limit in [1, 2, 6, 7] {
        let got: Vec<OrderId> = all_pages(limit, |p| {
            let (s, f) = (s.clone(), filter.clone());
            async move { OrderStore::list(&s, &f, &p).await }
        })
        .await
        .into_iter()
        .map(|o| {
            assert_eq!(o.lines.len(), 1);
            assert_eq!(
                o.history.len(),
                if o.status == OrderStatus::Canceled {
                    2
                } else {
                    1
                }
            );
            o.id
        })
        .collect();
        assert_eq!(got, mine, "limit {limit}");
    }
    let canceled = OrderFilter {
        status: Some(OrderStatus::Canceled),
        user_id: None,
    };
    let page = OrderStore::list(&s, &canceled, &shop_domain::PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_cursor, None);
}

/// The bar: 50 concurrent placements against a stock of 10 give
/// exactly 10 orders and a stock of 0.
pub async fn fifty_concurrent_placements_against_stock_ten(s: SqlStore) {
    let (u, p, q) = shop_with(&s, 10, 1).await;
    let quotes = fresh_quotes(&s, &q, 50).await;
    let results = concurrently(50, |i| {
        let (s, new) = (s.clone(), new_order(&u, &quotes[i]));
        async move { s.create(&new).await }
    })
    .await;
    let placed: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(placed.len(), 10, "{results:?}");
    for r in &results {
        assert!(
            matches!(r, Ok(_) | Err(DomainError::InsufficientStock { .. })),
            "{r:?}"
        );
    }
    let mut numbers: Vec<_> = placed.iter().map(|o| o.number.clone()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 10, "order numbers are unique");
    assert_eq!(stock(&s, &p.id).await, 0);
    let listed = all_pages(100, |p| {
        let s = s.clone();
        async move { OrderStore::list(&s, &OrderFilter::default(), &p).await }
    })
    .await;
    assert_eq!(listed.len(), 10);
    let price = Money::new(p.price.amount, p.price.currency.clone());
    assert!(listed.iter().all(|o| o.total == price.amount));
}
