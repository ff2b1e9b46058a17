use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;

use super::*;
use crate::DomainError;
use crate::ids::{CategoryId, ProductId};
use crate::money::{Currency, Money};

fn fields<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Validation(errs)) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn category_is_normalised() {
    let c = NewCategory {
        slug: "  Power-Tools-2 ".into(),
        name: " Power tools ".into(),
    }
    .validated()
    .expect("valid");
    assert_eq!(c.slug, "power-tools-2");
    assert_eq!(c.name, "Power tools");
}

#[test]
fn category_slug_and_name_are_checked() {
    let ok = NewCategory {
        slug: "s".repeat(64),
        name: "n".repeat(100),
    };
    assert!(ok.validated().is_ok());
    for slug in ["", "  ", "a b", "a_b", "a/b", "café", &"s".repeat(65)] {
        let c = NewCategory {
            slug: slug.into(),
            name: "Tools".into(),
        };
        assert_eq!(fields(c.validated()), vec!["slug"], "{slug:?}");
    }
    for name in ["", " ", "Tools\nX", &"n".repeat(101)] {
        let c = NewCategory {
            slug: "tools".into(),
            name: name.into(),
        };
        assert_eq!(fields(c.validated()), vec!["name"], "{name:?}");
    }
    let both = NewCategory {
        slug: "a b".into(),
        name: String::new(),
    };
    assert_eq!(fields(both.validated()), vec!["slug", "name"]);
}

fn new_product() -> NewProduct {
    NewProduct {
        sku: " HAM-01 ".into(),
        name: " Hammer ".into(),
        description: " A hammer. ".into(),
        category_id: Some(CategoryId::new("c1")),
        price: dec!(12.5),
        stock: 7,
        active: false,
    }
}

#[test]
fn new_product_is_normalised_and_priced_in_the_shop_currency() {
    let (p, price) = new_product().validated(&Currency::usd()).expect("valid");
    assert_eq!(p.sku, "HAM-01");
    assert_eq!(p.name, "Hammer");
    assert_eq!(p.description, " A hammer. ");
    assert_eq!(p.category_id, Some(CategoryId::new("c1")));
    assert_eq!(p.stock, 7);
    assert!(!p.active);
    assert_eq!(price, Money::new(dec!(12.50), Currency::usd()));
    assert_eq!(price.amount.to_string(), "12.50");
    assert_eq!(p.price, price.amount);
}

#[test]
fn new_product_fields_are_checked() {
    let usd = Currency::usd();
    for sku in ["", "a b", "ä", "a/b", &"s".repeat(65)] {
        let p = NewProduct {
            sku: sku.into(),
            ..new_product()
        };
        assert_eq!(fields(p.validated(&usd)), vec!["sku"], "{sku:?}");
    }
    for sku in ["a.b_c-D9", &"s".repeat(64)] {
        let p = NewProduct {
            sku: sku.into(),
            ..new_product()
        };
        assert!(p.validated(&usd).is_ok(), "{sku:?}");
    }
    for name in ["", "x\u{7}", &"n".repeat(201)] {
        let p = NewProduct {
            name: name.into(),
            ..new_product()
        };
        assert_eq!(fields(p.validated(&usd)), vec!["name"], "{name:?}");
    }
    let p = NewProduct {
        name: "n".repeat(200),
        ..new_product()
    };
    assert!(p.validated(&usd).is_ok());
    let p = NewProduct {
        description: "d".repeat(10_001),
        ..new_product()
    };
    assert_eq!(fields(p.validated(&usd)), vec!["description"]);
    let p = NewProduct {
        description: "d".repeat(10_000),
        ..new_product()
    };
    assert!(p.validated(&usd).is_ok());
    for price in [dec!(-0.01), dec!(0.001), dec!(100000001)] {
        let p = NewProduct {
            price,
            ..new_product()
        };
        assert_eq!(fields(p.validated(&usd)), vec!["price"], "{price}");
    }
    let p = NewProduct {
        price: dec!(0),
        ..new_product()
    };
    assert!(p.validated(&usd).is_ok());
    let p = NewProduct {
        stock: 1_000_000_001,
        ..new_product()
    };
    assert_eq!(fields(p.validated(&usd)), vec!["stock"]);
    let p = NewProduct {
        stock: 1_000_000_000,
        ..new_product()
    };
    assert!(p.validated(&usd).is_ok());
    // Yen have no minor unit.
    let jpy = Currency::parse("JPY").expect("jpy");
    let p = NewProduct {
        price: dec!(12.5),
        ..new_product()
    };
    assert_eq!(fields(p.validated(&jpy)), vec!["price"]);
}

#[test]
fn new_product_reports_every_problem() {
    let p = NewProduct {
        sku: String::new(),
        name: String::new(),
        description: "d".repeat(10_001),
        category_id: None,
        price: dec!(-1),
        stock: u32::MAX,
        active: true,
    };
    assert_eq!(
        fields(p.validated(&Currency::usd())),
        vec!["sku", "name", "description", "price", "stock"]
    );
}

fn product() -> Product {
    Product {
        id: ProductId::new("p1"),
        sku: "HAM-01".into(),
        name: "Hammer".into(),
        description: "A hammer.".into(),
        category_id: Some(CategoryId::new("c1")),
        price: Money::new(dec!(12.50), Currency::usd()),
        stock: 5,
        active: true,
        created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
    }
}

