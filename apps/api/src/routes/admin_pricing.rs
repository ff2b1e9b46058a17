//! Admin: the tax table and promotions.

use actix_web::{HttpResponse, web};
use shop_domain::pricing::{NewPromotion, TaxRate};

use super::State;
use crate::auth::Admin;
use crate::dto::admin::{NewPromotionRequest, PromotionDto, PromotionList, TaxRatesDto};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/admin/tax-rates")
            .route(web::get().to(get_tax_rates))
            .route(web::put().to(put_tax_rates)),
    )
    .service(
        resource("/api/v1/admin/promotions")
            .route(web::get().to(list_promotions))
            .route(web::post().to(create_promotion)),
    );
}

fn rates(items: Vec<TaxRate>) -> TaxRatesDto {
    TaxRatesDto {
        items: items.into_iter().map(Into::into).collect(),
    }
}

/// The tax table.
#[utoipa::path(get, path = "/api/v1/admin/tax-rates", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every rate", body = TaxRatesDto),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
    ))]
pub async fn get_tax_rates(state: State, Admin(admin): Admin) -> ApiResult<web::Json<TaxRatesDto>> {
    Ok(web::Json(rates(state.pricing.tax_rates(&admin).await?)))
}

/// Replaces the whole tax table at once.
#[utoipa::path(put, path = "/api/v1/admin/tax-rates", tag = "admin",
    security(("bearer" = [])),
    request_body = TaxRatesDto,
    responses(
        (status = 200, description = "The new table", body = TaxRatesDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn put_tax_rates(
    state: State,
    Admin(admin): Admin,
    body: web::Json<TaxRatesDto>,
) -> ApiResult<web::Json<TaxRatesDto>> {
    let table: Vec<TaxRate> = body
        .into_inner()
        .items
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(web::Json(rates(
        state.pricing.replace_tax_rates(&admin, &table).await?,
    )))
}

/// Creates a promotion code.
#[utoipa::path(post, path = "/api/v1/admin/promotions", tag = "admin",
    security(("bearer" = [])),
    request_body = NewPromotionRequest,
    responses(
        (status = 201, description = "Created", body = PromotionDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 409, description = "`already_exists`: the code is taken", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, response = Problem),
    ))]
pub async fn create_promotion(
    state: State,
    Admin(admin): Admin,
    body: web::Json<NewPromotionRequest>,
) -> ApiResult<HttpResponse> {
    let promotion = state
        .pricing
        .create_promotion(&admin, &NewPromotion::from(body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(PromotionDto::from(promotion)))
}

/// Every promotion, newest first.
#[utoipa::path(get, path = "/api/v1/admin/promotions", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every promotion", body = PromotionList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
    ))]
pub async fn list_promotions(
    state: State,
    Admin(admin): Admin,
) -> ApiResult<web::Json<PromotionList>> {
    let items = state.pricing.promotions(&admin).await?;
    Ok(web::Json(PromotionList::complete(
        items.into_iter().map(Into::into).collect(),
    )))
}
