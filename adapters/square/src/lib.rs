//! [`SquareGateway`]: the [`PaymentGateway`] port over Square's Payments API
//! v2 (`Square-Version: 2025-08-20`), with reqwest and rustls.
//!
//! Square's request and response shapes are private to this crate
//! ([`wire`]) and mapped to the domain's types at its edge. Errors map as:
//! any error of category `PAYMENT_METHOD_ERROR` (Square answers 400 or 402,
//! maybe with a FAILED payment) -> [`PaymentError::Declined`] with Square's
//! code; 5xx, 429, timeouts, connection and body errors ->
//! [`PaymentError::Transient`]; every other 4xx -> [`PaymentError::Rejected`].
//! A 2xx this adapter cannot read is [`PaymentError::Transient`] too: the
//! request may have taken effect, and an order must never fail for a payment
//! that may exist.
//!
//! [`SquareConfig::from_settings`] reads the gateway's settings
//! ([`SETTINGS`]); [`webhook`] verifies and parses Square's event
//! notifications, with settings of its own.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shop_domain::money::Money;
use shop_domain::payment::{
    AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord, PaymentStatus,
};

mod settings;
pub mod webhook;
mod wire;

pub use settings::SETTINGS;

/// The Square API version every request pins.
pub const SQUARE_VERSION: &str = "2025-08-20";

/// Square's production and sandbox hosts.
pub const PRODUCTION_BASE_URL: &str = "https://connect.squareup.com";
pub const SANDBOX_BASE_URL: &str = "https://connect.squareupsandbox.com";

/// A Square access token. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, for the `Authorization` header (and a settings
    /// test); never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

