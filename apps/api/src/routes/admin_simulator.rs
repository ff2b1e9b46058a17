//! Admin: the payment simulator's ledger (`SHOP_PAYMENTS=simulator`), as
//! Square's dashboard would show it: what was authorized, captured, voided
//! and refunded.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::State;
use crate::auth::Admin;
use crate::dto::common::list_response;
use crate::payload::resource;
use crate::problem::{ApiError, ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/admin/payment-simulator/payments").route(web::get().to(list_payments)),
    );
}

/// An amount in the currency's minor units, as Square writes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinorUnitsDto {
    #[schema(example = 1250)]
    pub amount: i64,
    #[schema(example = "USD")]
    pub currency: String,
}

/// One payment of the simulator's ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulatorPaymentDto {
    pub id: String,
    /// The order's `order-id:authorize` key (or its digest).
    pub idempotency_key: String,
    /// The order number.
    pub reference_id: Option<String>,
    pub amount_money: MinorUnitsDto,
    /// `APPROVED`, `COMPLETED`, `CANCELED` or `FAILED`.
    #[schema(example = "COMPLETED")]
    pub status: String,
    /// Captures: more than one would be a double charge.
    pub completions: u32,
    /// Refunded so far, in minor units.
    pub refunded: i64,
    pub created_at: DateTime<Utc>,
    /// While `APPROVED`: when the authorization lapses.
    pub delayed_until: Option<DateTime<Utc>>,
}

impl From<shop_square_sandbox::Payment> for SimulatorPaymentDto {
    fn from(p: shop_square_sandbox::Payment) -> Self {
        Self {
            amount_money: MinorUnitsDto {
                amount: p.amount,
                currency: p.currency.clone(),
            },
            idempotency_key: p.idempotency_key.as_str().to_string(),
            status: p.status.as_str().to_string(),
            id: p.id,
            reference_id: p.reference_id,
            completions: p.completions,
            refunded: p.refunded,
            created_at: p.created_at,
            delayed_until: p.delayed_until,
        }
    }
}

list_response!(
    /// Every payment of the simulator, oldest first (not paged).
    SimulatorPaymentList,
    SimulatorPaymentDto
);

/// The simulator's payments, oldest first (embedded shape only).
#[utoipa::path(get, path = "/api/v1/admin/payment-simulator/payments", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The simulator's ledger", body = SimulatorPaymentList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, description = "`not_found`: payments go to Square, not the simulator", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`store_unavailable`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn list_payments(
    state: State,
    Admin(_admin): Admin,
) -> ApiResult<web::Json<SimulatorPaymentList>> {
    let Some(simulator) = &state.simulator else {
        return Err(ApiError::not_found(
            "payments go to Square, not the simulator",
        ));
    };
    let payments = simulator.payments().await.map_err(|e| {
        ApiError::from(shop_domain::DomainError::Store(
            shop_domain::StoreError::backend("payment simulator ledger", e),
        ))
    })?;
    Ok(web::Json(SimulatorPaymentList::complete(
        payments.into_iter().map(Into::into).collect(),
    )))
}
