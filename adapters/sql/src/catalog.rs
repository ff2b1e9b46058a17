//! `CatalogStore`.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use shop_domain::audit::AuditEntry;
use shop_domain::catalog::{CatalogStore, Category, Product, ProductFilter, StockMovement};
use shop_domain::ids::{CategoryId, ProductId};
use shop_domain::{Currency, DomainError, Money, Page, PageRequest};

use crate::audit;
use crate::cursor;
use crate::entity::{categories, products};
use crate::error::{DbResultExt, Fail, corrupt, foreign_key_violation, unique_or_backend};
use crate::query::contains_ci;
use crate::stock;
use crate::store::{SqlStore, finish};
use crate::value::{Amount, instant, to_u32};

fn category_from(m: categories::Model) -> Category {
    Category {
        id: CategoryId::new(m.id),
        slug: m.slug,
        name: m.name,
    }
}

pub(crate) fn product_from(m: products::Model) -> Result<Product, DomainError> {
    let currency = Currency::parse(&m.currency).map_err(|_| corrupt("currency", &m.currency))?;
    Ok(Product {
        id: ProductId::new(m.id),
        sku: m.sku,
        name: m.name,
        description: m.description,
        category_id: m.category_id.map(CategoryId::new),
        price: Money::new(m.price.in_currency(&currency), currency),
        stock: to_u32(m.stock, "stock")?,
        active: m.active,
        created_at: m.created_at,
    })
}

/// A product write refused by a constraint: a missing category is
/// `NotFound`, a taken id or sku `AlreadyExists`.
fn product_write_error(e: DbErr) -> DomainError {
    if foreign_key_violation(&e) {
        return DomainError::NotFound("category");
    }
    unique_or_backend(e, |_| DomainError::AlreadyExists("product")).into()
}

impl SqlStore {
    /// `NotFound` unless the product exists.
    async fn require_product(&self, id: &ProductId) -> Result<(), DomainError> {
        let found = products::Entity::find_by_id(id.as_str())
            .select_only()
            .column(products::Column::Id)
            .into_tuple::<String>()
            .one(&self.db)
            .await
            .db()?;
        found.map(|_| ()).ok_or(DomainError::NotFound("product"))
    }
}

