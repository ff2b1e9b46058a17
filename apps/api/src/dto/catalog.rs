//! Categories and products.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::catalog::{Category, NewCategory, Product, StockMovement, StockMovementKind};
use utoipa::{IntoParams, ToSchema};

use super::common::{MoneyDto, PriceInput, double_option, list_response, money};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: String,
    #[schema(example = "tools")]
    pub slug: String,
    pub name: String,
}

impl From<Category> for CategoryDto {
    fn from(c: Category) -> Self {
        Self {
            id: c.id.to_string(),
            slug: c.slug,
            name: c.name,
        }
    }
}

/// Every category (`{items}`; the list is not paged).
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryDto>,
}

/// A product. Customers only ever see active ones.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductDto {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category_id: Option<String>,
    pub price: MoneyDto,
    pub in_stock: bool,
    pub stock: u32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Product> for ProductDto {
    fn from(p: Product) -> Self {
        Self {
            price: money(p.price.amount, &p.price.currency),
            id: p.id.to_string(),
            sku: p.sku,
            name: p.name,
            description: p.description,
            category_id: p.category_id.map(|c| c.to_string()),
            in_stock: p.stock > 0,
            stock: p.stock,
            active: p.active,
            created_at: p.created_at,
        }
    }
}

list_response!(
    /// A page of products, ordered by name.
    ProductList,
    ProductDto
);

/// Product search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// A category id or slug.
    pub category: Option<String>,
    /// Case-insensitive text in name, sku or description.
    pub q: Option<String>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategoryRequest {
    /// a-z, 0-9 and -, at most 64.
    pub slug: String,
    pub name: String,
}

impl From<NewCategoryRequest> for NewCategory {
    fn from(r: NewCategoryRequest) -> Self {
        Self {
            slug: r.slug,
            name: r.name,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductRequest {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category_id: Option<String>,
    /// In the shop currency: "12.50", or `{"amount": "12.50", "currency": "USD"}`.
    #[schema(value_type = String, example = "12.50")]
    pub price: PriceInput,
    #[serde(default)]
    pub stock: u32,
    /// Default true.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Every field optional; `category_id: null` removes the category.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatchRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "12.50")]
    pub price: Option<PriceInput>,
    /// Not writable here (422): stock changes are adjustments,
    /// `POST /api/v1/admin/products/{id}/stock-adjustments`.
    #[serde(default)]
    #[schema(value_type = Option<u32>, deprecated)]
    pub stock: Option<serde_json::Value>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub category_id: Option<Option<String>>,
}

/// `POST /api/v1/admin/products/{id}/stock-adjustments`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockAdjustmentRequest {
    /// Units added (positive) or taken (negative); not 0, at most
    /// 1000000000 either way.
    #[schema(example = -2, minimum = -1_000_000_000, maximum = 1_000_000_000)]
    pub delta: i64,
    /// Why: 1..=200 characters (trimmed), no control characters.
    #[schema(
        example = "2 units damaged in storage",
        min_length = 1,
        max_length = 200
    )]
    pub reason: String,
}

/// Why the stock moved.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StockMovementKindDto {
    /// The count the product was created with (or had when the ledger began).
    Initial,
    /// An admin's correction.
    Adjustment,
    /// Held for an order at placement.
    OrderReserved,
    /// Given back by an order canceled or whose payment failed.
    OrderReleased,
}

/// One change of a product's stock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StockMovementDto {
    pub id: String,
    pub product_id: String,
    /// Units added (positive) or taken (negative).
    pub delta: i64,
    /// The stock right after this movement.
    pub stock_after: Option<u32>,
    pub kind: StockMovementKindDto,
    /// An admin's words for an adjustment.
    pub reason: Option<String>,
    pub order_id: Option<String>,
    /// `user:<id>`, `system` or `square`.
    #[schema(example = "user:0192f0c4-1b2c-7d3e-8f40-123456789abc")]
    pub by: String,
    pub at: DateTime<Utc>,
}

impl From<StockMovement> for StockMovementDto {
    fn from(m: StockMovement) -> Self {
        Self {
            id: m.id.to_string(),
            product_id: m.product_id.to_string(),
            delta: m.delta,
            stock_after: m.stock_after,
            kind: match m.kind {
                StockMovementKind::Initial => StockMovementKindDto::Initial,
                StockMovementKind::Adjustment => StockMovementKindDto::Adjustment,
                StockMovementKind::OrderReserved => StockMovementKindDto::OrderReserved,
                StockMovementKind::OrderReleased => StockMovementKindDto::OrderReleased,
            },
            reason: m.reason,
            order_id: m.order_id.map(|o| o.to_string()),
            by: m.by.label(),
            at: m.at,
        }
    }
}

/// The adjustment recorded and the product after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockAdjustedDto {
    pub movement: StockMovementDto,
    pub product: ProductDto,
}

list_response!(
    /// A page of a product's stock movements, newest first.
    StockMovementList,
    StockMovementDto
);
