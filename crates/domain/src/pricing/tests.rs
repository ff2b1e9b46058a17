use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::model::normalise_code;
use super::price::{MAX_CART_LINES, MAX_LINE_QUANTITY, normalise_cart};
use super::*;
use crate::business::{Address, TaxExemption};
use crate::catalog::Product;
use crate::ids::{ProductId, PromotionId};
use crate::money::{Currency, Money, Rounding};
use crate::{DomainError, FieldError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap()
}

fn usd() -> Currency {
    Currency::usd()
}

fn jpy() -> Currency {
    Currency::parse("JPY").unwrap()
}

fn product_in(id: &str, price: Decimal, currency: Currency) -> Product {
    Product {
        id: ProductId::new(id),
        sku: format!("SKU-{id}"),
        name: format!("Product {id}"),
        description: String::new(),
        category_id: None,
        price: Money::new(price, currency),
        stock: 1000,
        active: true,
        created_at: now(),
    }
}

fn product(id: &str, price: Decimal) -> Product {
    product_in(id, price, usd())
}

fn line(id: &str, quantity: u32) -> CartLine {
    CartLine {
        product_id: ProductId::new(id),
        quantity,
    }
}

fn ship(country: &str, region: &str) -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: None,
        city: "Town".into(),
        region: region.into(),
        postal_code: "12345".into(),
        country: country.into(),
    }
}

fn rate(country: &str, region: &str, rate: Decimal) -> TaxRate {
    TaxRate {
        country: country.into(),
        region: region.into(),
        rate,
    }
}

fn promo(kind: PromotionKind, value: Decimal) -> Promotion {
    Promotion {
        id: PromotionId::new("promo-1"),
        code: "SAVE".into(),
        kind,
        value,
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: None,
        uses: 0,
        created_at: now(),
    }
}

fn exemption() -> TaxExemption {
    TaxExemption {
        certificate_number: "EX-1".into(),
        region: "CA".into(),
        expires_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        approved_by: None,
    }
}

struct Case {
    items: Vec<CartLine>,
    products: Vec<Product>,
    currency: Currency,
    rounding: Rounding,
    promotion: Option<Promotion>,
    ship_to: Address,
    rates: Vec<TaxRate>,
    exemption: Option<TaxExemption>,
}

impl Case {
    fn new(items: Vec<CartLine>, products: Vec<Product>) -> Self {
        Self {
            items,
            products,
            currency: usd(),
            rounding: Rounding::HalfEven,
            promotion: None,
            ship_to: ship("US", "CA"),
            rates: Vec::new(),
            exemption: None,
        }
    }

    fn price(&self) -> Result<PricedCart, DomainError> {
        price_cart(&PricingInput {
            items: &self.items,
            products: &self.products,
            currency: &self.currency,
            rounding: self.rounding,
            promotion: self.promotion.as_ref(),
            ship_to: &self.ship_to,
            tax_rates: &self.rates,
            tax_exemption: self.exemption.as_ref(),
            now: now(),
        })
    }
}

fn one_line_of_100() -> Case {
    Case::new(vec![line("a", 1)], vec![product("a", dec!(100.00))])
}

fn fields<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Validation(errs)) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- tax rates

#[test]
fn tax_rate_is_normalised() {
    let r = rate(" us ", " ca ", dec!(0.0725)).validated(0).unwrap();
    assert_eq!(r, rate("US", "CA", dec!(0.0725)));
    let country_wide = rate("de", "", dec!(0.19)).validated(0).unwrap();
    assert_eq!(country_wide.region, "");
}

#[test]
fn tax_rate_fields_are_checked_under_their_index() {
    assert_eq!(
        fields(rate("USA", "", dec!(0.1)).validated(3)),
        vec!["items[3].country"]
    );
    assert_eq!(
        fields(rate("U1", "", dec!(0.1)).validated(0)),
        vec!["items[0].country"]
    );
    assert_eq!(
        fields(rate("US", &"r".repeat(101), dec!(0.1)).validated(1)),
        vec!["items[1].region"]
    );
    assert_eq!(
        fields(rate("US", "C\nA", dec!(0.1)).validated(1)),
        vec!["items[1].region"]
    );
    for bad in [dec!(-0.01), dec!(1), dec!(1.5), dec!(0.0000001)] {
        assert_eq!(
            fields(rate("US", "", bad).validated(2)),
            vec!["items[2].rate"],
            "{bad}"
        );
    }
    for good in [dec!(0), dec!(0.999999), dec!(0.25), dec!(0.000001)] {
        assert!(rate("US", "", good).validated(0).is_ok(), "{good}");
    }
}

