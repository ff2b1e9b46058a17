//! Square's request and response bodies, as far as this adapter reads or
//! writes them (field names per Square's OpenAPI spec, release 2025-08-20).
//! Private to the adapter: nothing here leaves the crate.

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub(crate) struct Money {
    /// In the currency's smallest unit.
    pub amount: i64,
    pub currency: String,
}

/// `POST /v2/payments`.
#[derive(Debug, Serialize)]
pub(crate) struct CreatePaymentRequest<'a> {
    pub source_id: &'a str,
    pub idempotency_key: &'a str,
    pub amount_money: Money,
    pub autocomplete: bool,
    pub location_id: &'a str,
    pub reference_id: &'a str,
    pub buyer_email_address: &'a str,
}

/// `POST /v2/payments/{payment_id}/complete`; `version_token` is optional.
#[derive(Debug, Default, Serialize)]
pub(crate) struct CompletePaymentRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_token: Option<String>,
}

/// `POST /v2/payments/{payment_id}/cancel` takes an empty object.
#[derive(Debug, Serialize)]
pub(crate) struct Empty {}

/// `POST /v2/payments/cancel`.
#[derive(Debug, Serialize)]
pub(crate) struct CancelPaymentByIdempotencyKeyRequest<'a> {
    pub idempotency_key: &'a str,
}

/// `POST /v2/refunds`.
#[derive(Debug, Serialize)]
pub(crate) struct RefundPaymentRequest<'a> {
    pub idempotency_key: &'a str,
    pub amount_money: Money,
    pub payment_id: &'a str,
}

/// The fields of Square's `Payment` the domain needs.
#[derive(Debug, Deserialize)]
pub(crate) struct Payment {
    pub id: String,
    pub status: Option<String>,
    pub delayed_until: Option<String>,
}

/// Create, Get, Complete and Cancel answer `{payment, errors?}`.
#[derive(Debug, Deserialize)]
pub(crate) struct PaymentResponse {
    pub payment: Option<Payment>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PaymentRefund {
    pub id: String,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RefundResponse {
    pub refund: Option<PaymentRefund>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SquareError {
    pub category: String,
    pub code: String,
    pub detail: Option<String>,
}

/// Any answer's `errors`; CancelPaymentByIdempotencyKey answers only this.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorResponse {
    #[serde(default)]
    pub errors: Vec<SquareError>,
}
