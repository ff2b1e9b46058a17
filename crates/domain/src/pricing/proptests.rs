//! Invariants of `price_cart` over random carts.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::price::normalise_cart;
use super::*;
use crate::business::{Address, TaxExemption};
use crate::catalog::Product;
use crate::ids::{ProductId, PromotionId};
use crate::money::{Currency, Money, Rounding, round_to_minor};

#[derive(Debug, Clone)]
struct Scenario {
    currency: &'static str,
    /// Minor units of each product's price.
    prices: Vec<i64>,
    /// (index into `prices`, quantity).
    lines: Vec<(usize, u32)>,
    /// None, or (percent?, value in hundredths of a percent or minor units).
    promotion: Option<(bool, i64)>,
    /// Millionths.
    tax_rate: i64,
    exempt: bool,
    half_up: bool,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![4 => Just("USD"), 1 => Just("JPY"), 1 => Just("KWD")],
        1usize..=20,
    )
        .prop_flat_map(|(currency, products)| {
            let unit = 10_i64.pow(
                Currency::parse(currency)
                    .map(|c| c.minor_digits())
                    .unwrap_or(2),
            );
            (
                Just(currency),
                // 0.00 ..= 10000.00 in the currency.
                proptest::collection::vec(0..=10_000 * unit, products),
                proptest::collection::vec((0..products, 1u32..=50), 1..=20),
                proptest::option::of(prop_oneof![
                    // 0.01 % ..= 100 %
                    (Just(true), 1_i64..=10_000),
                    // a fixed amount up to 50000.00, often above the subtotal
                    (Just(false), 1..=50_000 * unit),
                ]),
                0_i64..=250_000,
                any::<bool>(),
                any::<bool>(),
            )
        })
        .prop_map(
            |(currency, prices, lines, promotion, tax_rate, exempt, half_up)| Scenario {
                currency,
                prices,
                lines,
                promotion,
                tax_rate,
                exempt,
                half_up,
            },
        )
}

