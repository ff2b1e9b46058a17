//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::State;
use crate::payload::resource;
use crate::problem::{ApiError, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    #[schema(example = "ok")]
    pub status: &'static str,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(healthz)))
        .service(resource("/readyz").route(web::get().to(readyz)));
}

/// The process serves.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Serving", body = HealthDto)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthDto { status: "ok" })
}

/// The stores answer.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthDto),
        (status = 503, response = Problem),
    ))]
pub async fn readyz(state: State) -> HttpResponse {
    use actix_web::ResponseError;
    let ready = match &state.database {
        Some(db) => db.ping().await,
        None => state.catalog.categories().await.map(|_| ()),
    };
    match ready {
        Ok(()) => HttpResponse::Ok().json(HealthDto { status: "ok" }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "Not ready",
                "the stores do not answer",
            )
            .error_response()
        }
    }
}
