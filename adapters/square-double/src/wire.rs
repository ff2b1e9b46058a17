//! Square's JSON, typed (field names per `payments-openapi.json`
//! 2025-08-20), and its mapping to and from the sandbox model.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shop_square_sandbox::{
    CompletePayment, CreatePayment, ErrorCategory, IdempotencyKey, Money, Payment, PaymentStatus,
    Refund, RefundPayment, SquareErrorItem, SquareFailure,
};

/// A request body: none is `{}`; anything but a JSON object is refused.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, SquareFailure> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    let value: serde_json::Value = serde_json::from_slice(body)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| bad_body("EXPECTED_JSON_BODY", "The body is not a JSON object."))?;
    serde_json::from_value(value)
        .map_err(|e| bad_body("INVALID_VALUE", &format!("Invalid body: {e}")))
}

fn bad_body(code: &str, detail: &str) -> SquareFailure {
    SquareFailure::new(400, ErrorCategory::InvalidRequestError, code, detail)
}

fn required<T>(value: Option<T>, field: &str) -> Result<T, SquareFailure> {
    value.ok_or_else(|| SquareFailure::missing(field))
}

fn key(value: Option<String>) -> Result<IdempotencyKey, SquareFailure> {
    IdempotencyKey::parse(required(value, "idempotency_key")?)
}

#[derive(Debug, Deserialize)]
pub(crate) struct MoneyBody {
    amount: Option<i64>,
    currency: Option<String>,
}

fn money(value: Option<MoneyBody>, field: &str) -> Result<Money, SquareFailure> {
    let body = required(value, field)?;
    Ok(Money::new(
        required(body.amount, &format!("{field}.amount"))?,
        required(body.currency, &format!("{field}.currency"))?,
    ))
}

/// `POST /v2/payments`.
#[derive(Debug, Deserialize)]
pub(crate) struct CreatePaymentBody {
    idempotency_key: Option<String>,
    source_id: Option<String>,
    amount_money: Option<MoneyBody>,
    autocomplete: Option<bool>,
    location_id: Option<String>,
    reference_id: Option<String>,
    buyer_email_address: Option<String>,
}

impl CreatePaymentBody {
    pub fn into_request(self) -> Result<CreatePayment, SquareFailure> {
        let key = key(self.idempotency_key)?;
        let source_id = required(self.source_id, "source_id")?;
        let amount_money = money(self.amount_money, "amount_money")?;
        Ok(CreatePayment {
            autocomplete: self.autocomplete.unwrap_or(true),
            location_id: self.location_id,
            reference_id: self.reference_id,
            buyer_email_address: self.buyer_email_address,
            ..CreatePayment::new(key, amount_money, &source_id)
        })
    }
}

/// `POST /v2/payments/{payment_id}/complete`.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletePaymentBody {
    version_token: Option<String>,
}

impl CompletePaymentBody {
    pub fn into_request(self) -> CompletePayment {
        CompletePayment {
            version_token: self.version_token,
        }
    }
}

/// `POST /v2/payments/{payment_id}/cancel`: nothing is read from it.
#[derive(Debug, Deserialize)]
pub(crate) struct CancelPaymentBody {}

/// `POST /v2/payments/cancel`.
#[derive(Debug, Deserialize)]
pub(crate) struct CancelPaymentByIdempotencyKeyBody {
    idempotency_key: Option<String>,
}

impl CancelPaymentByIdempotencyKeyBody {
    pub fn into_key(self) -> Result<IdempotencyKey, SquareFailure> {
        key(self.idempotency_key)
    }
}

/// `POST /v2/refunds`.
#[derive(Debug, Deserialize)]
pub(crate) struct RefundPaymentBody {
    idempotency_key: Option<String>,
    amount_money: Option<MoneyBody>,
    payment_id: Option<String>,
}

impl RefundPaymentBody {
    pub fn into_request(self) -> Result<RefundPayment, SquareFailure> {
        Ok(RefundPayment {
            idempotency_key: key(self.idempotency_key)?,
            amount_money: money(self.amount_money, "amount_money")?,
            payment_id: required(self.payment_id, "payment_id")?,
        })
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Serialize)]
pub(crate) struct MoneyJson {
    amount: i64,
    currency: String,
}

