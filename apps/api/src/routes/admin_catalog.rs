//! Admin: categories and products (inactive ones included).

use actix_web::{HttpResponse, web};
use shop_domain::catalog::{NewCategory, NewProduct, ProductFilter, ProductPatch, StockAdjustment};
use shop_domain::ids::{CategoryId, ProductId};

use super::State;
use super::catalog::resolve_category;
use crate::auth::Admin;
use crate::dto::catalog::{
    CategoryDto, NewCategoryRequest, NewProductRequest, ProductDto, ProductList,
    ProductPatchRequest, ProductQuery, StockAdjustedDto, StockAdjustmentRequest, StockMovementList,
};
use crate::dto::common::page_request;
use crate::dto::order::PageQuery;
use crate::payload::resource;
use crate::problem::{ApiError, ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/categories").route(web::post().to(create_category)))
        .service(
            resource("/api/v1/admin/products")
                .route(web::get().to(list_all_products))
                .route(web::post().to(create_product)),
        )
        .service(resource("/api/v1/admin/products/{id}").route(web::patch().to(update_product)))
        .service(
            resource("/api/v1/admin/products/{id}/stock-adjustments")
                .route(web::post().to(adjust_stock)),
        )
        .service(
            resource("/api/v1/admin/products/{id}/stock-movements")
                .route(web::get().to(list_stock_movements)),
        );
}

/// Creates a category.
#[utoipa::path(post, path = "/api/v1/admin/categories", tag = "admin",
    security(("bearer" = [])),
    request_body = NewCategoryRequest,
    responses(
        (status = 201, description = "Created", body = CategoryDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 409, description = "`already_exists`: the slug is taken", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn create_category(
    state: State,
    Admin(admin): Admin,
    body: web::Json<NewCategoryRequest>,
) -> ApiResult<HttpResponse> {
    let category = state
        .catalog
        .create_category(&admin, &NewCategory::from(body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(CategoryDto::from(category)))
}

/// Creates a product (price in the shop currency).
#[utoipa::path(post, path = "/api/v1/admin/products", tag = "admin",
    security(("bearer" = [])),
    request_body = NewProductRequest,
    responses(
        (status = 201, description = "Created", body = ProductDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 409, description = "`already_exists`: the sku is taken", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn create_product(
    state: State,
    Admin(admin): Admin,
    body: web::Json<NewProductRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let new = NewProduct {
        price: body.price.in_currency("price", &state.currency)?,
        sku: body.sku,
        name: body.name,
        description: body.description,
        category_id: body.category_id.map(CategoryId::new),
        stock: body.stock,
        active: body.active,
    };
    let product = state.catalog.create_product(&admin, &new).await?;
    Ok(HttpResponse::Created().json(ProductDto::from(product)))
}

/// Every product, inactive ones too.
#[utoipa::path(get, path = "/api/v1/admin/products", tag = "admin",
    security(("bearer" = [])),
    params(ProductQuery),
    responses(
        (status = 200, description = "A page of products", body = ProductList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_all_products(
    state: State,
    Admin(admin): Admin,
    query: web::Query<ProductQuery>,
) -> ApiResult<web::Json<ProductList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let Some(category_id) = resolve_category(&state, query.category.as_deref()).await? else {
        return Ok(web::Json(ProductList::complete(Vec::new())));
    };
    let filter = ProductFilter {
        category_id,
        query: query
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        include_inactive: true,
    };
    let products = state.catalog.admin_products(&admin, &filter, &page).await?;
    Ok(web::Json(ProductList::from_page(products, Into::into)))
}

/// Changes a product; absent fields stay, `category_id: null` removes the
/// category. `stock` is refused (422): stock moves only through
/// `POST /api/v1/admin/products/{id}/stock-adjustments`, so a count that
/// orders have moved is never overwritten.
#[utoipa::path(patch, path = "/api/v1/admin/products/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id")),
    request_body = ProductPatchRequest,
    responses(
        (status = 200, description = "Updated", body = ProductDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn update_product(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    body: web::Json<ProductPatchRequest>,
) -> ApiResult<web::Json<ProductDto>> {
    let body = body.into_inner();
    if body.stock.is_some() {
        return Err(ApiError::invalid(
            "stock",
            "is not writable here; adjust it with POST /api/v1/admin/products/{id}/stock-adjustments {delta, reason}",
        ));
    }
    let price = match &body.price {
        Some(p) => Some(p.in_currency("price", &state.currency)?),
        None => None,
    };
    let patch = ProductPatch {
        name: body.name,
        description: body.description,
        price,
        active: body.active,
        category_id: body.category_id.map(|c| c.map(CategoryId::new)),
    };
    let product = state
        .catalog
        .update_product(&admin, &ProductId::new(id.into_inner()), &patch)
        .await?;
    Ok(web::Json(product.into()))
}

/// Corrects a product's stock by `delta` units (goods received, damaged,
/// counted), recorded in its stock ledger with who, when and why. Applied
/// atomically: refused with 409 `insufficient_stock` when it would take the
/// stock below zero (units held by orders are not on the shelf to take).
#[utoipa::path(post, path = "/api/v1/admin/products/{id}/stock-adjustments", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id")),
    request_body = StockAdjustmentRequest,
    responses(
        (status = 201, description = "Recorded; the movement and the product after it", body = StockAdjustedDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`insufficient_stock`: the stock would go below zero", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn adjust_stock(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    body: web::Json<StockAdjustmentRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let (movement, product) = state
        .catalog
        .adjust_stock(
            &admin,
            &ProductId::new(id.into_inner()),
            &StockAdjustment {
                delta: body.delta,
                reason: body.reason,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(StockAdjustedDto {
        movement: movement.into(),
        product: product.into(),
    }))
}

/// A product's stock ledger, newest first: every movement (initial stock,
/// adjustments, orders' reservations and releases) with who, when and why;
/// they sum to the stock.
#[utoipa::path(get, path = "/api/v1/admin/products/{id}/stock-movements", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Product id"), PageQuery),
    responses(
        (status = 200, description = "A page of movements", body = StockMovementList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_stock_movements(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<StockMovementList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let movements = state
        .catalog
        .stock_movements(&admin, &ProductId::new(id.into_inner()), &page)
        .await?;
    Ok(web::Json(StockMovementList::from_page(
        movements,
        Into::into,
    )))
}