#[test]
fn tax_rate_decimal_places_count_significant_digits_only() {
    // "0.07250000" is 7.25 % written with trailing zeros: four places, not eight.
    let r = rate("US", "CA", dec!(0.07250000)).validated(0).unwrap();
    assert_eq!(r.rate, dec!(0.0725));
}

// --------------------------------------------------------------- promotions

fn new_promotion(kind: PromotionKind, value: Decimal) -> NewPromotion {
    NewPromotion {
        code: " spring-sale_25 ".into(),
        kind,
        value,
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: None,
    }
}

#[test]
fn new_promotion_code_is_normalised_and_checked() {
    let p = new_promotion(PromotionKind::Percent, dec!(10))
        .validated(&usd())
        .unwrap();
    assert_eq!(p.code, "SPRING-SALE_25");
    for bad in ["", "  ", "a b", "a!", "ünï", &"c".repeat(33)] {
        let p = NewPromotion {
            code: bad.into(),
            ..new_promotion(PromotionKind::Percent, dec!(10))
        };
        assert_eq!(fields(p.validated(&usd())), vec!["code"], "{bad:?}");
    }
    let p = NewPromotion {
        code: "c".repeat(32),
        ..new_promotion(PromotionKind::Percent, dec!(10))
    };
    assert!(p.validated(&usd()).is_ok());
    assert_eq!(normalise_code(" abc "), "ABC");
}

#[test]
fn percent_value_is_in_0_exclusive_to_100_inclusive() {
    for bad in [dec!(0), dec!(-5), dec!(100.01)] {
        let p = new_promotion(PromotionKind::Percent, bad);
        assert_eq!(fields(p.validated(&usd())), vec!["value"], "{bad}");
    }
    for good in [dec!(0.5), dec!(12.5), dec!(100)] {
        assert!(
            new_promotion(PromotionKind::Percent, good)
                .validated(&usd())
                .is_ok()
        );
    }
}

#[test]
fn fixed_value_is_a_positive_amount_in_the_currency() {
    for bad in [dec!(0), dec!(-1), dec!(1.005)] {
        let p = new_promotion(PromotionKind::Fixed, bad);
        assert_eq!(fields(p.validated(&usd())), vec!["value"], "{bad}");
    }
    assert!(
        new_promotion(PromotionKind::Fixed, dec!(5.50))
            .validated(&usd())
            .is_ok()
    );
    assert!(
        new_promotion(PromotionKind::Fixed, dec!(5.500))
            .validated(&usd())
            .is_ok()
    );
    assert!(
        new_promotion(PromotionKind::Fixed, dec!(500))
            .validated(&jpy())
            .is_ok()
    );
    let p = new_promotion(PromotionKind::Fixed, dec!(5.5));
    assert_eq!(fields(p.validated(&jpy())), vec!["value"]);
}

