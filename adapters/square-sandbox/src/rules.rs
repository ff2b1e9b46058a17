//! Square's sandbox semantics as pure decisions: given what the ledger holds
//! and a request, what to answer and what to write. No store, no clock: the
//! caller passes the time and the fresh ids in a [`Stamp`].

use chrono::{DateTime, Duration, Utc};

use crate::failure::{ErrorCategory, SquareFailure};
use crate::model::{Payment, PaymentStatus, Refund};
use crate::nonce::{NonceOutcome, outcome_of};
use crate::request::{CompletePayment, CreatePayment, RefundPayment};
use crate::store::{CreateRecord, RecordedFailure};

/// The time of a change and the fresh ids it may need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub now: DateTime<Utc>,
    /// For a new payment or refund.
    pub id: String,
    /// For a changed payment.
    pub version_token: String,
}

impl Stamp {
    pub fn fresh(now: DateTime<Utc>) -> Self {
        Self {
            now,
            // Time-ordered and unique across restarts.
            id: uuid::Uuid::now_v7().simple().to_string(),
            version_token: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

/// Square voids an authorization left uncompleted past `delayed_until`:
/// the payment as it then stands, if it lapsed.
pub(crate) fn lapsed(payment: &Payment, stamp: &Stamp) -> Option<Payment> {
    let due = payment.delayed_until?;
    if payment.status != PaymentStatus::Approved || due > stamp.now {
        return None;
    }
    Some(Payment {
        status: PaymentStatus::Canceled,
        // It was voided when its window ended, whenever we notice.
        updated_at: due,
        version_token: stamp.version_token.clone(),
        ..payment.clone()
    })
}

/// What a CreatePayment does.
// Made and matched once per request; boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CreateDecision {
    /// The key's first request again: answer as recorded.
    Replay(CreateRecord),
    /// A new key: store the payment (if any) and the record, answer as the
    /// record says.
    Make {
        payment: Option<Payment>,
        record: CreateRecord,
    },
}

pub(crate) fn decide_create(
    request: &CreatePayment,
    existing: Option<CreateRecord>,
    stamp: &Stamp,
    authorization_window: Duration,
) -> Result<CreateDecision, SquareFailure> {
    let fingerprint = request.fingerprint();
    if let Some(first) = existing {
        return if first.request_fingerprint == fingerprint {
            Ok(CreateDecision::Replay(first))
        } else {
            Err(key_reused())
        };
    }
    let (payment, failure) = match make_payment(request, stamp, authorization_window) {
        Ok(made) => made,
        Err(refused) => (None, Some(refused)),
    };
    let record = CreateRecord {
        idempotency_key: request.idempotency_key.clone(),
        request_fingerprint: fingerprint,
        payment_id: payment.as_ref().map(|p| p.id.clone()),
        failure: failure.as_ref().and_then(RecordedFailure::of),
        created_at: stamp.now,
    };
    Ok(CreateDecision::Make { payment, record })
}

/// The payment a new create makes, with the decline it answers if any; or
/// the refusal that makes none.
fn make_payment(
    request: &CreatePayment,
    stamp: &Stamp,
    authorization_window: Duration,
) -> Result<(Option<Payment>, Option<SquareFailure>), SquareFailure> {
    check_money(&request.amount_money.currency, request.amount_money.amount)?;
    let (status, decline) = match outcome_of(&request.source_id) {
        NonceOutcome::Unknown => {
            return Err(SquareFailure::invalid_request(
                "INVALID_CARD_DATA",
                "source_id",
                "Invalid card data.",
            ));
        }
        NonceOutcome::Decline { code, http_status } => (
            PaymentStatus::Failed,
            Some(SquareFailure::new(
                http_status,
                ErrorCategory::PaymentMethodError,
                code,
                &format!("Authorization error: '{code}'"),
            )),
        ),
        NonceOutcome::Approve if request.autocomplete => (PaymentStatus::Completed, None),
        NonceOutcome::Approve => (PaymentStatus::Approved, None),
    };
    let payment = Payment {
        id: stamp.id.clone(),
        idempotency_key: request.idempotency_key.clone(),
        amount: request.amount_money.amount,
        currency: request.amount_money.currency.clone(),
        source_id: request.source_id.clone(),
        location_id: request.location_id.clone(),
        reference_id: request.reference_id.clone(),
        buyer_email_address: request.buyer_email_address.clone(),
        status,
        completions: u32::from(status == PaymentStatus::Completed),
        refunded: 0,
        created_at: stamp.now,
        updated_at: stamp.now,
        delayed_until: (status == PaymentStatus::Approved)
            .then(|| stamp.now + authorization_window),
        version_token: stamp.version_token.clone(),
    };
    Ok((Some(payment), decline))
}

fn check_money(currency: &str, amount: i64) -> Result<(), SquareFailure> {
    if amount <= 0 {
        return Err(SquareFailure::invalid_request(
            "INVALID_VALUE",
            "amount_money.amount",
            "Amount must be greater than 0.",
        ));
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(SquareFailure::invalid_request(
            "INVALID_ENUM_VALUE",
            "amount_money.currency",
            "The currency must be an ISO 4217 code.",
        ));
    }
    Ok(())
}

fn key_reused() -> SquareFailure {
    SquareFailure::invalid_request(
        "IDEMPOTENCY_KEY_REUSED",
        "idempotency_key",
        "The idempotency key was used with another request.",
    )
}

/// A create's answer from its record and its payment as it stands now.
pub(crate) fn create_answer(
    record: &CreateRecord,
    payment: Option<Payment>,
) -> Result<Payment, SquareFailure> {
    match (&record.failure, payment) {
        (Some(failure), Some(payment)) => Err(failure.failure().with_payment(payment)),
        (Some(failure), None) if record.payment_id.is_none() => Err(failure.failure()),
        (None, Some(payment)) => Ok(payment),
        _ => Err(SquareFailure::internal(&format!(
            "the create record of {} names a missing payment",
            record.idempotency_key
        ))),
    }
}

fn refused(payment: &Payment, action: &str) -> SquareFailure {
    SquareFailure::new(
        400,
        ErrorCategory::InvalidRequestError,
        "BAD_REQUEST",
        &format!("Payment is {} and cannot be {action}.", payment.status),
    )
}

/// CompletePayment: the payment to write, or `None` when it stands as is.
pub(crate) fn complete(
    payment: &Payment,
    request: &CompletePayment,
    stamp: &Stamp,
) -> Result<Option<Payment>, SquareFailure> {
    // Before the version check: a retry of a completion that succeeded
    // carries the token the completion replaced.
    if payment.status == PaymentStatus::Completed {
        return Ok(None);
    }
    if let Some(expected) = &request.version_token
        && expected != &payment.version_token
    {
        return Err(SquareFailure::invalid_request(
            "VERSION_MISMATCH",
            "version_token",
            "The version token does not match the payment's current version.",
        ));
    }
    if payment.status != PaymentStatus::Approved {
        return Err(refused(payment, "completed"));
    }
    Ok(Some(Payment {
        status: PaymentStatus::Completed,
        completions: payment.completions + 1,
        updated_at: stamp.now,
        version_token: stamp.version_token.clone(),
        ..payment.clone()
    }))
}

/// CancelPayment: the payment to write, or `None` when it stands as is.
pub(crate) fn cancel(payment: &Payment, stamp: &Stamp) -> Result<Option<Payment>, SquareFailure> {
    match payment.status {
        PaymentStatus::Approved => Ok(Some(canceled(payment, stamp))),
        PaymentStatus::Canceled => Ok(None),
        PaymentStatus::Completed | PaymentStatus::Failed => Err(refused(payment, "canceled")),
    }
}

/// CancelPaymentByIdempotencyKey: the payment to write, if any. Square
/// answers success when nothing matches, and a declined create left only a
/// FAILED payment with nothing to void.
pub(crate) fn cancel_by_key(
    payment: Option<&Payment>,
    stamp: &Stamp,
) -> Result<Option<Payment>, SquareFailure> {
    match payment {
        None => Ok(None),
        Some(p) => match p.status {
            PaymentStatus::Approved => Ok(Some(canceled(p, stamp))),
            PaymentStatus::Canceled | PaymentStatus::Failed => Ok(None),
            PaymentStatus::Completed => Err(refused(p, "canceled")),
        },
    }
}

fn canceled(payment: &Payment, stamp: &Stamp) -> Payment {
    Payment {
        status: PaymentStatus::Canceled,
        updated_at: stamp.now,
        version_token: stamp.version_token.clone(),
        ..payment.clone()
    }
}

/// What a RefundPayment does.
// Made and matched once per request; boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefundDecision {
    /// The key's first refund again.
    Replay(Refund),
    /// Store both.
    Make { payment: Payment, refund: Refund },
}

/// A refused refund records nothing: a retry under its key is a new
/// request (the payment may be completed by then).
pub(crate) fn decide_refund(
    request: &RefundPayment,
    existing: Option<Refund>,
    payment: Option<&Payment>,
    stamp: &Stamp,
) -> Result<RefundDecision, SquareFailure> {
    if let Some(first) = existing {
        let same =
            first.payment_id == request.payment_id && first.amount_money() == request.amount_money;
        return if same {
            Ok(RefundDecision::Replay(first))
        } else {
            Err(key_reused())
        };
    }
    let money = &request.amount_money;
    check_money(&money.currency, money.amount)?;
    let Some(payment) = payment else {
        return Err(SquareFailure::payment_not_found(&request.payment_id));
    };
    if payment.status != PaymentStatus::Completed {
        return Err(refused(payment, "refunded"));
    }
    if money.currency != payment.currency {
        return Err(SquareFailure::invalid_request(
            "CURRENCY_MISMATCH",
            "amount_money.currency",
            &format!("The payment is in {}.", payment.currency),
        ));
    }
    if money.amount > payment.refundable() {
        return Err(SquareFailure::invalid_request(
            "REFUND_AMOUNT_INVALID",
            "amount_money.amount",
            &format!(
                "The refund of {} exceeds the refundable {}.",
                money.amount,
                payment.refundable()
            ),
        ));
    }
    let refund = Refund {
        id: format!("{}_{}", payment.id, stamp.id),
        idempotency_key: request.idempotency_key.clone(),
        payment_id: payment.id.clone(),
        amount: money.amount,
        currency: money.currency.clone(),
        location_id: payment.location_id.clone(),
        created_at: stamp.now,
    };
    let payment = Payment {
        refunded: payment.refunded + money.amount,
        updated_at: stamp.now,
        version_token: stamp.version_token.clone(),
        ..payment.clone()
    };
    Ok(RefundDecision::Make { payment, refund })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
