//! JSON documents stored in text columns (quote carts and lines, addresses,
//! tax exemptions). Amounts are decimal strings, never floats.

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shop_domain::DomainError;
use shop_domain::ids::ProductId;
use shop_domain::pricing::{CartLine, QuoteLine};

use crate::error::corrupt;

pub fn to_json<T: Serialize>(value: &T) -> Result<String, DomainError> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(e.to_string()))
}

pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, DomainError> {
    serde_json::from_str(text).map_err(|_| corrupt(what, text))
}

#[derive(Serialize, Deserialize)]
pub struct CartLineDoc {
    product_id: ProductId,
    quantity: u32,
}

impl From<&CartLine> for CartLineDoc {
    fn from(l: &CartLine) -> Self {
        Self {
            product_id: l.product_id.clone(),
            quantity: l.quantity,
        }
    }
}

impl From<CartLineDoc> for CartLine {
    fn from(d: CartLineDoc) -> Self {
        Self {
            product_id: d.product_id,
            quantity: d.quantity,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct QuoteLineDoc {
    product_id: ProductId,
    sku: String,
    name: String,
    unit_price: Decimal,
    quantity: u32,
    subtotal: Decimal,
    discount: Decimal,
    tax: Decimal,
    total: Decimal,
}

impl From<&QuoteLine> for QuoteLineDoc {
    fn from(l: &QuoteLine) -> Self {
        Self {
            product_id: l.product_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            unit_price: l.unit_price,
            quantity: l.quantity,
            subtotal: l.subtotal,
            discount: l.discount,
            tax: l.tax,
            total: l.total,
        }
    }
}

impl From<QuoteLineDoc> for QuoteLine {
    fn from(d: QuoteLineDoc) -> Self {
        Self {
            product_id: d.product_id,
            sku: d.sku,
            name: d.name,
            unit_price: d.unit_price,
            quantity: d.quantity,
            subtotal: d.subtotal,
            discount: d.discount,
            tax: d.tax,
            total: d.total,
        }
    }
}