#[test]
fn promotion_window_uses_and_minimum_are_checked() {
    let base = new_promotion(PromotionKind::Percent, dec!(10));
    let p = NewPromotion {
        min_subtotal: Some(dec!(-1)),
        ..base.clone()
    };
    assert_eq!(fields(p.validated(&usd())), vec!["min_subtotal"]);
    let p = NewPromotion {
        min_subtotal: Some(dec!(0)),
        ..base.clone()
    };
    assert!(p.validated(&usd()).is_ok());
    let p = NewPromotion {
        starts_at: Some(now()),
        ends_at: Some(now()),
        ..base.clone()
    };
    assert_eq!(fields(p.validated(&usd())), vec!["ends_at"]);
    let p = NewPromotion {
        starts_at: Some(now()),
        ends_at: Some(now() - Duration::seconds(1)),
        ..base.clone()
    };
    assert_eq!(fields(p.validated(&usd())), vec!["ends_at"]);
    let p = NewPromotion {
        starts_at: Some(now()),
        ends_at: Some(now() + Duration::seconds(1)),
        ..base.clone()
    };
    assert!(p.validated(&usd()).is_ok());
    let p = NewPromotion {
        max_uses: Some(0),
        ..base.clone()
    };
    assert_eq!(fields(p.validated(&usd())), vec!["max_uses"]);
    let p = NewPromotion {
        max_uses: Some(1),
        ..base.clone()
    };
    assert!(p.validated(&usd()).is_ok());
    let everything_wrong = NewPromotion {
        code: String::new(),
        kind: PromotionKind::Percent,
        value: dec!(0),
        min_subtotal: Some(dec!(-1)),
        starts_at: Some(now()),
        ends_at: Some(now()),
        max_uses: Some(0),
    };
    assert_eq!(
        fields(everything_wrong.validated(&usd())),
        vec!["code", "value", "min_subtotal", "ends_at", "max_uses"]
    );
}

#[test]
fn promotion_window_start_is_inclusive_and_end_exclusive() {
    let start = now();
    let end = now() + Duration::days(1);
    let p = Promotion {
        starts_at: Some(start),
        ends_at: Some(end),
        ..promo(PromotionKind::Percent, dec!(10))
    };
    let s = dec!(50);
    assert_eq!(
        p.refusal(start - Duration::seconds(1), s)
            .map(|r| r.to_string()),
        Some("not yet valid".into())
    );
    assert_eq!(p.refusal(start, s), None);
    assert_eq!(p.refusal(end - Duration::seconds(1), s), None);
    assert_eq!(
        p.refusal(end, s).map(|r| r.to_string()),
        Some("expired".into())
    );
    assert_eq!(
        p.refusal(end + Duration::days(9), s).map(|r| r.to_string()),
        Some("expired".into())
    );
    // Open-ended windows.
    let forever = promo(PromotionKind::Percent, dec!(10));
    assert_eq!(forever.refusal(start - Duration::days(9999), s), None);
    assert_eq!(forever.refusal(end + Duration::days(9999), s), None);
}

#[test]
fn promotion_max_uses() {
    let p = |uses| Promotion {
        max_uses: Some(3),
        uses,
        ..promo(PromotionKind::Fixed, dec!(5))
    };
    assert_eq!(p(2).refusal(now(), dec!(10)), None);
    assert_eq!(
        p(3).refusal(now(), dec!(10)).map(|r| r.to_string()),
        Some("fully redeemed".into())
    );
    assert_eq!(
        p(4).refusal(now(), dec!(10)).map(|r| r.to_string()),
        Some("fully redeemed".into())
    );
    let unlimited = Promotion {
        uses: 1_000_000,
        ..promo(PromotionKind::Fixed, dec!(5))
    };
    assert_eq!(unlimited.refusal(now(), dec!(10)), None);
}

#[test]
fn promotion_min_subtotal_is_inclusive() {
    let p = Promotion {
        min_subtotal: Some(dec!(50.00)),
        ..promo(PromotionKind::Percent, dec!(10))
    };
    assert_eq!(p.refusal(now(), dec!(50.00)), None);
    assert_eq!(p.refusal(now(), dec!(50.01)), None);
    assert_eq!(
        p.refusal(now(), dec!(49.99)).map(|r| r.to_string()),
        Some("requires a subtotal of at least 50.00".into())
    );
}

// -------------------------------------------------------------------- carts

#[test]
fn normalise_merges_duplicates_in_first_seen_order() {
    let merged = normalise_cart(&[
        line("b", 1),
        line("a", 2),
        line("b", 3),
        line("c", 1),
        line("a", 1),
    ])
    .unwrap();
    assert_eq!(merged, vec![line("b", 4), line("a", 3), line("c", 1)]);
}

