use std::sync::Arc;

use super::CatalogStore;
use super::{
    Category, NewCategory, NewProduct, Product, ProductFilter, ProductPatch, StockAdjustment,
    StockMovement, StockMovementKind,
};
use crate::account::Principal;
use crate::audit::{AuditAction, AuditEntry};
use crate::ids::{CategoryId, ProductId, StockMovementId};
use crate::order::Actor;
use crate::settings::ShopSettings;
use crate::{Clock, DomainError, IdGenerator, Page, PageRequest};

/// The ports the catalog service uses.
#[derive(Clone)]
pub struct CatalogPorts {
    pub catalog: Arc<dyn CatalogStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

pub struct CatalogService {
    ports: CatalogPorts,
    settings: Arc<ShopSettings>,
}

impl CatalogService {
    pub fn new(ports: CatalogPorts, settings: Arc<ShopSettings>) -> Self {
        Self { ports, settings }
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn categories(&self) -> Result<Vec<Category>, DomainError> {
        self.ports.catalog.list_categories().await
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn create_category(
        &self,
        admin: &Principal,
        new: &NewCategory,
    ) -> Result<Category, DomainError> {
        admin.require_admin()?;
        let new = new.validated()?;
        let category = Category {
            id: CategoryId::new(self.ports.ids.new_id()),
            slug: new.slug,
            name: new.name,
        };
        let audit = AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            self.ports.clock.now(),
            AuditAction::CategoryCreate,
            "category",
            &category.id,
        )
        .field("slug", None::<&str>, Some(&category.slug))
        .field("name", None::<&str>, Some(&category.name));
        self.ports
            .catalog
            .insert_category(&category, &[audit])
            .await?;
        Ok(category)
    }

    /// What customers see: active products only.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn products(
        &self,
        category_id: Option<CategoryId>,
        query: Option<String>,
        page: &PageRequest,
    ) -> Result<Page<Product>, DomainError> {
        let filter = ProductFilter {
            category_id,
            query: query
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty()),
            include_inactive: false,
        };
        self.ports.catalog.list_products(&filter, page).await
    }