/// What [`SquareGateway`] needs to talk to Square.
#[derive(Debug, Clone)]
pub struct SquareConfig {
    /// e.g. [`SANDBOX_BASE_URL`]; a path prefix is kept.
    pub base_url: String,
    pub access_token: AccessToken,
    pub location_id: String,
    /// The whole request, connection to last byte.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

impl SquareConfig {
    pub fn new(base_url: &str, access_token: AccessToken, location_id: &str) -> Self {
        Self {
            base_url: base_url.to_string(),
            access_token,
            location_id: location_id.to_string(),
            request_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a [`SquareGateway`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SquareConfigError {
    #[error("invalid Square base URL: {0}")]
    InvalidBaseUrl(String),
    #[error("cannot build the Square HTTP client: {0}")]
    Client(String),
}

/// The [`PaymentGateway`] over Square's Payments API v2.
#[derive(Clone)]
pub struct SquareGateway {
    http: reqwest::Client,
    base_url: Url,
    access_token: AccessToken,
    location_id: String,
}

impl std::fmt::Debug for SquareGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SquareGateway")
            .field("base_url", &self.base_url.as_str())
            .field("access_token", &self.access_token)
            .field("location_id", &self.location_id)
            .finish()
    }
}

impl SquareGateway {
    pub fn new(config: SquareConfig) -> Result<Self, SquareConfigError> {
        let base_url = Url::parse(config.base_url.trim()).map_err(|e| {
            SquareConfigError::InvalidBaseUrl(format!("{:?}: {e}", config.base_url))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(SquareConfigError::InvalidBaseUrl(format!(
                "{:?} is not an http(s) URL",
                config.base_url
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("shop-square/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SquareConfigError::Client(e.to_string()))?;
        Ok(Self {
            http,
            base_url,
            access_token: config.access_token,
            location_id: config.location_id,
        })
    }

    fn url(&self, segments: &[&str]) -> Result<Url, PaymentError> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| PaymentError::Rejected("the Square base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// One request to Square, its answer decoded or its failure classified.
    async fn call<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&B>,
    ) -> Result<R, PaymentError> {
        let url = self.url(segments)?;
        let path = url.path().to_string();
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(self.access_token.expose())
            .header("Square-Version", SQUARE_VERSION)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        // A body cut short (a dropped connection) leaves the outcome unknown.
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        tracing::debug!(%method, path, status = status.as_u16(), "square call");
        if status.is_success() {
            return decode(&method, &path, status, &bytes);
        }
        Err(classify(status, &bytes))
    }

    fn minor_units(amount: &Money) -> Result<wire::Money, PaymentError> {
        match amount.to_minor_units() {
            Ok(value) if value > 0 => Ok(wire::Money {
                amount: value,
                currency: amount.currency.code().to_string(),
            }),
            _ => Err(PaymentError::Rejected(format!(
                "INVALID_VALUE: amount {} {} is not a positive whole number of minor units",
                amount.amount,
                amount.currency.code()
            ))),
        }
    }

    /// After a refused complete or cancel: whether the payment already is
    /// where the call would have put it (the port makes both idempotent).
    async fn already(
        &self,
        payment_id: &str,
        wanted: PaymentStatus,
        refused: PaymentError,
    ) -> Result<PaymentRecord, PaymentError> {
        if !matches!(refused, PaymentError::Rejected(_)) {
            return Err(refused);
        }
        match self.status(payment_id).await {
            Ok(current) if current.status == wanted => Ok(current),
            _ => Err(refused),
        }
    }
}

fn transport_error(error: &reqwest::Error) -> PaymentError {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "response cut short"
    } else {
        "request failed"
    };
    // reqwest's errors name the URL, never the headers: no token here.
    PaymentError::Transient(format!("{kind}: {error}"))
}

/// A success's body. One this adapter cannot read leaves the outcome
/// unknown, so it is transient: a retry with the same idempotency key finds
/// out what happened.
fn decode<R: DeserializeOwned>(
    method: &Method,
    path: &str,
    status: StatusCode,
    body: &[u8],
) -> Result<R, PaymentError> {
    serde_json::from_slice(body).map_err(|e| {
        unknown_outcome(&format!(
            "{method} {path} answered {status} with an unreadable body: {e}"
        ))
    })
}

/// Square said yes to something this adapter cannot make out.
fn unknown_outcome(what: &str) -> PaymentError {
    PaymentError::Transient(format!(
        "UNEXPECTED_RESPONSE: {what}; the outcome is unknown and the request may have taken effect"
    ))
}

/// Maps a non-2xx answer to the port's error.
fn classify(status: StatusCode, body: &[u8]) -> PaymentError {
    let errors = serde_json::from_slice::<wire::ErrorResponse>(body)
        .map(|r| r.errors)
        .unwrap_or_default();
    let describe = |e: &wire::SquareError| match &e.detail {
        Some(detail) => format!("{}: {detail}", e.code),
        None => e.code.clone(),
    };
    if status.is_client_error()
        && let Some(decline) = errors.iter().find(|e| e.category == "PAYMENT_METHOD_ERROR")
    {
        return PaymentError::Declined {
            code: decline.code.clone(),
        };
    }
    let message = match errors.first() {
        Some(first) => describe(first),
        None => format!("HTTP {}", status.as_u16()),
    };
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        PaymentError::Transient(format!("{} {message}", status.as_u16()))
    } else {
        PaymentError::Rejected(message)
    }
}

fn record(response: wire::PaymentResponse) -> Result<PaymentRecord, PaymentError> {
    let payment = response
        .payment
        .ok_or_else(|| unknown_outcome("Square answered without a payment"))?;
    let status = match payment.status.as_deref() {
        Some("APPROVED") | Some("PENDING") => PaymentStatus::Approved,
        Some("COMPLETED") => PaymentStatus::Completed,
        Some("CANCELED") => PaymentStatus::Canceled,
        Some("FAILED") => PaymentStatus::Failed,
        other => {
            return Err(unknown_outcome(&format!(
                "payment {} has status {other:?}",
                payment.id
            )));
        }
    };
    let delayed_until = payment
        .delayed_until
        .as_deref()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&Utc));
    Ok(PaymentRecord {
        payment_id: payment.id,
        status,
        delayed_until,
    })
}

#[async_trait]
impl PaymentGateway for SquareGateway {
    #[tracing::instrument(level = "debug", skip_all, fields(reference_id = %request.reference_id))]
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError> {
        let body = wire::CreatePaymentRequest {
            source_id: &request.source_id,
            idempotency_key: &request.idempotency_key,
            amount_money: Self::minor_units(&request.amount)?,
            autocomplete: false,
            location_id: &self.location_id,
            reference_id: &request.reference_id,
            buyer_email_address: request.buyer_email.as_str(),
        };
        let response: wire::PaymentResponse = self
            .call(Method::POST, &["v2", "payments"], Some(&body))
            .await?;
        record(response)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment_id))]
    async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let result: Result<wire::PaymentResponse, _> = self
            .call(
                Method::POST,
                &["v2", "payments", payment_id, "complete"],
                Some(&wire::CompletePaymentRequest::default()),
            )
            .await;
        match result {
            Ok(response) => record(response),
            Err(refused) => {
                self.already(payment_id, PaymentStatus::Completed, refused)
                    .await
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment_id))]
    async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let result: Result<wire::PaymentResponse, _> = self
            .call(
                Method::POST,
                &["v2", "payments", payment_id, "cancel"],
                Some(&wire::Empty {}),
            )
            .await;
        match result {
            Ok(response) => record(response),
            Err(refused) => {
                self.already(payment_id, PaymentStatus::Canceled, refused)
                    .await
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError> {
        let body = wire::CancelPaymentByIdempotencyKeyRequest { idempotency_key };
        let _: wire::ErrorResponse = self
            .call(Method::POST, &["v2", "payments", "cancel"], Some(&body))
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment_id))]
    async fn refund(
        &self,
        payment_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let body = wire::RefundPaymentRequest {
            idempotency_key,
            amount_money: Self::minor_units(amount)?,
            payment_id,
        };
        let response: wire::RefundResponse = self
            .call(Method::POST, &["v2", "refunds"], Some(&body))
            .await?;
        match response.refund {
            Some(refund)
                if refund.status.as_deref() != Some("REJECTED")
                    && refund.status.as_deref() != Some("FAILED") =>
            {
                Ok(())
            }
            Some(refund) => Err(PaymentError::Rejected(format!(
                "REFUND_{}: refund {} of payment {payment_id}",
                refund.status.unwrap_or_default(),
                refund.id
            ))),
            None => Err(unknown_outcome("Square answered without a refund")),
        }
    }

    /// GetPayment: the payment as Square holds it now.
    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment_id))]
    async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let response: wire::PaymentResponse = self
            .call(Method::GET, &["v2", "payments", payment_id], None::<&()>)
            .await?;
        record(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let gateway = SquareGateway::new(SquareConfig::new(
            "http://127.0.0.1:1",
            AccessToken::new("EAAA-very-secret"),
            "L1",
        ))
        .unwrap();
        let shown = format!("{gateway:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn errors_classify_by_category_then_status() {
        let decline = br#"{"errors":[{"category":"PAYMENT_METHOD_ERROR","code":"CVV_FAILURE"}],"payment":{"id":"p","status":"FAILED"}}"#;
        for status in [StatusCode::BAD_REQUEST, StatusCode::PAYMENT_REQUIRED] {
            assert_eq!(
                classify(status, decline),
                PaymentError::Declined {
                    code: "CVV_FAILURE".into()
                }
            );
        }
        let invalid = br#"{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"NOT_FOUND","detail":"no"}]}"#;
        assert_eq!(
            classify(StatusCode::NOT_FOUND, invalid),
            PaymentError::Rejected("NOT_FOUND: no".into())
        );
        assert!(matches!(
            classify(StatusCode::INTERNAL_SERVER_ERROR, b"oops"),
            PaymentError::Transient(_)
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, invalid),
            PaymentError::Transient(_)
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, b""),
            PaymentError::Rejected(_)
        ));
    }

    #[test]
    fn an_unreadable_success_leaves_the_outcome_unknown() {
        let decoded: Result<wire::PaymentResponse, _> = decode(
            &Method::POST,
            "/v2/payments",
            StatusCode::OK,
            b"<html>proxy</html>",
        );
        assert!(
            matches!(decoded, Err(PaymentError::Transient(ref m)) if m.contains("may have taken effect")),
            "{decoded:?}"
        );
        let cut_short: Result<wire::PaymentResponse, _> = decode(
            &Method::POST,
            "/v2/payments",
            StatusCode::OK,
            br#"{"payment":{"id":"p""#,
        );
        assert!(matches!(cut_short, Err(PaymentError::Transient(_))));
        let empty = wire::PaymentResponse { payment: None };
        assert!(matches!(record(empty), Err(PaymentError::Transient(_))));
        let odd: wire::PaymentResponse =
            serde_json::from_str(r#"{"payment":{"id":"p","status":"SOMETHING_NEW"}}"#).unwrap();
        assert!(matches!(record(odd), Err(PaymentError::Transient(_))));
        let readable: wire::PaymentResponse = decode(
            &Method::GET,
            "/v2/payments/p",
            StatusCode::OK,
            br#"{"payment":{"id":"p","status":"APPROVED"}}"#,
        )
        .unwrap();
        assert_eq!(record(readable).unwrap().status, PaymentStatus::Approved);
    }

    #[test]
    fn bad_base_urls_are_refused() {
        for bad in ["", "not a url", "ftp://x", "mailto:a@b"] {
            assert!(
                SquareGateway::new(SquareConfig::new(bad, AccessToken::new("t"), "L")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn paths_extend_the_base_url() {
        let gateway = SquareGateway::new(SquareConfig::new(
            "http://h:1/prefix/",
            AccessToken::new("t"),
            "L",
        ))
        .unwrap();
        assert_eq!(
            gateway
                .url(&["v2", "payments", "a/b", "complete"])
                .unwrap()
                .as_str(),
            "http://h:1/prefix/v2/payments/a%2Fb/complete"
        );
    }
}
