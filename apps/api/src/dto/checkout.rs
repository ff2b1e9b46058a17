//! Quotes: a priced cart, kept server-side until it expires.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use shop_domain::Currency;
use shop_domain::ids::ProductId;
use shop_domain::order::OrderLine;
use shop_domain::pricing::{CartLine, Quote, QuoteLine, QuoteRequest};
use utoipa::ToSchema;

use super::common::{AddressDto, MoneyDto, money};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartItemDto {
    pub product_id: String,
    /// 1..=10000.
    pub quantity: u32,
}

/// A cart to price. Prices, taxes and totals are the server's business: a
/// client cannot send them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequestDto {
    pub items: Vec<CartItemDto>,
    #[serde(default)]
    pub promo_code: Option<String>,
    pub ship_to: AddressDto,
}

impl From<QuoteRequestDto> for QuoteRequest {
    fn from(r: QuoteRequestDto) -> Self {
        Self {
            items: r
                .items
                .into_iter()
                .map(|i| CartLine {
                    product_id: ProductId::new(i.product_id),
                    quantity: i.quantity,
                })
                .collect(),
            promo_code: r.promo_code,
            ship_to: r.ship_to.into(),
        }
    }
}

/// One priced line of a quote or an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineDto {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub unit_price: MoneyDto,
    pub quantity: u32,
    pub subtotal: MoneyDto,
    pub discount: MoneyDto,
    pub tax: MoneyDto,
    pub total: MoneyDto,
}

#[allow(clippy::too_many_arguments)]
fn line(
    product_id: &ProductId,
    sku: String,
    name: String,
    unit_price: Decimal,
    quantity: u32,
    amounts: [Decimal; 4],
    currency: &Currency,
) -> LineDto {
    let [subtotal, discount, tax, total] = amounts;
    LineDto {
        product_id: product_id.to_string(),
        sku,
        name,
        unit_price: money(unit_price, currency),
        quantity,
        subtotal: money(subtotal, currency),
        discount: money(discount, currency),
        tax: money(tax, currency),
        total: money(total, currency),
    }
}

impl LineDto {
    pub fn from_quote(l: QuoteLine, currency: &Currency) -> Self {
        line(
            &l.product_id,
            l.sku,
            l.name,
            l.unit_price,
            l.quantity,
            [l.subtotal, l.discount, l.tax, l.total],
            currency,
        )
    }

    pub fn from_order(l: OrderLine, currency: &Currency) -> Self {
        line(
            &l.product_id,
            l.sku,
            l.name,
            l.unit_price,
            l.quantity,
            [l.subtotal, l.discount, l.tax, l.total],
            currency,
        )
    }
}

/// A quote; place an order from it with `POST /api/v1/orders` before `expires_at`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteDto {
    pub quote_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[schema(example = "USD")]
    pub currency: String,
    pub lines: Vec<LineDto>,
    pub subtotal: MoneyDto,
    pub discount_total: MoneyDto,
    pub tax_total: MoneyDto,
    pub shipping_total: MoneyDto,
    pub total: MoneyDto,
    pub tax_exempt: bool,
    pub promo_code: Option<String>,
    pub ship_to: AddressDto,
}

impl From<Quote> for QuoteDto {
    fn from(q: Quote) -> Self {
        let c = &q.currency;
        Self {
            quote_id: q.id.to_string(),
            created_at: q.created_at,
            expires_at: q.expires_at,
            currency: c.code().to_string(),
            lines: q
                .lines
                .into_iter()
                .map(|l| LineDto::from_quote(l, c))
                .collect(),
            subtotal: money(q.subtotal, c),
            discount_total: money(q.discount_total, c),
            tax_total: money(q.tax_total, c),
            shipping_total: money(q.shipping_total, c),
            total: money(q.total, c),
            tax_exempt: q.tax_exemption.is_some(),
            promo_code: q.promo_code,
            ship_to: q.ship_to.into(),
        }
    }
}