impl From<Money> for MoneyJson {
    fn from(m: Money) -> Self {
        Self {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

#[derive(Debug, Serialize)]
struct CardJson {
    card_brand: &'static str,
    last_4: &'static str,
    exp_month: i64,
    exp_year: i64,
    fingerprint: &'static str,
    card_type: &'static str,
    bin: &'static str,
}

/// Every card of the double is the same test Visa.
const CARD: CardJson = CardJson {
    card_brand: "VISA",
    last_4: "1111",
    exp_month: 12,
    exp_year: 2030,
    fingerprint: "sq-1-double",
    card_type: "CREDIT",
    bin: "411111",
};

#[derive(Debug, Serialize)]
struct CardPaymentDetailsJson {
    status: &'static str,
    card: CardJson,
    entry_method: &'static str,
    cvv_status: &'static str,
    avs_status: &'static str,
    statement_description: &'static str,
}

impl CardPaymentDetailsJson {
    fn of(status: PaymentStatus) -> Self {
        let failed = status == PaymentStatus::Failed;
        Self {
            status: match status {
                PaymentStatus::Approved => "AUTHORIZED",
                PaymentStatus::Completed => "CAPTURED",
                PaymentStatus::Canceled => "VOIDED",
                PaymentStatus::Failed => "FAILED",
            },
            card: CARD,
            entry_method: "KEYED",
            cvv_status: if failed {
                "CVV_REJECTED"
            } else {
                "CVV_ACCEPTED"
            },
            avs_status: if failed {
                "AVS_REJECTED"
            } else {
                "AVS_ACCEPTED"
            },
            statement_description: "SQ *SHOP",
        }
    }
}

/// Square's `Payment`.
#[derive(Debug, Serialize)]
pub(crate) struct PaymentJson {
    id: String,
    created_at: String,
    updated_at: String,
    amount_money: MoneyJson,
    total_money: MoneyJson,
    approved_money: MoneyJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    refunded_money: Option<MoneyJson>,
    status: &'static str,
    delay_duration: String,
    delay_action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    delayed_until: Option<String>,
    source_type: &'static str,
    card_details: CardPaymentDetailsJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    buyer_email_address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    refund_ids: Vec<String>,
    version_token: String,
    capabilities: [&'static str; 2],
    receipt_number: String,
}

impl PaymentJson {
    /// `window`: the authorization window the ledger gives (Square's
    /// `delay_duration`); `refund_ids`: the payment's refunds.
    pub fn of(p: Payment, window: Duration, refund_ids: Vec<String>) -> Self {
        let approved = if p.status == PaymentStatus::Failed {
            0
        } else {
            p.amount
        };
        Self {
            receipt_number: p.id.chars().take(4).collect(),
            created_at: timestamp(p.created_at),
            updated_at: timestamp(p.updated_at),
            amount_money: p.amount_money().into(),
            total_money: p.amount_money().into(),
            approved_money: Money::new(approved, p.currency.clone()).into(),
            refunded_money: (p.refunded > 0)
                .then(|| Money::new(p.refunded, p.currency.clone()).into()),
            status: p.status.as_str(),
            delay_duration: format!("PT{}S", window.num_seconds()),
            delay_action: "CANCEL",
            delayed_until: p.delayed_until.map(timestamp),
            source_type: "CARD",
            card_details: CardPaymentDetailsJson::of(p.status),
            location_id: p.location_id,
            reference_id: p.reference_id,
            buyer_email_address: p.buyer_email_address,
            refund_ids,
            version_token: p.version_token,
            capabilities: ["EDIT_AMOUNT_UP", "EDIT_AMOUNT_DOWN"],
            id: p.id,
        }
    }
}

/// Square's `PaymentRefund`.
#[derive(Debug, Serialize)]
pub(crate) struct RefundJson {
    id: String,
    /// Card refunds start PENDING at Square.
    status: &'static str,
    amount_money: MoneyJson,
    payment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_id: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<Refund> for RefundJson {
    fn from(r: Refund) -> Self {
        Self {
            status: "PENDING",
            amount_money: r.amount_money().into(),
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.created_at),
            id: r.id,
            payment_id: r.payment_id,
            location_id: r.location_id,
        }
    }
}

/// Create, Get, Complete and Cancel answer this.
#[derive(Debug, Serialize)]
pub(crate) struct PaymentResponse {
    pub payment: PaymentJson,
}

#[derive(Debug, Serialize)]
pub(crate) struct RefundResponse {
    pub refund: RefundJson,
}

/// CancelPaymentByIdempotencyKey answers an empty object.
#[derive(Debug, Serialize)]
pub(crate) struct EmptyResponse {}

/// Any error answer; a decline carries its FAILED payment.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorResponse {
    pub errors: Vec<SquareErrorItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentJson>,
}
