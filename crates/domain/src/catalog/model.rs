use async_trait::async_trait;

use crate::audit::AuditEntry;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::StockMovement;
use crate::error::Validator;
use crate::ids::{CategoryId, ProductId};
use crate::money::{Currency, Money};
use crate::{DomainError, Page, PageRequest};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category_id: Option<CategoryId>,
    pub price: Money,
    /// Never negative: reservations are conditional on it.
    pub stock: u32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub slug: String,
    pub name: String,
}

impl NewCategory {
    pub fn validated(&self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let slug = self.slug.trim().to_ascii_lowercase();
        v.check(
            !slug.is_empty()
                && slug.len() <= 64
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "slug",
            "must be 1..=64 characters of a-z, 0-9 and -",
        );
        let name = self.name.trim().to_string();
        v.check(
            !name.is_empty() && name.chars().count() <= 100 && !name.chars().any(char::is_control),
            "name",
            "must be 1..=100 characters without control characters",
        );
        v.finish()?;
        Ok(Self { slug, name })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category_id: Option<CategoryId>,
    pub price: Decimal,
    pub stock: u32,
    pub active: bool,
}

fn check_sku(v: &mut Validator, raw: &str) -> String {
    let sku = raw.trim().to_string();
    v.check(
        !sku.is_empty()
            && sku.len() <= 64
            && sku
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')),
        "sku",
        "must be 1..=64 characters of A-Z, a-z, 0-9, - _ .",
    );
    sku
}

fn check_name(v: &mut Validator, raw: &str) -> String {
    let name = raw.trim().to_string();
    v.check(
        !name.is_empty() && name.chars().count() <= 200 && !name.chars().any(char::is_control),
        "name",
        "must be 1..=200 characters without control characters",
    );
    name
}

fn check_description(v: &mut Validator, raw: &str) -> String {
    v.check(
        raw.chars().count() <= 10_000,
        "description",
        "must be at most 10000 characters",
    );
    raw.to_string()
}

/// The most units of one product the shop counts.
pub const MAX_STOCK: u32 = 1_000_000_000;

impl NewProduct {
    pub fn validated(&self, currency: &Currency) -> Result<(Self, Money), DomainError> {
        let mut v = Validator::new();
        let sku = check_sku(&mut v, &self.sku);
        let name = check_name(&mut v, &self.name);
        let description = check_description(&mut v, &self.description);
        let price = v.take("price", Money::parse_price(self.price, currency));
        v.check(self.stock <= MAX_STOCK, "stock", "is too large");
        v.finish()?;
        let price = price.ok_or_else(|| DomainError::invalid("price", "is invalid"))?;
        Ok((
            Self {
                sku,
                name,
                description,
                price: price.amount,
                ..self.clone()
            },
            price,
        ))
    }
}

/// A partial update; `None` leaves the field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Decimal>,
    pub active: Option<bool>,
    /// `Some(None)` removes the category.
    pub category_id: Option<Option<CategoryId>>,
}

impl ProductPatch {
    /// Applies the patch to `product`, validating each given field.
    pub fn apply(&self, product: &Product) -> Result<Product, DomainError> {
        let mut v = Validator::new();
        let mut next = product.clone();
        if let Some(name) = &self.name {
            next.name = check_name(&mut v, name);
        }
        if let Some(d) = &self.description {
            next.description = check_description(&mut v, d);
        }
        if let Some(p) = self.price
            && let Some(m) = v.take("price", Money::parse_price(p, &product.price.currency))
        {
            next.price = m;
        }
        if let Some(a) = self.active {
            next.active = a;
        }
        if let Some(c) = &self.category_id {
            next.category_id = c.clone();
        }
        v.finish()?;
        Ok(next)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    pub category_id: Option<CategoryId>,
    /// Case-insensitive substring of name, sku or description.
    pub query: Option<String>,
    pub include_inactive: bool,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait CatalogStore: Send + Sync {
    async fn list_categories(&self) -> Result<Vec<Category>, DomainError>;
    async fn get_category(&self, id: &CategoryId) -> Result<Option<Category>, DomainError>;
    /// [`DomainError::AlreadyExists`] when the slug is taken. The writes of
    /// this port append `audit` to the trail in the change's transaction.
    async fn insert_category(
        &self,
        category: &Category,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    /// [`DomainError::AlreadyExists`] when the sku is taken. Records
    /// `opening` (the initial stock's movement) with it, when given. `'a`
    /// is named as in [`crate::account::RefreshTokenStore::revoke_user_sessions`].
    async fn insert_product<'a>(
        &self,
        product: &Product,
        opening: Option<&'a StockMovement>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    async fn get_product(&self, id: &ProductId) -> Result<Option<Product>, DomainError>;
    async fn get_products(&self, ids: &[ProductId]) -> Result<Vec<Product>, DomainError>;
    /// Replaces every field but id, sku, stock and created_at: stock moves
    /// only through movements, so a stale copy must never overwrite it.
    async fn update_product(
        &self,
        product: &Product,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError>;
    /// Applies one movement to the product's stock and records it, at once:
    /// [`DomainError::InsufficientStock`] (and nothing written) when the
    /// stock would go below zero or past [`MAX_STOCK`],
    /// `NotFound` for a missing product. Returns the movement with
    /// `stock_after` set.
    async fn adjust_stock(
        &self,
        movement: &StockMovement,
        audit: &[AuditEntry],
    ) -> Result<StockMovement, DomainError>;
    /// The product's movements, newest first (by id).
    async fn stock_movements(
        &self,
        product_id: &ProductId,
        page: &PageRequest,
    ) -> Result<Page<StockMovement>, DomainError>;
    /// Ordered by name, then id.
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Product>, DomainError>;
}
