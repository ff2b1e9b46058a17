//! The HTTP side: Square's paths mapped onto the sandbox ledger, with the
//! recorder, the faults and the bearer check in front, and the control
//! endpoints.

use std::time::Duration as StdDuration;

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Bytes, Data, Json};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use shop_square_sandbox::{ErrorCategory, Payment, Refund, SquareFailure};

use crate::faults::{Fault, Faults, Operation};
use crate::view::RecordedRequest;
use crate::wire::{self, ErrorResponse, PaymentJson, PaymentResponse, RefundResponse};
use crate::{DoubleConfig, Shared};

pub(crate) fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/_double/ledger", web::get().to(ledger))
        .route("/_double/faults", web::post().to(set_faults))
        .route("/_double/expire", web::post().to(expire_all))
        .route("/_double/clock", web::post().to(advance_clock))
        .default_service(web::to(square));
}

/// A Square path the double serves.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    CreatePayment,
    GetPayment(String),
    CompletePayment(String),
    CancelPayment(String),
    CancelPaymentByIdempotencyKey,
    RefundPayment,
}

impl Route {
    fn of(method: &Method, path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let post = method == Method::POST;
        let route = match segments.as_slice() {
            ["v2", "payments"] if post => Self::CreatePayment,
            ["v2", "payments", "cancel"] if post => Self::CancelPaymentByIdempotencyKey,
            ["v2", "payments", id] if method == Method::GET => Self::GetPayment((*id).into()),
            ["v2", "payments", id, "complete"] if post => Self::CompletePayment((*id).into()),
            ["v2", "payments", id, "cancel"] if post => Self::CancelPayment((*id).into()),
            ["v2", "refunds"] if post => Self::RefundPayment,
            _ => return None,
        };
        Some(route)
    }

    fn operation(&self) -> Operation {
        match self {
            Self::CreatePayment => Operation::CreatePayment,
            Self::GetPayment(_) => Operation::GetPayment,
            Self::CompletePayment(_) => Operation::CompletePayment,
            Self::CancelPayment(_) => Operation::CancelPayment,
            Self::CancelPaymentByIdempotencyKey => Operation::CancelPaymentByIdempotencyKey,
            Self::RefundPayment => Operation::RefundPayment,
        }
    }
}

/// A success, before it is written as Square's JSON.
enum Reply {
    Payment(Payment),
    Refund(Refund),
    Empty,
}

async fn square(request: HttpRequest, shared: Data<Shared>, body: Bytes) -> HttpResponse {
    let route = Route::of(request.method(), request.path());
    let operation = route.as_ref().map(Route::operation);
    let (delay, fault) = {
        let mut control = shared.control.lock();
        control.requests.push(RecordedRequest {
            method: request.method().to_string(),
            path: request.path().to_string(),
            square_version: header(&request, "Square-Version"),
            body: serde_json::from_slice(&body).ok(),
        });
        control.faults.take(operation, shared.now())
    };
    if delay > 0 {
        tokio::time::sleep(StdDuration::from_millis(delay)).await;
    }
    let answer = match (authorize(&request, &shared.config), fault) {
        (Err(refused), _) => Err(refused),
        (Ok(()), Fault::Fail) => Err(SquareFailure::internal(
            "An internal error occurred (injected).",
        )),
        (Ok(()), Fault::None | Fault::Drop) => match &route {
            Some(route) => handle(&shared, route, &body).await,
            None => Err(SquareFailure::new(
                404,
                ErrorCategory::InvalidRequestError,
                "NOT_FOUND",
                "The double does not serve this endpoint.",
            )),
        },
    };
    if fault == Fault::Drop {
        // The effect happened; the answer never arrives whole.
        let cut = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("response dropped (injected)"))
        });
        return HttpResponse::Ok()
            .content_type("application/json")
            .streaming(cut);
    }
    respond(&shared, answer).await
}