#[async_trait]
impl CatalogStore for SqlStore {
    /// By name, then id.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_categories(&self) -> Result<Vec<Category>, DomainError> {
        Ok(categories::Entity::find()
            .order_by_asc(categories::Column::Name)
            .order_by_asc(categories::Column::Id)
            .all(&self.db)
            .await
            .db()?
            .into_iter()
            .map(category_from)
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(category_id = %id))]
    async fn get_category(&self, id: &CategoryId) -> Result<Option<Category>, DomainError> {
        Ok(categories::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(category_from))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(category_id = %category.id))]
    async fn insert_category(
        &self,
        category: &Category,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let row = categories::ActiveModel {
            id: Set(category.id.to_string()),
            slug: Set(category.slug.clone()),
            name: Set(category.name.clone()),
        };
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                categories::Entity::insert(row.clone())
                    .exec_without_returning(&tx)
                    .await
                    .map_err(|e| {
                        unique_or_backend(e, |_| DomainError::AlreadyExists("category"))
                    })?;
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(product_id = %product.id))]
    async fn insert_product<'a>(
        &self,
        product: &Product,
        opening: Option<&'a StockMovement>,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let row = products::ActiveModel {
            id: Set(product.id.to_string()),
            sku: Set(product.sku.clone()),
            name: Set(product.name.clone()),
            description: Set(product.description.clone()),
            category_id: Set(product.category_id.as_ref().map(ToString::to_string)),
            price: Set(Amount::money(product.price.amount)?),
            currency: Set(product.price.currency.code().to_owned()),
            stock: Set(i64::from(product.stock)),
            active: Set(product.active),
            created_at: Set(instant(product.created_at)),
        };
        self.retrying(|| async {
            let tx = self.begin_write().await?;
            let result = async {
                products::Entity::insert(row.clone())
                    .exec_without_returning(&tx)
                    .await
                    .map_err(|e| Fail::Domain(product_write_error(e)))?;
                if let Some(opening) = opening {
                    stock::record_opening(&tx, opening, product.stock).await?;
                }
                audit::record(&tx, audit).await
            }
            .await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(product_id = %id))]
    async fn get_product(&self, id: &ProductId) -> Result<Option<Product>, DomainError> {
        products::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(product_from)
            .transpose()
    }

    /// The existing products among `ids`, each once, in the order asked.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn get_products(&self, ids: &[ProductId]) -> Result<Vec<Product>, DomainError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: HashSet<&str> = ids.iter().map(ProductId::as_str).collect();
        let mut found: HashMap<String, products::Model> = products::Entity::find()
            .filter(products::Column::Id.is_in(wanted.iter().copied()))
            .all(&self.db)
            .await
            .db()?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        ids.iter()
            .filter_map(|id| found.remove(id.as_str()))
            .map(product_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(product_id = %product.id))]
    async fn update_product(
        &self,
        product: &Product,
        audit: &[AuditEntry],
    ) -> Result<(), DomainError> {
        let price = Amount::money(product.price.amount)?;
        let updated = self
            .retrying(|| async {
                let tx = self.begin_write().await?;
                let result = async {
                    let result = products::Entity::update_many()
                        .col_expr(products::Column::Name, Expr::value(product.name.clone()))
                        .col_expr(
                            products::Column::Description,
                            Expr::value(product.description.clone()),
                        )
                        .col_expr(
                            products::Column::CategoryId,
                            Expr::value(product.category_id.as_ref().map(ToString::to_string)),
                        )
                        .col_expr(products::Column::Price, Expr::value(price))
                        .col_expr(
                            products::Column::Currency,
                            Expr::value(product.price.currency.code()),
                        )
                        .col_expr(products::Column::Active, Expr::value(product.active))
                        .filter(products::Column::Id.eq(product.id.as_str()))
                        .exec(&tx)
                        .await
                        .map_err(|e| Fail::Domain(product_write_error(e)))?;
                    if result.rows_affected == 0 {
                        // Nothing changed, so nothing to audit.
                        return Ok(false);
                    }
                    audit::record(&tx, audit).await?;
                    Ok(true)
                }
                .await;
                finish(tx, result).await
            })
            .await?;
        if !updated {
            self.require_product(&product.id).await?;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(product_id = %movement.product_id))]
    async fn adjust_stock(
        &self,
        movement: &StockMovement,
        audit: &[AuditEntry],
    ) -> Result<StockMovement, DomainError> {
        let applied = self
            .retrying(|| async {
                let tx = self.begin_write().await?;
                let result = async {
                    let applied = stock::apply(&tx, movement).await?;
                    if applied.is_some() {
                        audit::record(&tx, audit).await?;
                    }
                    Ok(applied)
                }
                .await;
                finish(tx, result).await
            })
            .await?;
        match applied {
            Some(movement) => Ok(movement),
            None => {
                self.require_product(&movement.product_id).await?;
                Err(DomainError::InsufficientStock {
                    product_id: movement.product_id.to_string(),
                })
            }
        }
    }

    /// Newest first, keyset-paged on the id.
    #[tracing::instrument(level = "debug", skip_all, fields(product_id = %product_id))]
    async fn stock_movements(
        &self,
        product_id: &ProductId,
        page: &PageRequest,
    ) -> Result<Page<StockMovement>, DomainError> {
        let rows = stock::newest_first(product_id, cursor::after::<String>(page)?)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(rows, page, |m| m.id.clone(), stock::movement_from)
    }

    /// By name, then id; keyset-paged on (name, id).
    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Product>, DomainError> {
        use products::Column as C;
        let mut query = products::Entity::find();
        if !filter.include_inactive {
            query = query.filter(C::Active.eq(true));
        }
        if let Some(category) = &filter.category_id {
            query = query.filter(C::CategoryId.eq(category.as_str()));
        }
        if let Some(matches) =
            contains_ci(&[C::Name, C::Sku, C::Description], filter.query.as_deref())
        {
            query = query.filter(matches);
        }
        if let Some((name, id)) = cursor::after::<(String, String)>(page)? {
            query = query.filter(
                Condition::any()
                    .add(C::Name.gt(name.clone()))
                    .add(Condition::all().add(C::Name.eq(name)).add(C::Id.gt(id))),
            );
        }
        let rows = query
            .order_by_asc(C::Name)
            .order_by_asc(C::Id)
            .limit(cursor::fetch_limit(page))
            .all(&self.db)
            .await
            .db()?;
        cursor::page_of(rows, page, |p| (p.name.clone(), p.id.clone()), product_from)
    }
}
