use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use shop_domain::audit::AuditEntry;
use shop_domain::catalog::{CatalogStore, Category, Product, ProductFilter, StockMovement};
use shop_domain::ids::{CategoryId, ProductId};
use shop_domain::{DomainError, Page, PageRequest};

use super::page::{Order, paginate};
use super::{MemoryStore, State, contains_ci};

impl State {
    /// Applies each movement (all or none): `InsufficientStock` when one
    /// is refused by the domain's rule, `NotFound` for a missing product.
    pub(super) fn apply_movements(
        &mut self,
        movements: &[StockMovement],
        missing: fn(&StockMovement) -> DomainError,
    ) -> Result<Vec<StockMovement>, DomainError> {
        let mut next: HashMap<ProductId, u32> = HashMap::new();
        let mut applied = Vec::with_capacity(movements.len());
        for movement in movements {
            let current = match next.get(&movement.product_id) {
                Some(stock) => *stock,
                None => {
                    self.products
                        .get(&movement.product_id)
                        .ok_or_else(|| missing(movement))?
                        .stock
                }
            };
            let after =
                movement
                    .apply_to(current)
                    .ok_or_else(|| DomainError::InsufficientStock {
                        product_id: movement.product_id.to_string(),
                    })?;
            next.insert(movement.product_id.clone(), after);
            applied.push(StockMovement {
                stock_after: Some(after),
                ..movement.clone()
            });
        }
        for (id, stock) in next {
            if let Some(product) = self.products.get_mut(&id) {
                product.stock = stock;
            }
        }
        self.stock_movements.extend(applied.iter().cloned());
        Ok(applied)
    }
}

#[async_trait]
impl CatalogStore for MemoryStore {
    /// By name, then id.
    async fn list_categories(&self) -> Result<Vec<Category>, DomainError> {
        let mut categories: Vec<Category> = self.lock().categories.values().cloned().collect();
        categories.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(categories)
    }

    async fn get_category(&self, id: &CategoryId) -> Result<Option<Category>, DomainError> {
        Ok(self.lock().categories.get(id).cloned())
    }

    async fn insert_category(
        &self,
        category: &Category,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.categories.contains_key(&category.id)
            || state.categories.values().any(|c| c.slug == category.slug)
        {
            return Err(DomainError::AlreadyExists("category"));
        }
        state
            .categories
            .insert(category.id.clone(), category.clone());
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    async fn insert_product<'a>(
        &self,
        product: &Product,
        opening: Option<&'a StockMovement>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        if state.products.contains_key(&product.id)
            || state.products.values().any(|p| p.sku == product.sku)
        {
            return Err(DomainError::AlreadyExists("product"));
        }
        state.products.insert(product.id.clone(), product.clone());
        if let Some(opening) = opening {
            state.stock_movements.push(StockMovement {
                stock_after: Some(product.stock),
                ..opening.clone()
            });
        }
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    async fn get_product(&self, id: &ProductId) -> Result<Option<Product>, DomainError> {
        Ok(self.lock().products.get(id).cloned())
    }

    /// The existing products among `ids`, each once, in the order asked.
    async fn get_products(&self, ids: &[ProductId]) -> Result<Vec<Product>, DomainError> {
        let state = self.lock();
        let mut seen = HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(*id))
            .filter_map(|id| state.products.get(id).cloned())
            .collect())
    }

    async fn update_product(
        &self,
        product: &Product,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let mut state = self.lock();
        let stored = state
            .products
            .get_mut(&product.id)
            .ok_or(DomainError::NotFound("product"))?;
        *stored = Product {
            id: stored.id.clone(),
            sku: stored.sku.clone(),
            stock: stored.stock,
            created_at: stored.created_at,
            ..product.clone()
        };
        state.audit.extend_from_slice(audit);
        Ok(())
    }

    async fn adjust_stock(
        &self,
        movement: &StockMovement,
        audit: &[AuditEntry],
    ) -> Result<StockMovement, DomainError> {
        let mut state = self.lock();
        let mut applied = state.apply_movements(std::slice::from_ref(movement), |_| {
            DomainError::NotFound("product")
        })?;
        let applied = applied.pop().ok_or(DomainError::NotFound("product"))?;
        state.audit.extend_from_slice(audit);
        Ok(applied)
    }

    async fn stock_movements(
        &self,
        product_id: &ProductId,
        page: &PageRequest,
    ) -> Result<Page<StockMovement>, DomainError> {
        let state = self.lock();
        let rows = state
            .stock_movements
            .iter()
            .filter(|m| &m.product_id == product_id)
            .cloned();
        paginate(rows, |m| m.id.as_str().to_string(), Order::Descending, page)
    }

    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Product>, DomainError> {
        let state = self.lock();
        let rows = state.products.values().filter(|p| {
            (filter.include_inactive || p.active)
                && filter
                    .category_id
                    .as_ref()
                    .is_none_or(|c| p.category_id.as_ref() == Some(c))
                && contains_ci(filter.query.as_deref(), &[&p.name, &p.sku, &p.description])
        });
        paginate(
            rows.cloned(),
            |p| (p.name.clone(), p.id.as_str().to_string()),
            Order::Ascending,
            page,
        )
    }
}
