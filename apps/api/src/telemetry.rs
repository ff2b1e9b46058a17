//! One span per request with a request id (the subscriber is
//! `shop_bootstrap::init_logging`).
//! Bodies, tokens, passwords and headers are never logged; only the method,
//! the path (no query string), the status and the latency.

use actix_web::HttpMessage as _;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client-supplied request id is kept when it is short and plain.
fn sane(value: &HeaderValue) -> Option<String> {
    let value = value.to_str().ok()?;
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| value.to_string())
}

/// The id of the request being served (for the audit trail).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Middleware: a span per request carrying its id, echoed as `X-Request-Id`.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(sane)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed_ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            span.in_scope(|| {
                if status >= 500 {
                    tracing::warn!(status, elapsed_ms, "request failed");
                } else {
                    tracing::info!(status, elapsed_ms, "request finished");
                }
            });
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(response)
        }
        Err(error) => {
            span.in_scope(|| tracing::warn!(error = %error, elapsed_ms, "request errored"));
            Err(error)
        }
    }
}
