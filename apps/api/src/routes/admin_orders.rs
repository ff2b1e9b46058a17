//! Admin: every order, fulfilment and refunds.

use actix_web::web;
use shop_domain::account::Principal;
use shop_domain::ids::{OrderId, UserId};
use shop_domain::order::{Order, OrderFilter};

use super::State;
use crate::auth::Admin;
use crate::dto::common::page_request;
use crate::dto::order::{
    AdminOrderDto, AdminOrderEnvelope, AdminOrderList, AdminOrderQuery, OrderEnvelope,
};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/orders").route(web::get().to(list_all_orders)))
        .service(resource("/api/v1/admin/orders/{id}").route(web::get().to(get_any_order)))
        .service(resource("/api/v1/admin/orders/{id}/fulfill").route(web::post().to(fulfill_order)))
        .service(resource("/api/v1/admin/orders/{id}/refund").route(web::post().to(refund_order)))
        .service(
            resource("/api/v1/admin/orders/{id}/retry-finalization")
                .route(web::post().to(retry_finalization)),
        );
}

/// Orders, newest first, by status and/or customer.
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "admin",
    security(("bearer" = [])),
    params(AdminOrderQuery),
    responses(
        (status = 200, description = "A page of orders, each with its finalization workflow", body = AdminOrderList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_all_orders(
    state: State,
    Admin(admin): Admin,
    query: web::Query<AdminOrderQuery>,
) -> ApiResult<web::Json<AdminOrderList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let filter = OrderFilter {
        status: query.status.map(Into::into),
        user_id: query
            .user_id
            .filter(|u| !u.trim().is_empty())
            .map(UserId::new),
    };
    let orders = state.orders.admin_list(&admin, &filter, &page).await?;
    let jobs = state
        .orders
        .admin_finalization(&admin, &orders.items)
        .await?;
    let mut jobs = jobs.into_iter();
    Ok(web::Json(AdminOrderList::from_page(orders, |order| {
        AdminOrderDto::new(order, jobs.next().flatten())
    })))
}

/// Any order.
#[utoipa::path(get, path = "/api/v1/admin/orders/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order with its finalization workflow", body = AdminOrderEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
    ))]
pub async fn get_any_order(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<AdminOrderEnvelope>> {
    let order = state
        .orders
        .admin_get(&admin, &OrderId::new(id.into_inner()))
        .await?;
    admin_view(&state, &admin, order).await
}

/// Marks a paid order fulfilled.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/fulfill", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Fulfilled", body = OrderEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_order_state`: not paid", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn fulfill_order(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<OrderEnvelope>> {
    let order = state
        .orders
        .fulfill(&admin, &OrderId::new(id.into_inner()))
        .await?;
    Ok(web::Json(order.into()))
}

/// Refunds a paid or fulfilled order in full.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/refund", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Refunded", body = OrderEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_order_state` or `invalid_state` (refused by the provider)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`payment_unavailable`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn refund_order(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<OrderEnvelope>> {
    let order = state
        .orders
        .refund(&admin, &OrderId::new(id.into_inner()))
        .await?;
    Ok(web::Json(order.into()))
}

/// Puts an open order's finalization back in the queue, due now (after an
/// alert, or a workflow that stopped: `finalization.state = "dead"`). A
/// finished workflow runs again as a new generation (with Step Functions, a
/// new execution). Clears the order's alert.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/retry-finalization", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Requeued; the order with its finalization", body = AdminOrderEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_order_state`: the order is no longer open (only `pending_payment` and `authorized` orders are finalized)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn retry_finalization(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<AdminOrderEnvelope>> {
    let order = state
        .orders
        .retry_finalization(&admin, &OrderId::new(id.into_inner()))
        .await?;
    admin_view(&state, &admin, order).await
}

/// One order as the admins see it: with its finalization job.
async fn admin_view(
    state: &State,
    admin: &Principal,
    order: Order,
) -> ApiResult<web::Json<AdminOrderEnvelope>> {
    let job = state
        .orders
        .admin_finalization(admin, std::slice::from_ref(&order))
        .await?
        .pop()
        .flatten();
    Ok(web::Json(AdminOrderEnvelope {
        order: AdminOrderDto::new(order, job),
    }))
}
