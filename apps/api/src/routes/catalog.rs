//! The public catalog: categories and active products.

use actix_web::web;
use shop_domain::ids::{CategoryId, ProductId};

use super::State;
use crate::dto::catalog::{CategoryList, ProductDto, ProductList, ProductQuery};
use crate::dto::common::page_request;
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/categories").route(web::get().to(list_categories)))
        .service(resource("/api/v1/products").route(web::get().to(list_products)))
        .service(resource("/api/v1/products/{id}").route(web::get().to(get_product)));
}

/// Every category.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog",
    responses((status = 200, description = "Categories", body = CategoryList)))]
pub async fn list_categories(state: State) -> ApiResult<web::Json<CategoryList>> {
    let items = state.catalog.categories().await?;
    Ok(web::Json(CategoryList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Finds the category a `?category=` id or slug names; `Ok(None)` when none does.
pub async fn resolve_category(
    state: &State,
    raw: Option<&str>,
) -> ApiResult<Option<Option<CategoryId>>> {
    let Some(raw) = raw.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Some(None));
    };
    let slug = raw.to_ascii_lowercase();
    let found = state
        .catalog
        .categories()
        .await?
        .into_iter()
        .find(|c| c.id.as_str() == raw || c.slug == slug);
    Ok(found.map(|c| Some(c.id)))
}

/// Active products, by name; `category` takes a category id or slug.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog",
    params(ProductQuery),
    responses(
        (status = 200, description = "A page of products", body = ProductList),
        (status = 422, response = Problem),
    ))]
pub async fn list_products(
    state: State,
    query: web::Query<ProductQuery>,
) -> ApiResult<web::Json<ProductList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let Some(category_id) = resolve_category(&state, query.category.as_deref()).await? else {
        return Ok(web::Json(ProductList::complete(Vec::new())));
    };
    let products = state.catalog.products(category_id, query.q, &page).await?;
    Ok(web::Json(ProductList::from_page(products, Into::into)))
}

/// One active product.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductDto),
        (status = 404, description = "Absent or inactive", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn get_product(state: State, id: web::Path<String>) -> ApiResult<web::Json<ProductDto>> {
    let product = state
        .catalog
        .product(&ProductId::new(id.into_inner()))
        .await?;
    Ok(web::Json(product.into()))
}