#[test]
fn empty_patch_changes_nothing() {
    assert_eq!(
        ProductPatch::default().apply(&product()).unwrap(),
        product()
    );
}

#[test]
fn patch_applies_each_given_field() {
    let patch = ProductPatch {
        name: Some("  Claw hammer ".into()),
        description: Some("Heavier.".into()),
        price: Some(dec!(14)),
        active: Some(false),
        category_id: Some(Some(CategoryId::new("c2"))),
    };
    let p = patch.apply(&product()).unwrap();
    assert_eq!(p.name, "Claw hammer");
    assert_eq!(p.description, "Heavier.");
    assert_eq!(p.price, Money::new(dec!(14.00), Currency::usd()));
    assert_eq!(p.price.amount.to_string(), "14.00");
    assert_eq!(
        p.stock,
        product().stock,
        "stock moves only through movements"
    );
    assert!(!p.active);
    assert_eq!(p.category_id, Some(CategoryId::new("c2")));
    // What a patch never touches.
    assert_eq!(p.id, product().id);
    assert_eq!(p.sku, product().sku);
    assert_eq!(p.created_at, product().created_at);
}

#[test]
fn patch_can_remove_the_category_and_none_leaves_it() {
    let removed = ProductPatch {
        category_id: Some(None),
        ..ProductPatch::default()
    };
    assert_eq!(removed.apply(&product()).unwrap().category_id, None);
    let kept = ProductPatch {
        name: Some("X".into()),
        ..ProductPatch::default()
    };
    assert_eq!(
        kept.apply(&product()).unwrap().category_id,
        Some(CategoryId::new("c1"))
    );
}

#[test]
fn patch_validates_given_fields_in_the_product_currency() {
    let bad = ProductPatch {
        name: Some(" ".into()),
        description: Some("d".repeat(10_001)),
        price: Some(dec!(-2)),
        ..ProductPatch::default()
    };
    assert_eq!(
        fields(bad.apply(&product())),
        vec!["name", "description", "price"]
    );
    let yen = Product {
        price: Money::new(dec!(1200), Currency::parse("JPY").unwrap()),
        ..product()
    };
    let half_yen = ProductPatch {
        price: Some(dec!(1200.5)),
        ..ProductPatch::default()
    };
    assert_eq!(fields(half_yen.apply(&yen)), vec!["price"]);
    let whole_yen = ProductPatch {
        price: Some(dec!(1300)),
        ..ProductPatch::default()
    };
    let p = whole_yen.apply(&yen).unwrap();
    assert_eq!(p.price.amount.to_string(), "1300");
    assert_eq!(p.price.currency.code(), "JPY");
}

#[test]
fn a_stock_adjustment_needs_a_delta_and_a_reason() {
    use crate::catalog::StockAdjustment;
    let ok = StockAdjustment {
        delta: -3,
        reason: "  damaged  ".into(),
    }
    .validated()
    .unwrap();
    assert_eq!((ok.delta, ok.reason.as_str()), (-3, "damaged"));
    for (delta, reason, bad) in [
        (0, "x", vec!["delta"]),
        (1_000_000_001, "x", vec!["delta"]),
        (-1_000_000_001, "x", vec!["delta"]),
        (1, "   ", vec!["reason"]),
        (1, &"r".repeat(201) as &str, vec!["reason"]),
        (1, "line\nbreak", vec!["reason"]),
        (0, "", vec!["delta", "reason"]),
    ] {
        let r = StockAdjustment {
            delta,
            reason: reason.into(),
        }
        .validated();
        assert_eq!(fields(r.map(|_| product())), bad, "{delta} {reason:?}");
    }
}

#[test]
fn movements_stay_within_zero_and_the_ceiling_an_admin_may_set() {
    use crate::catalog::{MAX_STOCK, StockMovement, StockMovementKind};
    use crate::ids::StockMovementId;
    use crate::order::Actor;
    let movement = |kind, delta| StockMovement {
        id: StockMovementId::new("m"),
        product_id: product().id,
        delta,
        kind,
        reason: None,
        order_id: None,
        by: Actor::System,
        at: crate::test_support::t0(),
        stock_after: None,
    };
    let adjust = |d| movement(StockMovementKind::Adjustment, d);
    let release = |d| movement(StockMovementKind::OrderReleased, d);
    assert_eq!(adjust(-3).apply_to(3), Some(0));
    assert_eq!(adjust(-4).apply_to(3), None);
    assert_eq!(
        movement(StockMovementKind::OrderReserved, -4).apply_to(3),
        None
    );
    assert_eq!(adjust(1).apply_to(MAX_STOCK), None);
    assert_eq!(adjust(-1).apply_to(MAX_STOCK + 5), Some(MAX_STOCK + 4));
    // What an order gives back always returns, whatever the ceiling.
    assert_eq!(release(2).apply_to(MAX_STOCK), Some(MAX_STOCK + 2));
    assert_eq!(release(1).apply_to(u32::MAX), None);
    assert_eq!(adjust(5).max_after(), Some(MAX_STOCK));
    assert_eq!(adjust(-5).max_after(), None);
    assert_eq!(release(5).max_after(), None);
    for kind in StockMovementKind::ALL {
        assert_eq!(StockMovementKind::parse(kind.as_str()), Some(kind));
    }
}