#[test]
fn normalise_checks_bounds() {
    assert_eq!(fields(normalise_cart(&[])), vec!["items"]);
    assert_eq!(
        fields(normalise_cart(&[line("a", 1), line("b", 0)])),
        vec!["items[1].quantity"]
    );
    assert_eq!(
        fields(normalise_cart(&[line("a", MAX_LINE_QUANTITY + 1)])),
        vec!["items[0].quantity"]
    );
    assert!(normalise_cart(&[line("a", MAX_LINE_QUANTITY)]).is_ok());
    // Merged lines may not exceed the per-line maximum either.
    assert_eq!(
        fields(normalise_cart(&[
            line("a", MAX_LINE_QUANTITY),
            line("a", 1)
        ])),
        vec!["items"]
    );
    let full: Vec<_> = (0..MAX_CART_LINES)
        .map(|i| line(&format!("p{i}"), 1))
        .collect();
    assert_eq!(normalise_cart(&full).unwrap().len(), MAX_CART_LINES);
    let over: Vec<_> = (0..=MAX_CART_LINES)
        .map(|i| line(&format!("p{i}"), 1))
        .collect();
    assert_eq!(fields(normalise_cart(&over)), vec!["items"]);
}

#[test]
fn normalise_saturates_instead_of_overflowing() {
    let lines = vec![line("a", MAX_LINE_QUANTITY); 3];
    assert_eq!(fields(normalise_cart(&lines)), vec!["items"]);
}

// ------------------------------------------------------------------ pricing

#[test]
fn a_plain_cart() {
    let case = Case::new(
        vec![line("a", 2), line("b", 1), line("a", 1)],
        vec![product("a", dec!(10.00)), product("b", dec!(4.99))],
    );
    let p = case.price().unwrap();
    assert_eq!(p.lines.len(), 2);
    assert_eq!(p.lines[0].quantity, 3);
    assert_eq!(p.lines[0].subtotal, dec!(30.00));
    assert_eq!(p.lines[0].sku, "SKU-a");
    assert_eq!(p.lines[0].name, "Product a");
    assert_eq!(p.lines[1].subtotal, dec!(4.99));
    assert_eq!(p.subtotal, dec!(34.99));
    assert_eq!(p.discount_total, dec!(0));
    assert_eq!(p.tax_total, dec!(0));
    assert_eq!(p.shipping_total, dec!(0));
    assert_eq!(p.total, dec!(34.99));
    assert!(!p.tax_exempt);
}

#[test]
fn every_amount_has_the_currency_minor_digits_without_a_promotion() {
    let case = Case::new(vec![line("a", 1)], vec![product("a", dec!(3))]);
    let p = case.price().unwrap();
    let l = &p.lines[0];
    for (what, d) in [
        ("unit_price", l.unit_price),
        ("line subtotal", l.subtotal),
        ("line discount", l.discount),
        ("line tax", l.tax),
        ("line total", l.total),
        ("subtotal", p.subtotal),
        ("discount_total", p.discount_total),
        ("tax_total", p.tax_total),
        ("shipping_total", p.shipping_total),
        ("total", p.total),
    ] {
        assert_eq!(d.scale(), 2, "{what} = {d}");
    }
    assert_eq!(l.discount.to_string(), "0.00");
}

fn tax_table() -> Vec<TaxRate> {
    vec![
        rate("US", "", dec!(0.05)),
        rate("US", "CA", dec!(0.0725)),
        rate("CA", "", dec!(0.13)),
        rate("FR", "IDF", dec!(0.2)),
    ]
}

#[test]
fn tax_uses_the_regional_rate_first() {
    let mut case = one_line_of_100();
    case.rates = tax_table();
    case.ship_to = ship("US", "CA");
    let p = case.price().unwrap();
    assert_eq!(p.tax_total, dec!(7.25));
    assert_eq!(p.total, dec!(107.25));
    // The ship-to is matched case-insensitively.
    case.ship_to = ship("us", "ca");
    assert_eq!(case.price().unwrap().tax_total, dec!(7.25));
}

