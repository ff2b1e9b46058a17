//! `CatalogStore`.

use shop_domain::DomainError;
use shop_domain::catalog::{Product, ProductFilter, StockMovement, StockMovementKind};
use shop_domain::ids::UserId;
use shop_domain::ids::{CategoryId, ProductId, StockMovementId};
use shop_domain::order::Actor;

use super::{assert_unique, concurrently};
use crate::fixtures::{at, category, dollars, new_id, product, unique, usd};
use crate::{Stores, flatten_pages};

/// Every movement of a product, newest first, through the paged listing.
pub(crate) async fn all_movements(s: &Stores, product_id: &ProductId) -> Vec<StockMovement> {
    flatten_pages(7, |p| {
        let (s, id) = (s.clone(), product_id.clone());
        async move { s.catalog.stock_movements(&id, &p).await }
    })
    .await
}

/// An admin's adjustment of `delta` units.
pub(crate) fn adjustment(product_id: &ProductId, delta: i64, at_seconds: i64) -> StockMovement {
    StockMovement {
        id: StockMovementId::new(new_id()),
        product_id: product_id.clone(),
        delta,
        kind: StockMovementKind::Adjustment,
        reason: Some(format!("counted {delta}")),
        order_id: None,
        by: Actor::User(UserId::new("admin-1")),
        at: at(at_seconds),
        stock_after: None,
    }
}

fn opening(product: &Product) -> StockMovement {
    StockMovement {
        kind: StockMovementKind::Initial,
        reason: None,
        ..adjustment(&product.id, i64::from(product.stock), 0)
    }
}

async fn listed(s: &Stores, filter: &ProductFilter, limit: u32) -> Vec<Product> {
    flatten_pages(limit, |p| {
        let (s, f) = (s.clone(), filter.clone());
        async move { s.catalog.list_products(&f, &p).await }
    })
    .await
}

fn ids(products: &[Product]) -> Vec<ProductId> {
    products.iter().map(|p| p.id.clone()).collect()
}

pub async fn categories_round_trip_and_slug_is_unique(s: Stores) {
    let tools = category(&unique("tools-"), "Tools");
    let art = category(&unique("art-"), "Art");
    s.catalog.insert_category(&tools, &[]).await.unwrap();
    s.catalog.insert_category(&art, &[]).await.unwrap();
    assert_eq!(
        s.catalog.get_category(&tools.id).await.unwrap(),
        Some(tools.clone())
    );
    let ghost = CategoryId::new(new_id());
    assert_eq!(s.catalog.get_category(&ghost).await.unwrap(), None);
    let mut listed = s.catalog.list_categories().await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![tools.clone(), art]);
    let twin = category(&tools.slug, "Other Tools");
    assert!(
        matches!(
            s.catalog.insert_category(&twin, &[]).await,
            Err(DomainError::AlreadyExists(_))
        ),
        "a taken slug must be refused"
    );
    assert_eq!(s.catalog.get_category(&twin.id).await.unwrap(), None);
}

pub async fn products_round_trip_and_sku_is_unique(s: Stores) {
    let cat = category(&unique("c-"), "Hardware");
    s.catalog.insert_category(&cat, &[]).await.unwrap();
    let widget = Product {
        category_id: Some(cat.id.clone()),
        ..product(&unique("W-"), "Widget", 7)
    };
    s.catalog.insert_product(&widget, None, &[]).await.unwrap();
    assert_eq!(
        s.catalog.get_product(&widget.id).await.unwrap(),
        Some(widget.clone())
    );
    let ghost = ProductId::new(new_id());
    assert_eq!(s.catalog.get_product(&ghost).await.unwrap(), None);
    let twin = product(&widget.sku, "Widget Copy", 1);
    assert!(
        matches!(
            s.catalog.insert_product(&twin, None, &[]).await,
            Err(DomainError::AlreadyExists(_))
        ),
        "a taken sku must be refused"
    );
    assert_eq!(s.catalog.get_product(&twin.id).await.unwrap(), None);
}

pub async fn get_products_returns_the_existing_ones(s: Stores) {
    let a = product(&unique("A-"), "Alpha", 1);
    let b = product(&unique("B-"), "Beta", 2);
    let c = product(&unique("C-"), "Gamma", 3);
    for p in [&a, &b, &c] {
        s.catalog.insert_product(p, None, &[]).await.unwrap();
    }
    let ghost = ProductId::new(new_id());
    let mut got = s
        .catalog
        .get_products(&[c.id.clone(), ghost, a.id.clone()])
        .await
        .unwrap();
    got.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(got, vec![a, c]);
    assert!(s.catalog.get_products(&[]).await.unwrap().is_empty());
}