fn assert_amount(what: &str, d: Decimal, digits: u32) -> Result<(), TestCaseError> {
    prop_assert!(!d.is_sign_negative(), "{} is negative: {}", what, d);
    prop_assert_eq!(d.scale(), digits, "{} = {} has the wrong scale", what, d);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn price_cart_invariants(s in scenario()) {
        let currency = Currency::parse(s.currency).unwrap();
        let digits = currency.minor_digits();
        let rounding = if s.half_up { Rounding::HalfUp } else { Rounding::HalfEven };
        let now = Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap();
        let products: Vec<Product> = s
            .prices
            .iter()
            .enumerate()
            .map(|(i, minor)| Product {
                id: ProductId::new(format!("p{i}")),
                sku: format!("SKU{i}"),
                name: format!("Product {i}"),
                description: String::new(),
                category_id: None,
                price: Money::new(Decimal::new(*minor, digits), currency.clone()),
                stock: 100_000,
                active: true,
                created_at: now,
            })
            .collect();
        let items: Vec<CartLine> = s
            .lines
            .iter()
            .map(|(i, q)| CartLine { product_id: ProductId::new(format!("p{i}")), quantity: *q })
            .collect();
        let promotion = s.promotion.map(|(percent, v)| Promotion {
            id: PromotionId::new("promo"),
            code: "P".into(),
            kind: if percent { PromotionKind::Percent } else { PromotionKind::Fixed },
            value: if percent { Decimal::new(v, 2) } else { Decimal::new(v, digits) },
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            max_uses: None,
            uses: 0,
            created_at: now,
        });
        let rate = Decimal::new(s.tax_rate, 6);
        let ship_to = Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Town".into(),
            region: "CA".into(),
            postal_code: "1".into(),
            country: "US".into(),
        };
        let rates = vec![TaxRate { country: "US".into(), region: "CA".into(), rate }];
        let exemption = s.exempt.then(|| TaxExemption {
            certificate_number: "EX".into(),
            region: "CA".into(),
            expires_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            approved_by: None,
        });
        let p = price_cart(&PricingInput {
            items: &items,
            products: &products,
            currency: &currency,
            rounding,
            promotion: promotion.as_ref(),
            ship_to: &ship_to,
            tax_rates: &rates,
            tax_exemption: exemption.as_ref(),
            now,
        })
        .unwrap();

        let merged = normalise_cart(&items).unwrap();
        prop_assert_eq!(p.lines.len(), merged.len());

        let sum = |f: fn(&QuoteLine) -> Decimal| p.lines.iter().map(f).sum::<Decimal>();
        prop_assert_eq!(sum(|l| l.subtotal), p.subtotal);
        prop_assert_eq!(sum(|l| l.discount), p.discount_total);
        prop_assert_eq!(sum(|l| l.tax), p.tax_total);
        prop_assert_eq!(sum(|l| l.total), p.total);
        prop_assert_eq!(p.total, p.subtotal - p.discount_total + p.tax_total + p.shipping_total);

        for (what, d) in [
            ("subtotal", p.subtotal),
            ("discount_total", p.discount_total),
            ("tax_total", p.tax_total),
            ("shipping_total", p.shipping_total),
            ("total", p.total),
        ] {
            assert_amount(what, d, digits)?;
        }
        for (l, m) in p.lines.iter().zip(&merged) {
            prop_assert_eq!(&l.product_id, &m.product_id);
            prop_assert_eq!(l.quantity, m.quantity);
            for (what, d) in [
                ("unit_price", l.unit_price),
                ("line subtotal", l.subtotal),
                ("line discount", l.discount),
                ("line tax", l.tax),
                ("line total", l.total),
            ] {
                assert_amount(what, d, digits)?;
            }
            prop_assert_eq!(l.subtotal, l.unit_price * Decimal::from(l.quantity));
            prop_assert!(l.discount <= l.subtotal, "line discount {} > {}", l.discount, l.subtotal);
            prop_assert_eq!(l.total, l.subtotal - l.discount + l.tax);
            let expected_tax = if s.exempt {
                Decimal::ZERO
            } else {
                round_to_minor((l.subtotal - l.discount) * rate, &currency, rounding)
            };
            prop_assert_eq!(l.tax, expected_tax);
        }

        prop_assert!(p.discount_total <= p.subtotal);
        let expected_discount = match &promotion {
            None => Decimal::ZERO,
            Some(pr) => {
                let raw = match pr.kind {
                    PromotionKind::Percent => p.subtotal * pr.value / Decimal::ONE_HUNDRED,
                    PromotionKind::Fixed => pr.value,
                };
                round_to_minor(raw.min(p.subtotal), &currency, rounding)
            }
        };
        prop_assert_eq!(p.discount_total, expected_discount);

        prop_assert_eq!(p.tax_exempt, s.exempt);
        if s.exempt {
            prop_assert!(p.tax_total.is_zero());
            prop_assert!(p.lines.iter().all(|l| l.tax.is_zero()));
        }
        prop_assert!(Money::new(p.total, currency.clone()).to_minor_units().is_ok());
    }

    #[test]
    fn normalise_cart_keeps_every_quantity(lines in proptest::collection::vec((0usize..5, 1u32..=50), 1..=20)) {
        let items: Vec<CartLine> = lines
            .iter()
            .map(|(i, q)| CartLine { product_id: ProductId::new(format!("p{i}")), quantity: *q })
            .collect();
        let merged = normalise_cart(&items).unwrap();
        let total_in: u32 = items.iter().map(|l| l.quantity).sum();
        let total_out: u32 = merged.iter().map(|l| l.quantity).sum();
        prop_assert_eq!(total_in, total_out);
        for (i, a) in merged.iter().enumerate() {
            prop_assert!(merged[i + 1..].iter().all(|b| b.product_id != a.product_id));
        }
    }
}
