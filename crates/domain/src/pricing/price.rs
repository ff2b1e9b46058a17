use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{CartLine, Promotion, PromotionKind, QuoteLine, TaxRate};
use crate::DomainError;
use crate::business::{Address, TaxExemption};
use crate::catalog::Product;
use crate::error::Validator;
use crate::money::{Currency, Rounding, round_to_minor};

pub const MAX_CART_LINES: usize = 100;
pub const MAX_LINE_QUANTITY: u32 = 10_000;

/// Everything a price depends on; nothing else may influence it.
#[derive(Debug, Clone)]
pub struct PricingInput<'a> {
    pub items: &'a [CartLine],
    pub products: &'a [Product],
    pub currency: &'a Currency,
    pub rounding: Rounding,
    pub promotion: Option<&'a Promotion>,
    pub ship_to: &'a Address,
    pub tax_rates: &'a [TaxRate],
    pub tax_exemption: Option<&'a TaxExemption>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCart {
    pub lines: Vec<QuoteLine>,
    pub subtotal: Decimal,
    pub discount_total: Decimal,
    pub tax_total: Decimal,
    pub shipping_total: Decimal,
    pub total: Decimal,
    pub tax_exempt: bool,
}

/// Merges repeated products and checks quantities, keeping first-seen order.
pub fn normalise_cart(items: &[CartLine]) -> Result<Vec<CartLine>, DomainError> {
    let mut v = Validator::new();
    v.check(!items.is_empty(), "items", "must not be empty");
    v.check(
        items.len() <= MAX_CART_LINES,
        "items",
        &format!("must hold at most {MAX_CART_LINES} lines"),
    );
    let mut merged: Vec<CartLine> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.quantity == 0 || item.quantity > MAX_LINE_QUANTITY {
            v.push(
                &format!("items[{i}].quantity"),
                &format!("must be between 1 and {MAX_LINE_QUANTITY}"),
            );
            continue;
        }
        match merged.iter_mut().find(|m| m.product_id == item.product_id) {
            Some(m) => m.quantity = m.quantity.saturating_add(item.quantity),
            None => merged.push(item.clone()),
        }
    }
    for m in &merged {
        if m.quantity > MAX_LINE_QUANTITY {
            v.push(
                "items",
                &format!("quantity of {} exceeds {MAX_LINE_QUANTITY}", m.product_id),
            );
        }
    }
    v.finish()?;
    Ok(merged)
}

fn tax_rate_for(rates: &[TaxRate], ship_to: &Address) -> Decimal {
    let country = ship_to.country.to_ascii_uppercase();
    let region = ship_to.region.to_ascii_uppercase();
    rates
        .iter()
        .find(|r| r.country == country && r.region == region && !region.is_empty())
        .or_else(|| {
            rates
                .iter()
                .find(|r| r.country == country && r.region.is_empty())
        })
        .map(|r| r.rate)
        .unwrap_or(Decimal::ZERO)
}

/// Splits `total` (whole minor units) over `weights` in proportion, by the
/// largest-remainder method, so the parts add up to `total` exactly and no
/// part exceeds its weight when `total <= sum(weights)`.
fn allocate(total: Decimal, weights: &[Decimal], currency: &Currency) -> Vec<Decimal> {
    let sum: Decimal = weights.iter().copied().sum();
    if sum.is_zero() || total.is_zero() {
        // Zero with the currency's minor digits ("0.00"), like every amount.
        return vec![Decimal::new(0, currency.minor_digits()); weights.len()];
    }
    let unit = Decimal::new(1, currency.minor_digits());
    let mut parts: Vec<(Decimal, Decimal)> = weights
        .iter()
        .map(|w| {
            let exact = total * *w / sum;
            let floor = (exact / unit).floor() * unit;
            (floor, exact - floor)
        })
        .collect();
    let allocated: Decimal = parts.iter().map(|p| p.0).sum();
    let mut left = ((total - allocated) / unit).round();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].1.cmp(&parts[*a].1).then(a.cmp(b)));
    for i in order {
        if left <= Decimal::ZERO {
            break;
        }
        if parts[i].1 > Decimal::ZERO {
            parts[i].0 += unit;
            left -= Decimal::ONE;
        }
    }
    parts
        .into_iter()
        .map(|(mut p, _)| {
            p.rescale(currency.minor_digits());
            p
        })
        .collect()
}

/// Prices a cart. Each line is rounded once, after discount and tax, so
/// `total = subtotal - discount_total + tax_total + shipping_total` holds
/// exactly and the lines add up to the totals.
pub fn price_cart(input: &PricingInput<'_>) -> Result<PricedCart, DomainError> {
    let items = normalise_cart(input.items)?;
    let by_id: HashMap<_, _> = input.products.iter().map(|p| (&p.id, p)).collect();
    let mut v = Validator::new();
    let mut resolved = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match by_id.get(&item.product_id) {
            Some(p) if p.active && p.price.currency == *input.currency => resolved.push((item, *p)),
            Some(p) if p.active => v.push(
                &format!("items[{i}].product_id"),
                &format!("is priced in {}, not {}", p.price.currency, input.currency),
            ),
            _ => v.push(
                &format!("items[{i}].product_id"),
                "is not a product on sale",
            ),
        }
    }
    v.finish()?;

    let cur = input.currency;
    let subtotals: Vec<Decimal> = resolved
        .iter()
        .map(|(item, p)| {
            round_to_minor(
                p.price.amount * Decimal::from(item.quantity),
                cur,
                input.rounding,
            )
        })
        .collect();
    let subtotal: Decimal = subtotals.iter().copied().sum();

    let discount_total = match input.promotion {
        None => Decimal::ZERO,
        Some(promo) => {
            if let Some(why) = promo.refusal(input.now, subtotal) {
                return Err(why.into());
            }
            let raw = match promo.kind {
                PromotionKind::Percent => subtotal * promo.value / Decimal::ONE_HUNDRED,
                PromotionKind::Fixed => promo.value,
            };
            round_to_minor(raw.min(subtotal), cur, input.rounding)
        }
    };
    let discounts = allocate(discount_total, &subtotals, cur);

    let exempt = input.tax_exemption.is_some();
    let rate = if exempt {
        Decimal::ZERO
    } else {
        tax_rate_for(input.tax_rates, input.ship_to)
    };

    let lines: Vec<QuoteLine> = resolved
        .iter()
        .zip(subtotals.iter().zip(discounts.iter()))
        .map(|((item, p), (sub, disc))| {
            let taxable = *sub - *disc;
            let tax = round_to_minor(taxable * rate, cur, input.rounding);
            QuoteLine {
                product_id: p.id.clone(),
                sku: p.sku.clone(),
                name: p.name.clone(),
                unit_price: round_to_minor(p.price.amount, cur, input.rounding),
                quantity: item.quantity,
                subtotal: *sub,
                discount: *disc,
                tax,
                total: taxable + tax,
            }
        })
        .collect();

    let discount_total: Decimal = lines.iter().map(|l| l.discount).sum();
    let tax_total: Decimal = lines.iter().map(|l| l.tax).sum();
    let shipping_total = round_to_minor(Decimal::ZERO, cur, input.rounding);
    let mut total = subtotal - discount_total + tax_total + shipping_total;
    total.rescale(cur.minor_digits());
    let fix = |mut d: Decimal| {
        d.rescale(cur.minor_digits());
        d
    };
    Ok(PricedCart {
        subtotal: fix(subtotal),
        discount_total: fix(discount_total),
        tax_total: fix(tax_total),
        shipping_total,
        total,
        tax_exempt: exempt,
        lines,
    })
}