    #[tracing::instrument(level = "info", skip_all, fields(product_id = %id))]
    pub async fn product(&self, id: &ProductId) -> Result<Product, DomainError> {
        match self.ports.catalog.get_product(id).await? {
            Some(p) if p.active => Ok(p),
            _ => Err(DomainError::NotFound("product")),
        }
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn admin_products(
        &self,
        admin: &Principal,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Product>, DomainError> {
        admin.require_admin()?;
        let filter = ProductFilter {
            include_inactive: true,
            ..filter.clone()
        };
        self.ports.catalog.list_products(&filter, page).await
    }

    async fn check_category(&self, id: Option<&CategoryId>) -> Result<(), DomainError> {
        if let Some(id) = id
            && self.ports.catalog.get_category(id).await?.is_none()
        {
            return Err(DomainError::invalid("category_id", "is not a category"));
        }
        Ok(())
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn create_product(
        &self,
        admin: &Principal,
        new: &NewProduct,
    ) -> Result<Product, DomainError> {
        admin.require_admin()?;
        let (new, price) = new.validated(&self.settings.currency)?;
        self.check_category(new.category_id.as_ref()).await?;
        let product = Product {
            id: ProductId::new(self.ports.ids.new_id()),
            sku: new.sku,
            name: new.name,
            description: new.description,
            category_id: new.category_id,
            price,
            stock: new.stock,
            active: new.active,
            created_at: self.ports.clock.now(),
        };
        let opening = (product.stock > 0).then(|| StockMovement {
            id: StockMovementId::new(self.ports.ids.new_id()),
            product_id: product.id.clone(),
            delta: i64::from(product.stock),
            kind: StockMovementKind::Initial,
            reason: None,
            order_id: None,
            by: Actor::User(admin.user_id.clone()),
            at: product.created_at,
            stock_after: None,
        });
        let audit = product_fields(
            AuditEntry::by(
                admin,
                self.ports.ids.as_ref(),
                product.created_at,
                AuditAction::ProductCreate,
                "product",
                &product.id,
            ),
            None,
            &product,
        )
        .field("stock", None::<u32>, Some(product.stock));
        self.ports
            .catalog
            .insert_product(&product, opening.as_ref(), &[audit])
            .await?;
        Ok(product)
    }

    #[tracing::instrument(level = "info", skip_all, fields(product_id = %id))]
    pub async fn update_product(
        &self,
        admin: &Principal,
        id: &ProductId,
        patch: &ProductPatch,
    ) -> Result<Product, DomainError> {
        admin.require_admin()?;
        let current = self
            .ports
            .catalog
            .get_product(id)
            .await?
            .ok_or(DomainError::NotFound("product"))?;
        let next = patch.apply(&current)?;
        if let Some(category) = &patch.category_id {
            self.check_category(category.as_ref()).await?;
        }
        let audit = product_fields(
            AuditEntry::by(
                admin,
                self.ports.ids.as_ref(),
                self.ports.clock.now(),
                AuditAction::ProductUpdate,
                "product",
                id,
            ),
            Some(&current),
            &next,
        );
        self.ports.catalog.update_product(&next, &[audit]).await?;
        self.ports
            .catalog
            .get_product(id)
            .await?
            .ok_or(DomainError::NotFound("product"))
    }

    /// Corrects a product's stock by `delta` units (received, damaged,
    /// counted), recorded with who, when and why. Refused with
    /// `InsufficientStock` when it would go below zero: units already held
    /// by orders are not on the shelf to take.
    #[tracing::instrument(level = "info", skip_all, fields(product_id = %id))]
    pub async fn adjust_stock(
        &self,
        admin: &Principal,
        id: &ProductId,
        adjustment: &StockAdjustment,
    ) -> Result<(StockMovement, Product), DomainError> {
        admin.require_admin()?;
        let adjustment = adjustment.validated()?;
        let movement = StockMovement {
            id: StockMovementId::new(self.ports.ids.new_id()),
            product_id: id.clone(),
            delta: adjustment.delta,
            kind: StockMovementKind::Adjustment,
            reason: Some(adjustment.reason),
            order_id: None,
            by: Actor::User(admin.user_id.clone()),
            at: self.ports.clock.now(),
            stock_after: None,
        };
        let audit = AuditEntry::by(
            admin,
            self.ports.ids.as_ref(),
            movement.at,
            AuditAction::StockAdjust,
            "product",
            id,
        )
        .field("stock_delta", None::<i64>, Some(movement.delta))
        .field("reason", None::<&str>, movement.reason.as_deref());
        let recorded = self.ports.catalog.adjust_stock(&movement, &[audit]).await?;
        let product = self
            .ports
            .catalog
            .get_product(id)
            .await?
            .ok_or(DomainError::NotFound("product"))?;
        Ok((recorded, product))
    }

    /// A product's stock movements, newest first.
    #[tracing::instrument(level = "info", skip_all, fields(product_id = %id))]
    pub async fn stock_movements(
        &self,
        admin: &Principal,
        id: &ProductId,
        page: &PageRequest,
    ) -> Result<Page<StockMovement>, DomainError> {
        admin.require_admin()?;
        if self.ports.catalog.get_product(id).await?.is_none() {
            return Err(DomainError::NotFound("product"));
        }
        self.ports.catalog.stock_movements(id, page).await
    }
}

/// The product's audited fields as they were (`None`: created) and became.
/// Stock is left out: it moves only through movements, audited on their own.
fn product_fields(entry: AuditEntry, before: Option<&Product>, after: &Product) -> AuditEntry {
    let category = |p: &Product| p.category_id.as_ref().map(ToString::to_string);
    entry
        .field("sku", before.map(|p| &p.sku), Some(&after.sku))
        .field("name", before.map(|p| &p.name), Some(&after.name))
        .field(
            "description",
            before.map(|p| &p.description),
            Some(&after.description),
        )
        .field("category_id", before.and_then(category), category(after))
        .field(
            "price",
            before.map(|p| p.price.amount),
            Some(after.price.amount),
        )
        .field("active", before.map(|p| p.active), Some(after.active))
}