#[test]
fn tax_falls_back_to_the_country_rate() {
    let mut case = one_line_of_100();
    case.rates = tax_table();
    case.ship_to = ship("US", "NY");
    assert_eq!(case.price().unwrap().tax_total, dec!(5.00));
    case.ship_to = ship("US", "");
    assert_eq!(case.price().unwrap().tax_total, dec!(5.00));
    case.ship_to = ship("CA", "ON");
    assert_eq!(case.price().unwrap().tax_total, dec!(13.00));
}

#[test]
fn no_rate_means_no_tax() {
    let mut case = one_line_of_100();
    case.rates = tax_table();
    case.ship_to = ship("DE", "BY");
    assert_eq!(case.price().unwrap().tax_total, dec!(0));
    // A regional rate never applies to a ship-to without that region, and
    // there is no French country-wide rate.
    case.ship_to = ship("FR", "");
    assert_eq!(case.price().unwrap().tax_total, dec!(0));
    case.ship_to = ship("FR", "PACA");
    assert_eq!(case.price().unwrap().tax_total, dec!(0));
}

#[test]
fn tax_exemption_gives_zero_tax() {
    let mut case = Case::new(
        vec![line("a", 3), line("b", 1)],
        vec![product("a", dec!(19.99)), product("b", dec!(5.00))],
    );
    case.rates = tax_table();
    case.exemption = Some(exemption());
    let p = case.price().unwrap();
    assert!(p.tax_exempt);
    assert_eq!(p.tax_total, dec!(0));
    assert_eq!(p.tax_total.to_string(), "0.00");
    assert!(
        p.lines
            .iter()
            .all(|l| l.tax.is_zero() && l.tax.scale() == 2)
    );
    assert_eq!(p.total, p.subtotal);
}

#[test]
fn percent_discount_is_spread_over_the_lines() {
    let mut case = Case::new(
        vec![line("a", 3), line("b", 1)],
        vec![product("a", dec!(10.00)), product("b", dec!(70.00))],
    );
    case.promotion = Some(promo(PromotionKind::Percent, dec!(10)));
    case.rates = vec![rate("US", "", dec!(0.10))];
    case.ship_to = ship("US", "");
    let p = case.price().unwrap();
    assert_eq!(p.subtotal, dec!(100.00));
    assert_eq!(p.discount_total, dec!(10.00));
    assert_eq!(p.lines[0].discount, dec!(3.00));
    assert_eq!(p.lines[1].discount, dec!(7.00));
    // Tax is on the discounted amount.
    assert_eq!(p.lines[0].tax, dec!(2.70));
    assert_eq!(p.lines[1].tax, dec!(6.30));
    assert_eq!(p.lines[0].total, dec!(29.70));
    assert_eq!(p.lines[1].total, dec!(69.30));
    assert_eq!(p.tax_total, dec!(9.00));
    assert_eq!(p.total, dec!(99.00));
}

#[test]
fn fixed_discount_is_spread_over_the_lines() {
    let mut case = Case::new(
        vec![line("a", 3), line("b", 1)],
        vec![product("a", dec!(10.00)), product("b", dec!(70.00))],
    );
    case.promotion = Some(promo(PromotionKind::Fixed, dec!(15)));
    let p = case.price().unwrap();
    assert_eq!(p.discount_total, dec!(15.00));
    assert_eq!(p.lines[0].discount, dec!(4.50));
    assert_eq!(p.lines[1].discount, dec!(10.50));
    assert_eq!(p.total, dec!(85.00));
}

#[test]
fn fixed_discount_bigger_than_the_subtotal_is_capped() {
    let mut case = Case::new(
        vec![line("a", 3), line("b", 1)],
        vec![product("a", dec!(10.00)), product("b", dec!(70.00))],
    );
    case.promotion = Some(promo(PromotionKind::Fixed, dec!(500)));
    case.rates = vec![rate("US", "", dec!(0.10))];
    case.ship_to = ship("US", "");
    let p = case.price().unwrap();
    assert_eq!(p.discount_total, dec!(100.00));
    assert_eq!(p.lines[0].discount, dec!(30.00));
    assert_eq!(p.lines[1].discount, dec!(70.00));
    assert_eq!(p.tax_total, dec!(0));
    assert_eq!(p.total, dec!(0));
    assert_eq!(p.total.to_string(), "0.00");
    assert!(p.lines.iter().all(|l| !l.total.is_sign_negative()));
}

