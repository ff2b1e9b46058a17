//! `CatalogStore` and `BusinessProfileStore`.

use rust_decimal::Decimal;
use shop_domain::account::AccountStore;
use shop_domain::business::{BusinessProfile, BusinessProfileStore, BusinessStatus};
use shop_domain::catalog::{CatalogStore, Product, ProductFilter};
use shop_domain::ids::{CategoryId, ProductId};
use shop_domain::{Currency, DomainError, Money};
use shop_sql::SqlStore;
use shop_testkit::fixtures::{
    address, at, category, customer, dollars, new_id, product, profile, unique,
};

use crate::all_pages;

pub async fn products_round_trip_exactly(s: SqlStore) {
    let tools = category(&unique("tools-"), "Tools");
    s.insert_category(&tools, &[]).await.unwrap();
    assert_eq!(
        s.get_category(&tools.id).await.unwrap(),
        Some(tools.clone())
    );
    assert!(matches!(
        s.insert_category(&category(&tools.slug, "Again"), &[])
            .await,
        Err(DomainError::AlreadyExists(_))
    ));
    assert_eq!(s.list_categories().await.unwrap(), vec![tools.clone()]);

    // Amounts survive exactly, at the currency's minor digits.
    let prices = [
        Money::new(Decimal::new(1, 2), Currency::usd()),
        Money::new(Decimal::new(9_999_999_999, 2), Currency::usd()),
        Money::new(Decimal::new(1234, 3), Currency::parse("KWD").unwrap()),
        Money::new(Decimal::new(1200, 0), Currency::parse("JPY").unwrap()),
        Money::new(Decimal::new(1010, 2), Currency::usd()),
    ];
    for price in prices {
        let p = Product {
            category_id: Some(tools.id.clone()),
            price: price.clone(),
            ..product(&unique("W-"), "Widget", 7)
        };
        s.insert_product(&p, None, &[]).await.unwrap();
        let got = s.get_product(&p.id).await.unwrap().unwrap();
        assert_eq!(got, p);
        assert_eq!(got.price.amount.to_string(), price.amount.to_string());
    }
    let twin = product("SAME-SKU", "One", 1);
    s.insert_product(&twin, None, &[]).await.unwrap();
    assert_eq!(
        s.insert_product(&product("SAME-SKU", "Two", 1), None, &[])
            .await,
        Err(DomainError::AlreadyExists("product"))
    );
    let orphan = Product {
        category_id: Some(CategoryId::new(new_id())),
        ..product(&unique("O-"), "Orphan", 1)
    };
    assert_eq!(
        s.insert_product(&orphan, None, &[]).await,
        Err(DomainError::NotFound("category"))
    );
}

/// An admin's movement of `delta` units.
fn adjustment(
    product_id: &shop_domain::ids::ProductId,
    delta: i64,
) -> shop_domain::catalog::StockMovement {
    shop_domain::catalog::StockMovement {
        id: shop_domain::ids::StockMovementId::new(new_id()),
        product_id: product_id.clone(),
        delta,
        kind: shop_domain::catalog::StockMovementKind::Adjustment,
        reason: Some("counted".into()),
        order_id: None,
        by: shop_domain::order::Actor::System,
        at: at(1),
        stock_after: None,
    }
}

pub async fn update_product_spares_stock_sku_and_created_at(s: SqlStore) {
    let original = product(&unique("P-"), "Rake", 10);
    s.insert_product(&original, None, &[]).await.unwrap();
    s.adjust_stock(&adjustment(&original.id, -6), &[])
        .await
        .unwrap();
    let edited = Product {
        sku: "CHANGED".into(),
        name: "Garden Rake".into(),
        price: Money::new(dollars(1250), Currency::usd()),
        stock: 999,
        active: false,
        created_at: at(999),
        ..original.clone()
    };
    s.update_product(&edited, &[]).await.unwrap();
    s.update_product(&edited, &[]).await.unwrap();
    let stored = s.get_product(&original.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        Product {
            sku: original.sku.clone(),
            stock: 4,
            created_at: original.created_at,
            ..edited
        }
    );
    let ghost = product(&unique("G-"), "Ghost", 1);
    assert_eq!(
        s.update_product(&ghost, &[]).await,
        Err(DomainError::NotFound("product"))
    );
    assert_eq!(
        s.adjust_stock(&adjustment(&ghost.id, 3), &[]).await,
        Err(DomainError::NotFound("product"))
    );
    let got = s
        .get_products(&[ghost.id.clone(), original.id.clone(), original.id.clone()])
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert!(s.get_products(&[]).await.unwrap().is_empty());
}