fn header(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn authorize(request: &HttpRequest, config: &DoubleConfig) -> Result<(), SquareFailure> {
    let given = header(request, "Authorization");
    let token = given
        .as_deref()
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    match (token, &config.access_token) {
        (Some(given), Some(wanted)) if given == wanted => Ok(()),
        (Some(_), None) => Ok(()),
        _ => Err(SquareFailure::new(
            401,
            ErrorCategory::AuthenticationError,
            "UNAUTHORIZED",
            "This request could not be authorized.",
        )),
    }
}

async fn handle(shared: &Shared, route: &Route, body: &[u8]) -> Result<Reply, SquareFailure> {
    let ledger = &shared.ledger;
    match route {
        Route::CreatePayment => {
            let request = wire::parse::<wire::CreatePaymentBody>(body)?.into_request()?;
            ledger.create_payment(&request).await.map(Reply::Payment)
        }
        Route::GetPayment(id) => ledger.get_payment(id).await.map(Reply::Payment),
        Route::CompletePayment(id) => {
            let request = wire::parse::<wire::CompletePaymentBody>(body)?.into_request();
            ledger
                .complete_payment(id, &request)
                .await
                .map(Reply::Payment)
        }
        Route::CancelPayment(id) => {
            wire::parse::<wire::CancelPaymentBody>(body)?;
            ledger.cancel_payment(id).await.map(Reply::Payment)
        }
        Route::CancelPaymentByIdempotencyKey => {
            let key = wire::parse::<wire::CancelPaymentByIdempotencyKeyBody>(body)?.into_key()?;
            ledger
                .cancel_payment_by_idempotency_key(&key)
                .await
                .map(|()| Reply::Empty)
        }
        Route::RefundPayment => {
            let request = wire::parse::<wire::RefundPaymentBody>(body)?.into_request()?;
            ledger.refund_payment(&request).await.map(Reply::Refund)
        }
    }
}

async fn payment_json(shared: &Shared, payment: Payment) -> PaymentJson {
    let refund_ids = if payment.refunded > 0 {
        // A refund list that fails to load only thins the answer.
        let refunds = shared.ledger.refunds_of(&payment.id).await;
        refunds
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.id)
            .collect()
    } else {
        Vec::new()
    };
    PaymentJson::of(payment, shared.ledger.authorization_window(), refund_ids)
}

async fn respond(shared: &Shared, answer: Result<Reply, SquareFailure>) -> HttpResponse {
    match answer {
        Ok(Reply::Payment(payment)) => HttpResponse::Ok().json(PaymentResponse {
            payment: payment_json(shared, payment).await,
        }),
        Ok(Reply::Refund(refund)) => HttpResponse::Ok().json(RefundResponse {
            refund: refund.into(),
        }),
        Ok(Reply::Empty) => HttpResponse::Ok().json(wire::EmptyResponse {}),
        Err(failure) => {
            let status = StatusCode::from_u16(failure.http_status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let payment = match failure.payment {
                Some(payment) => Some(payment_json(shared, *payment).await),
                None => None,
            };
            HttpResponse::build(status).json(ErrorResponse {
                errors: failure.errors,
                payment,
            })
        }
    }
}

/// A control endpoint's refusal (not Square's shape: these are the
/// double's own).
fn control_error(status: StatusCode, detail: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": detail }))
}

async fn ledger(shared: Data<Shared>) -> HttpResponse {
    match shared.ledger_view().await {
        Ok(ledger) => HttpResponse::Ok().json(ledger),
        Err(failure) => control_error(StatusCode::INTERNAL_SERVER_ERROR, &failure.to_string()),
    }
}

async fn set_faults(shared: Data<Shared>, faults: Json<Faults>) -> HttpResponse {
    let faults = faults.into_inner();
    if let Some(problem) = faults.problem() {
        return control_error(StatusCode::BAD_REQUEST, &problem);
    }
    shared.control.lock().faults = faults;
    HttpResponse::NoContent().finish()
}

async fn expire_all(shared: Data<Shared>) -> HttpResponse {
    match shared.ledger.expire_all_approved().await {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(failure) => control_error(StatusCode::INTERNAL_SERVER_ERROR, &failure.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct AdvanceClock {
    advance_seconds: i64,
}

#[derive(Debug, Serialize)]
struct ClockNow {
    now: chrono::DateTime<chrono::Utc>,
}

async fn advance_clock(shared: Data<Shared>, advance: Json<AdvanceClock>) -> HttpResponse {
    // A century is plenty, and keeps the clock far from chrono's limits.
    const MAX_SECONDS: i64 = 100 * 366 * 24 * 3600;
    if !(0..=MAX_SECONDS).contains(&advance.advance_seconds) {
        return control_error(
            StatusCode::BAD_REQUEST,
            "advance_seconds must be between 0 and a century",
        );
    }
    shared
        .clock
        .advance(Duration::seconds(advance.advance_seconds));
    HttpResponse::Ok().json(ClockNow { now: shared.now() })
}