#[test]
fn a_refused_promotion_refuses_the_price() {
    let mut case = one_line_of_100();
    case.promotion = Some(Promotion {
        ends_at: Some(now()),
        ..promo(PromotionKind::Percent, dec!(10))
    });
    assert_eq!(
        case.price(),
        Err(DomainError::InvalidPromotion("expired".into()))
    );
    case.promotion = Some(Promotion {
        min_subtotal: Some(dec!(100.01)),
        ..promo(PromotionKind::Percent, dec!(10))
    });
    assert!(matches!(
        case.price(),
        Err(DomainError::InvalidPromotion(_))
    ));
    case.promotion = Some(Promotion {
        min_subtotal: Some(dec!(100.00)),
        ..promo(PromotionKind::Percent, dec!(10))
    });
    assert_eq!(case.price().unwrap().discount_total, dec!(10.00));
}

#[test]
fn inactive_and_unknown_products_are_refused() {
    let mut hidden = product("b", dec!(1));
    hidden.active = false;
    let case = Case::new(
        vec![line("a", 1), line("b", 1), line("zzz", 1)],
        vec![product("a", dec!(1)), hidden],
    );
    match case.price() {
        Err(DomainError::Validation(errs)) => assert_eq!(
            errs,
            vec![
                FieldError::new("items[1].product_id", "is not a product on sale"),
                FieldError::new("items[2].product_id", "is not a product on sale"),
            ]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_product_in_another_currency_is_refused() {
    let case = Case::new(
        vec![line("a", 1), line("e", 1)],
        vec![
            product("a", dec!(1)),
            product_in("e", dec!(1), Currency::parse("EUR").unwrap()),
        ],
    );
    match case.price() {
        Err(DomainError::Validation(errs)) => assert_eq!(
            errs,
            vec![FieldError::new(
                "items[1].product_id",
                "is priced in EUR, not USD"
            )]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_invalid_cart_is_refused_before_pricing() {
    let case = Case::new(vec![], vec![product("a", dec!(1))]);
    assert_eq!(fields(case.price()), vec!["items"]);
}

/// The worked example of the rounding rule: each line's tax is rounded once,
/// to the cent, half to even. 10 % of 0.25, 0.35 and 0.45 is 0.025, 0.035 and
/// 0.045: half-even gives 0.02, 0.04 and 0.04 (each ties to its even
/// neighbour), 0.10 in all, where half-up would give 0.03, 0.04, 0.05 = 0.12.
#[test]
fn rounding_is_per_line_and_half_even() {
    let mut case = Case::new(
        vec![line("a", 1), line("b", 1), line("c", 1)],
        vec![
            product("a", dec!(0.25)),
            product("b", dec!(0.35)),
            product("c", dec!(0.45)),
        ],
    );
    case.rates = vec![rate("US", "", dec!(0.10))];
    case.ship_to = ship("US", "");
    let p = case.price().unwrap();
    let taxes: Vec<_> = p.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, vec![dec!(0.02), dec!(0.04), dec!(0.04)]);
    assert_eq!(p.subtotal, dec!(1.05));
    assert_eq!(p.tax_total, dec!(0.10));
    assert_eq!(p.total, dec!(1.15));

    case.rounding = Rounding::HalfUp;
    let p = case.price().unwrap();
    let taxes: Vec<_> = p.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, vec![dec!(0.03), dec!(0.04), dec!(0.05)]);
    assert_eq!(p.total, dec!(1.17));
}

#[test]
fn a_percent_discount_is_rounded_half_even() {
    let mut case = Case::new(vec![line("a", 1)], vec![product("a", dec!(0.25))]);
    case.promotion = Some(promo(PromotionKind::Percent, dec!(50)));
    // 50 % of 0.25 is 0.125: half-even 0.12, half-up 0.13.
    assert_eq!(case.price().unwrap().discount_total, dec!(0.12));
    case.rounding = Rounding::HalfUp;
    assert_eq!(case.price().unwrap().discount_total, dec!(0.13));
}

#[test]
fn an_indivisible_discount_goes_by_largest_remainder() {
    let mut case = Case::new(
        vec![line("a", 1), line("b", 1), line("c", 1)],
        vec![
            product("a", dec!(1)),
            product("b", dec!(1)),
            product("c", dec!(1)),
        ],
    );
    case.promotion = Some(promo(PromotionKind::Fixed, dec!(1)));
    let p = case.price().unwrap();
    let discounts: Vec<_> = p.lines.iter().map(|l| l.discount).collect();
    // 1.00 / 3 = 0.333...: the odd cent goes to the first line.
    assert_eq!(discounts, vec![dec!(0.34), dec!(0.33), dec!(0.33)]);
    assert_eq!(p.total, dec!(2.00));

    case.products[2].price = Money::new(dec!(2), usd());
    let p = case.price().unwrap();
    let discounts: Vec<_> = p.lines.iter().map(|l| l.discount).collect();
    // Weights 1:1:2 -> 0.25, 0.25, 0.50 exactly.
    assert_eq!(discounts, vec![dec!(0.25), dec!(0.25), dec!(0.50)]);
}

#[test]
fn free_lines_take_no_discount() {
    let mut case = Case::new(
        vec![line("free", 2), line("a", 1)],
        vec![product("free", dec!(0)), product("a", dec!(10))],
    );
    case.promotion = Some(promo(PromotionKind::Fixed, dec!(3)));
    let p = case.price().unwrap();
    assert_eq!(p.lines[0].discount, dec!(0));
    assert_eq!(p.lines[1].discount, dec!(3.00));
    assert_eq!(p.total, dec!(7.00));
}

#[test]
fn yen_have_no_minor_digits() {
    let mut case = Case::new(
        vec![line("a", 1), line("b", 3)],
        vec![
            product_in("a", dec!(333), jpy()),
            product_in("b", dec!(1000), jpy()),
        ],
    );
    case.currency = jpy();
    case.promotion = Some(promo(PromotionKind::Percent, dec!(10)));
    case.rates = vec![rate("JP", "", dec!(0.08))];
    case.ship_to = ship("JP", "");
    let p = case.price().unwrap();
    // 10 % of 3333 is 333.3 -> 333, spread 33.3 : 299.7 -> 33 : 300.
    assert_eq!(p.subtotal.to_string(), "3333");
    assert_eq!(p.discount_total.to_string(), "333");
    assert_eq!(p.lines[0].discount.to_string(), "33");
    assert_eq!(p.lines[1].discount.to_string(), "300");
    // 8 % of 300 and of 2700.
    assert_eq!(p.lines[0].tax.to_string(), "24");
    assert_eq!(p.lines[1].tax.to_string(), "216");
    assert_eq!(p.tax_total.to_string(), "240");
    assert_eq!(p.total.to_string(), "3240");
    assert_eq!(p.shipping_total.to_string(), "0");
    assert_eq!(Money::new(p.total, jpy()).to_minor_units().unwrap(), 3240);
    let mut half = Case::new(vec![line("a", 1)], vec![product_in("a", dec!(25), jpy())]);
    half.currency = jpy();
    half.rates = vec![rate("JP", "", dec!(0.10))];
    half.ship_to = ship("JP", "");
    // 10 % of 25 = 2.5 -> 2 (even); of 35 = 3.5 -> 4 (even).
    assert_eq!(half.price().unwrap().tax_total.to_string(), "2");
    half.products[0].price = Money::new(dec!(35), jpy());
    assert_eq!(half.price().unwrap().tax_total.to_string(), "4");
}

#[test]
fn pricing_is_deterministic() {
    let mut case = Case::new(
        vec![line("a", 3), line("b", 7)],
        vec![product("a", dec!(19.99)), product("b", dec!(0.07))],
    );
    case.promotion = Some(promo(PromotionKind::Percent, dec!(12.5)));
    case.rates = tax_table();
    assert_eq!(case.price().unwrap(), case.price().unwrap());
}