pub async fn products_list_by_name_filtered_and_paged(s: SqlStore) {
    let tools = category(&unique("t-"), "Tools");
    s.insert_category(&tools, &[]).await.unwrap();
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
        ..product(&unique("OLD-"), "Broken Hammer", 0)
    };
    let mut paint = product(&unique("PNT-"), "Paint", 9);
    paint.description = "Blue, for HAMMERED metal.".into();
    for p in [&hammer, &paint, &hidden, &anvil] {
        s.insert_product(p, None, &[]).await.unwrap();
    }
    let list = |filter: ProductFilter, limit: u32| {
        let s = s.clone();
        async move {
            all_pages(limit, |p| {
                let (s, f) = (s.clone(), filter.clone());
                async move { s.list_products(&f, &p).await }
            })
            .await
            .into_iter()
            .map(|p| p.id)
            .collect::<Vec<ProductId>>()
        }
    };
    let ids = |ps: &[&Product]| ps.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        list(ProductFilter::default(), 1).await,
        ids(&[&anvil, &hammer, &paint])
    );
    let everything = ProductFilter {
        include_inactive: true,
        ..ProductFilter::default()
    };
    assert_eq!(
        list(everything, 3).await,
        ids(&[&anvil, &hidden, &hammer, &paint])
    );
    let in_tools = ProductFilter {
        category_id: Some(tools.id.clone()),
        ..ProductFilter::default()
    };
    assert_eq!(list(in_tools, 1).await, ids(&[&anvil, &hammer]));
    let hammers = ProductFilter {
        query: Some("hAmMeR".into()),
        include_inactive: true,
        ..ProductFilter::default()
    };
    assert_eq!(list(hammers, 2).await, ids(&[&hidden, &hammer, &paint]));

    // Many equal names: the id breaks the tie and no page loses a row.
    let mut bolts = Vec::new();
    for i in 0..13 {
        let p = product(&unique("B-"), ["Bolt", "Nut"][i % 2], 1);
        s.insert_product(&p, None, &[]).await.unwrap();
        bolts.push(p);
    }
    bolts.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let only = ProductFilter {
        query: Some("B-".into()),
        ..ProductFilter::default()
    };
    for limit in [1, 4, 13, 50] {
        assert_eq!(
            list(only.clone(), limit).await,
            ids(&bolts.iter().collect::<Vec<_>>()),
            "limit {limit}"
        );
    }
}

pub async fn business_profiles_upsert_and_review_queue(s: SqlStore) {
    let mut users = Vec::new();
    for _ in 0..7 {
        let u = customer();
        AccountStore::insert(&s, &u).await.unwrap();
        users.push(u.id);
    }
    let first = profile(&users[0], BusinessStatus::Pending, at(50));
    s.put(&first, &[], &[]).await.unwrap();
    assert_eq!(
        BusinessProfileStore::get(&s, &users[0]).await.unwrap(),
        Some(first.clone())
    );
    let approved = BusinessProfile {
        status: BusinessStatus::Approved,
        tax_exempt_granted: true,
        reviewed_at: Some(at(60)),
        reviewed_by: Some(users[1].clone()),
        rejection_reason: Some("was missing".into()),
        exemption_certificate: None,
        address: shop_domain::business::Address {
            line2: Some("Suite 5".into()),
            ..address()
        },
        ..first
    };
    s.put(&approved, &[], &[]).await.unwrap();
    assert_eq!(
        BusinessProfileStore::get(&s, &users[0]).await.unwrap(),
        Some(approved)
    );
    // Six more pending profiles, two per second: ties on submitted_at.
    for (i, u) in users.iter().enumerate().skip(1) {
        s.put(
            &profile(u, BusinessStatus::Pending, at((i as i64) / 2)),
            &[],
            &[],
        )
        .await
        .unwrap();
    }
    for limit in [1, 4, 100] {
        let got = all_pages(limit, |p| {
            let s = s.clone();
            async move { BusinessProfileStore::list(&s, Some(BusinessStatus::Pending), &p).await }
        })
        .await;
        assert_eq!(got.len(), 6, "limit {limit}");
        let keys: Vec<_> = got
            .iter()
            .map(|p| (p.submitted_at, p.user_id.clone()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "limit {limit}");
    }
    let all = all_pages(3, |p| {
        let s = s.clone();
        async move { BusinessProfileStore::list(&s, None, &p).await }
    })
    .await;
    assert_eq!(
        all.last().map(|p| p.user_id.clone()),
        Some(users[0].clone())
    );
}
