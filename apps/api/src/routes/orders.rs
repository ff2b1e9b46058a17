//! The caller's orders: placement (idempotent), listing, cancellation.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use shop_domain::ids::{OrderId, QuoteId};
use shop_domain::order::{PlaceOrderRequest as PlaceOrder, Placement};

use super::State;
use crate::auth::Authenticated;
use crate::dto::common::page_request;
use crate::dto::order::{OrderEnvelope, OrderList, PageQuery, PlaceOrderRequest};
use crate::payload::resource;
use crate::problem::{ApiError, ApiResult, Problem};

pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/orders")
            .route(web::get().to(list_orders))
            .route(web::post().to(place_order)),
    )
    .service(resource("/api/v1/orders/{id}").route(web::get().to(get_order)))
    .service(resource("/api/v1/orders/{id}/cancel").route(web::post().to(cancel_order)));
}

fn idempotency_key(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| ApiError::invalid(IDEMPOTENCY_KEY, "header is required"))?;
    value
        .to_str()
        .map(str::to_string)
        .map_err(|_| ApiError::invalid(IDEMPOTENCY_KEY, "must be visible ASCII"))
}

/// Places an order from a quote and authorizes the card. A quote becomes
/// one order: placing it again under another key is 409 `quote_used`
/// naming that order (until that order is canceled or its payment fails).
/// The same `Idempotency-Key` and body again answer 200 with the same order
/// (no second charge); the same key with another body is 409
/// `idempotency_key_reused`.
///
/// When Square does not answer in time the outcome is unknown: the answer
/// is 202 with the order still `pending_payment` and its `Location`. The
/// card may or may not be charged, so the client must not report a failure
/// nor pay again: it follows the order (`GET /api/v1/orders/{id}`) until it
/// leaves `pending_payment` (to `authorized`/`paid`, or `payment_failed`
/// with nothing charged). The shop settles it within seconds once Square
/// answers, voiding any authorization it cannot use.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Required; 1..=255 visible ASCII characters, unique per order attempt")),
    request_body = PlaceOrderRequest,
    responses(
        (status = 201, description = "Created and authorized (`authorized`), or paid at once when the total is 0 (`paid`, payment provider `none`)", body = OrderEnvelope),
        (status = 200, description = "A replay of an earlier request with this key", body = OrderEnvelope),
        (status = 202, description = "Accepted: the payment's outcome is not known yet; the order is `pending_payment`. Follow `Location` until it settles; never pay again meanwhile.", body = OrderEnvelope, headers(("Location" = String, description = "The order: /api/v1/orders/{id}"))),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 402, description = "`payment_declined`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "`email_unverified`: the customer has not verified their address yet (with `SHOP_REQUIRE_EMAIL_VERIFICATION`)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown quote", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`quote_used` (with `order_id`: the order the quote became), `quote_expired`, `price_changed`, `insufficient_stock`, `idempotency_key_reused`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (also a missing `Idempotency-Key`) or `invalid_promotion`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`store_unavailable`, with `Retry-After`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn place_order(
    state: State,
    req: HttpRequest,
    Authenticated(principal): Authenticated,
    body: web::Json<PlaceOrderRequest>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req)?;
    let body = body.into_inner();
    let request = PlaceOrder {
        quote_id: QuoteId::new(body.quote_id),
        payment_source_id: body.payment_source_id,
        idempotency_key: Some(key),
    };
    let placed = state.orders.place(&principal, &request).await?;
    let order = placed.order;
    let location = format!("/api/v1/orders/{}", order.id);
    let mut response = match placed.placement {
        Placement::Created => HttpResponse::Created(),
        Placement::Replayed => HttpResponse::Ok(),
        Placement::Accepted => HttpResponse::Accepted(),
    };
    Ok(response
        .insert_header((header::LOCATION, location))
        .json(OrderEnvelope::from(order)))
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of orders", body = OrderList),
        (status = 401, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_orders(
    state: State,
    Authenticated(principal): Authenticated,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<OrderList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let orders = state.orders.list(&principal, &page).await?;
    Ok(web::Json(OrderList::from_page(orders, Into::into)))
}

/// One of the caller's orders (404 for anyone else's).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderEnvelope),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
    ))]
pub async fn get_order(
    state: State,
    Authenticated(principal): Authenticated,
    id: web::Path<String>,
) -> ApiResult<web::Json<OrderEnvelope>> {
    let order = state
        .orders
        .get(&principal, &OrderId::new(id.into_inner()))
        .await?;
    Ok(web::Json(order.into()))
}

/// Cancels an order not yet paid: the authorization is voided and the stock released.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "Canceled", body = OrderEnvelope),
        (status = 401, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_order_state` (already paid, canceled...)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`payment_unavailable`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order(
    state: State,
    Authenticated(principal): Authenticated,
    id: web::Path<String>,
) -> ApiResult<web::Json<OrderEnvelope>> {
    let order = state
        .orders
        .cancel(&principal, &OrderId::new(id.into_inner()))
        .await?;
    Ok(web::Json(order.into()))
}