/// A stale copy must never overwrite stock moved by reservations.
pub async fn update_product_never_touches_stock_sku_or_created_at(s: Stores) {
    let cat = category(&unique("c-"), "Garden");
    s.catalog.insert_category(&cat, &[]).await.unwrap();
    let original = product(&unique("P-"), "Rake", 10);
    s.catalog
        .insert_product(&original, None, &[])
        .await
        .unwrap();
    s.catalog
        .adjust_stock(&adjustment(&original.id, -6, 1), &[])
        .await
        .unwrap();
    let edited = Product {
        sku: "CHANGED-SKU".into(),
        name: "Garden Rake".into(),
        description: "Now with a longer handle.".into(),
        category_id: Some(cat.id.clone()),
        price: usd(dollars(1250)),
        stock: 999,
        active: false,
        created_at: at(999),
        ..original.clone()
    };
    s.catalog.update_product(&edited, &[]).await.unwrap();
    let stored = s
        .catalog
        .get_product(&original.id)
        .await
        .unwrap()
        .expect("product exists");
    assert_eq!(
        stored,
        Product {
            sku: original.sku.clone(),
            stock: 4,
            created_at: original.created_at,
            ..edited.clone()
        }
    );
    // And back: removing the category.
    let uncategorised = Product {
        category_id: None,
        ..stored.clone()
    };
    s.catalog.update_product(&uncategorised, &[]).await.unwrap();
    let stored = s
        .catalog
        .get_product(&original.id)
        .await
        .unwrap()
        .expect("product exists");
    assert_eq!(stored.category_id, None);
}

pub async fn updates_of_a_missing_product_are_not_found(s: Stores) {
    let ghost = product(&unique("G-"), "Ghost", 1);
    assert!(matches!(
        s.catalog.update_product(&ghost, &[]).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(matches!(
        s.catalog
            .adjust_stock(&adjustment(&ghost.id, 3, 1), &[])
            .await,
        Err(DomainError::NotFound(_))
    ));
    assert!(
        s.catalog
            .stock_movements(&ghost.id, &shop_domain::PageRequest::new(None, None))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(s.catalog.get_product(&ghost.id).await.unwrap(), None);
}

pub async fn list_products_is_by_name_then_id_and_filters(s: Stores) {
    let tools = category(&unique("t-"), "Tools");
    s.catalog.insert_category(&tools, &[]).await.unwrap();
    let hammer = Product {
        category_id: Some(tools.id.clone()),
        ..product(&unique("HAM-"), "Hammer", 5)
    };
    let anvil = Product {
        category_id: Some(tools.id.clone()),
        ..product(&unique("ANV-"), "Anvil", 1)
    };
    let hidden = Product {
        active: false,
        category_id: Some(tools.id.clone()),
        ..product(&unique("OLD-"), "Broken Hammer", 0)
    };
    let mut paint = product(&unique("PNT-"), "Paint", 9);
    paint.description = "Blue, for HAMMERED metal.".into();
    for p in [&hammer, &paint, &hidden, &anvil] {
        s.catalog.insert_product(p, None, &[]).await.unwrap();
    }
    let active = listed(&s, &ProductFilter::default(), 100).await;
    assert_eq!(
        ids(&active),
        ids(&[anvil.clone(), hammer.clone(), paint.clone()])
    );
    let everything = ProductFilter {
        include_inactive: true,
        ..ProductFilter::default()
    };
    assert_eq!(
        ids(&listed(&s, &everything, 100).await),
        ids(&[anvil.clone(), hidden.clone(), hammer.clone(), paint.clone()])
    );
    let in_tools = ProductFilter {
        category_id: Some(tools.id.clone()),
        ..ProductFilter::default()
    };
    assert_eq!(
        ids(&listed(&s, &in_tools, 100).await),
        ids(&[anvil.clone(), hammer.clone()])
    );
    // Case-insensitive substring of name, sku or description.
    let hammers = ProductFilter {
        query: Some("hAmMeR".into()),
        include_inactive: true,
        ..ProductFilter::default()
    };
    assert_eq!(
        ids(&listed(&s, &hammers, 100).await),
        ids(&[hidden.clone(), hammer.clone(), paint.clone()])
    );
    let by_sku = ProductFilter {
        query: Some(anvil.sku.to_lowercase()),
        ..ProductFilter::default()
    };
    assert_eq!(ids(&listed(&s, &by_sku, 100).await), ids(&[anvil]));
    let nothing = ProductFilter {
        query: Some("no-such-thing-anywhere".into()),
        ..ProductFilter::default()
    };
    assert!(listed(&s, &nothing, 100).await.is_empty());
}

/// Many products share a name: the id breaks the tie, so no page loses or
/// repeats one.
pub async fn list_products_paginates_without_gaps_or_duplicates(s: Stores) {
    let mut all = Vec::new();
    for i in 0..31 {
        let name = ["Bolt", "Nut", "Screw"][i % 3];
        let p = product(&unique("S-"), name, 1);
        s.catalog.insert_product(&p, None, &[]).await.unwrap();
        all.push(p);
    }
    all.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    for limit in [1, 5, 31, 100] {
        let got = listed(&s, &ProductFilter::default(), limit).await;
        assert_unique(&got, |p| p.id.clone());
        assert_eq!(ids(&got), ids(&all), "limit {limit}");
    }
}

/// An adjustment moves the stock by its delta and is recorded with the
/// stock it left; one that would go below zero changes nothing.
pub async fn stock_adjustments_are_recorded_and_never_go_below_zero(s: Stores) {
    let p = product(&unique("S-"), "Shovel", 5);
    s.catalog
        .insert_product(&p, Some(&opening(&p)), &[])
        .await
        .unwrap();
    let added = s
        .catalog
        .adjust_stock(&adjustment(&p.id, 3, 10), &[])
        .await
        .unwrap();
    assert_eq!(added.stock_after, Some(8));
    let taken = s
        .catalog
        .adjust_stock(&adjustment(&p.id, -8, 20), &[])
        .await
        .unwrap();
    assert_eq!(taken.stock_after, Some(0));
    let refused = s
        .catalog
        .adjust_stock(&adjustment(&p.id, -1, 30), &[])
        .await;
    assert!(
        matches!(&refused, Err(DomainError::InsufficientStock { product_id }) if product_id == p.id.as_str()),
        "{refused:?}"
    );
    let stock = s.catalog.get_product(&p.id).await.unwrap().unwrap().stock;
    assert_eq!(stock, 0);
    let movements = all_movements(&s, &p.id).await;
    assert_eq!(
        movements
            .iter()
            .map(|m| (m.kind, m.delta, m.stock_after))
            .collect::<Vec<_>>(),
        vec![
            (StockMovementKind::Adjustment, -8, Some(0)),
            (StockMovementKind::Adjustment, 3, Some(8)),
            (StockMovementKind::Initial, 5, Some(5)),
        ]
    );
    assert_eq!(movements[1].reason.as_deref(), Some("counted 3"));
    assert_eq!(movements[1].by, Actor::User(UserId::new("admin-1")));
    assert_eq!(movements[1].at, at(10));
    assert_eq!(
        movements.iter().map(|m| m.delta).sum::<i64>(),
        i64::from(stock)
    );
    // Past the ceiling an admin may set.
    let huge = adjustment(&p.id, i64::from(shop_domain::catalog::MAX_STOCK) + 1, 40);
    assert!(matches!(
        s.catalog.adjust_stock(&huge, &[]).await,
        Err(DomainError::InsufficientStock { .. })
    ));
}

/// Concurrent adjustments of one product: none lost, none below zero, and
/// the ledger sums to the stock.
pub async fn concurrent_adjustments_sum_to_the_stock(s: Stores) {
    let p = product(&unique("C-"), "Crate", 10);
    s.catalog
        .insert_product(&p, Some(&opening(&p)), &[])
        .await
        .unwrap();
    let results = concurrently(24, |i| {
        let (s, id) = (s.clone(), p.id.clone());
        let delta = if i % 3 == 0 { 2 } else { -1 };
        async move {
            s.catalog
                .adjust_stock(&adjustment(&id, delta, i as i64), &[])
                .await
        }
    })
    .await;
    for r in &results {
        assert!(
            matches!(r, Ok(_) | Err(DomainError::InsufficientStock { .. })),
            "{r:?}"
        );
    }
    let stock = s.catalog.get_product(&p.id).await.unwrap().unwrap().stock;
    let movements = all_movements(&s, &p.id).await;
    assert_eq!(
        movements.len(),
        1 + results.iter().filter(|r| r.is_ok()).count()
    );
    assert_eq!(
        movements.iter().map(|m| m.delta).sum::<i64>(),
        i64::from(stock)
    );
    assert_unique(&movements, |m| m.id.clone());
}
