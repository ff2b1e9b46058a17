//! The order-finalization workflow's steps as one AWS Lambda function, run
//! by the Step Functions state machine in `deploy/aws/statemachine.asl.json`.
//!
//! One binary serves every step: the event's `step` field chooses it (the
//! state machine sets it in each Task's `Parameters`), so one deployment
//! package, one set of settings and one warm pool serve the workflow.
//!
//! | `step` | input | output |
//! |---|---|---|
//! | `finalize` | `{"order_id", "failures"?}` | `{"order_id", "status", "next", "retry_at", "failures"}`: the order after this attempt. `next` is `"done"` (paid, or failed and voided) or `"retry"`: Square could not be reached, run again at `retry_at` (never past the margin before the authorization lapses, where the step voids and fails the order itself) with `failures` |
//! | `fail` | `{"order_id", "cause", "error"?}` | `{"order_id", "status", "next": "done", ...}`: an order still open is voided and ends `payment_failed` |
//! | `deliver_mails` | `{"limit"?}` | `{"attempted", "delivered", "rejected"}` |
//!
//! Failures are Lambda errors whose `errorType` the state machine's Retry and
//! Catch match by name: `Retryable` (Square or the store unavailable for now:
//! try again later) or `Fatal` (retrying cannot help; the Catch fails the
//! order). The handler functions are plain async functions, so tests call
//! them directly.

use lambda_runtime::Diagnostic;
use serde::{Deserialize, Serialize};
use shop_domain::DomainError;
use shop_domain::ids::OrderId;
use shop_domain::jobs::{DeliveryError, FinalizationService, StepReport};

/// How many outbox mails one `deliver_mails` step sends at most, unless its
/// input says otherwise.
pub const DEFAULT_MAIL_BATCH: usize = 50;
/// The most one `deliver_mails` may ask for, so a step stays well inside
/// the function's timeout.
pub const MAX_MAIL_BATCH: usize = 500;

/// The `errorType` of a failure worth retrying.
pub const RETRYABLE: &str = "Retryable";
/// The `errorType` of a failure retrying cannot mend.
pub const FATAL: &str = "Fatal";

/// One step's input, chosen by its `step` field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StepRequest {
    Finalize {
        order_id: String,
        /// Failed captures so far (the previous run's `failures`).
        #[serde(default)]
        failures: u32,
    },
    Fail {
        order_id: String,
        /// Why the workflow gave up (the Catch's `Cause`).
        #[serde(default)]
        cause: Option<String>,
        /// The error name the Catch caught (`Fatal`, `States.Timeout` ...).
        #[serde(default)]
        error: Option<String>,
    },
    DeliverMails {
        #[serde(default)]
        limit: Option<usize>,
    },
}

/// What `finalize` and `fail` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReport {
    pub order_id: String,
    pub status: String,
    /// `done`, or `retry` at `retry_at`.
    pub next: String,
    /// `YYYY-MM-DDTHH:MM:SSZ` (what a Wait state's `TimestampPath` takes),
    /// when `next` is `retry`.
    pub retry_at: Option<String>,
    /// Failed captures so far, for the next run.
    pub failures: u32,
}

/// `next` of a step after which the workflow moves on.
pub const DONE: &str = "done";
/// `next` of a step to run again at `retry_at`.
pub const RETRY: &str = "retry";

/// What `deliver_mails` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// Unsent mails found (at most the batch size).
    pub attempted: usize,
    pub delivered: usize,
    /// Refused by the transport for good: retrying cannot send them.
    pub rejected: usize,
}

/// A failed step: `error_type` is what the state machine matches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct StepError {
    pub error_type: &'static str,
    pub message: String,
}

impl StepError {
    fn fatal(message: impl Into<String>) -> Self {
        Self {
            error_type: FATAL,
            message: message.into(),
        }
    }

    fn retryable(message: impl Into<String>) -> Self {
        Self {
            error_type: RETRYABLE,
            message: message.into(),
        }
    }
}

/// Square unavailable and store failures pass with time; every other
/// refusal (a missing order, an inconsistent one, an authorization that
/// cannot be voided) would fail the same way again.
impl From<DomainError> for StepError {
    fn from(e: DomainError) -> Self {
        match e {
            // A store error's message leaves its source out: the cause
            // Step Functions records keeps the whole chain.
            DomainError::PaymentUnavailable(_) | DomainError::Store(_) => {
                Self::retryable(shop_domain::error::error_chain(&e))
            }
            other => Self::fatal(other.to_string()),
        }
    }
}

impl From<StepError> for Diagnostic {
    fn from(e: StepError) -> Self {
        Diagnostic {
            error_type: e.error_type.to_string(),
            error_message: e.message,
        }
    }
}

fn order_id(raw: &str) -> Result<OrderId, StepError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(StepError::fatal("order_id is empty"));
    }
    Ok(OrderId::new(raw))
}

fn report(order_id: &OrderId, step: &StepReport) -> OrderReport {
    OrderReport {
        order_id: order_id.to_string(),
        status: step.status.as_str().to_string(),
        next: if step.retry_at.is_some() { RETRY } else { DONE }.to_string(),
        // Whole seconds, rounded up so the wait is never shorter than asked.
        retry_at: step.retry_at.map(|at| {
            let at = if at.timestamp_subsec_nanos() > 0 {
                at + chrono::Duration::seconds(1)
            } else {
                at
            };
            at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        }),
        failures: step.failures,
    }
}

/// `finalize`: captures an authorized order and marks it paid (with its
/// mails in the outbox), or ends it `payment_failed` (voided) when the
/// capture is declined or cannot be made before the deadline. Square out of
/// reach is `next: "retry"`. Repeating it repeats no effect.
pub async fn finalize(
    service: &FinalizationService,
    order_id_raw: &str,
    failures: u32,
) -> Result<OrderReport, StepError> {
    let id = order_id(order_id_raw)?;
    let step = service.finalize_step(&id, failures, rand_jitter()).await?;
    Ok(report(&id, &step))
}

/// A fraction in [0, 1) to spread retries (a scheduling nicety, not a
/// secret: a random UUID's byte will do).
fn rand_jitter() -> f64 {
    f64::from(uuid::Uuid::new_v4().as_bytes()[0]) / 256.0
}

/// `fail`: the state machine's Catch. Ends a still open order in
/// `payment_failed` (voiding its authorization, mailing the customer when
/// the card had been authorized); a closed order is left alone.
pub async fn fail(
    service: &FinalizationService,
    order_id_raw: &str,
    error: Option<&str>,
    cause: Option<&str>,
) -> Result<OrderReport, StepError> {
    let id = order_id(order_id_raw)?;
    let why = match (error, cause) {
        (Some(e), Some(c)) => format!("{e}: {c}"),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => "the workflow gave up".to_string(),
    };
    let step = service.fail_step(&id, &why).await?;
    Ok(report(&id, &step))
}

/// `deliver_mails`: hands up to `limit` unsent outbox mails, oldest first,
/// to the transport. A mail the transport refuses for good is counted and
/// skipped; one it could not take now fails the step as `Retryable` after
/// the others were tried (the state machine retries; the mail's own job in
/// the queue is a second chance).
pub async fn deliver_mails(
    service: &FinalizationService,
    limit: usize,
) -> Result<DeliveryReport, StepError> {
    let mails = service.unsent_mails(limit.min(MAX_MAIL_BATCH)).await?;
    let mut report = DeliveryReport {
        attempted: mails.len(),
        delivered: 0,
        rejected: 0,
    };
    let mut transient = Vec::new();
    for mail in &mails {
        let id = &mail.message.message_id;
        match service.deliver(id).await {
            Ok(()) => report.delivered += 1,
            Err(DeliveryError::Rejected(why)) => {
                tracing::error!(message_id = %id, error = %why, "mail refused for good");
                report.rejected += 1;
            }
            Err(DeliveryError::Transient(why)) => transient.push(why),
            Err(DeliveryError::Domain(e)) => transient.push(e.to_string()),
        }
    }
    if let Some(first) = transient.first() {
        return Err(StepError::retryable(format!(
            "{} of {} mails not delivered (delivered {}, rejected {}); first error: {first}",
            transient.len(),
            report.attempted,
            report.delivered,
            report.rejected
        )));
    }
    Ok(report)
}

/// Runs the step `event` names and answers its output as JSON.
pub async fn handle(
    service: &FinalizationService,
    event: serde_json::Value,
) -> Result<serde_json::Value, StepError> {
    let request: StepRequest = serde_json::from_value(event)
        .map_err(|e| StepError::fatal(format!("not a step request: {e}")))?;
    let output = match &request {
        StepRequest::Finalize { order_id, failures } => {
            to_json(&finalize(service, order_id, *failures).await?)
        }
        StepRequest::Fail {
            order_id,
            cause,
            error,
        } => to_json(&fail(service, order_id, error.as_deref(), cause.as_deref()).await?),
        StepRequest::DeliverMails { limit } => {
            to_json(&deliver_mails(service, limit.unwrap_or(DEFAULT_MAIL_BATCH)).await?)
        }
    }?;
    Ok(output)
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, StepError> {
    serde_json::to_value(value).map_err(|e| StepError::fatal(format!("cannot encode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_chosen_by_their_step_field() {
        let parse = |v: serde_json::Value| serde_json::from_value::<StepRequest>(v);
        assert_eq!(
            parse(serde_json::json!({"step": "finalize", "order_id": "o-1"})).ok(),
            Some(StepRequest::Finalize {
                order_id: "o-1".into(),
                failures: 0
            })
        );
        assert_eq!(
            parse(serde_json::json!({"step": "finalize", "order_id": "o-1", "failures": 3})).ok(),
            Some(StepRequest::Finalize {
                order_id: "o-1".into(),
                failures: 3
            })
        );
        assert_eq!(
            parse(serde_json::json!({"step": "fail", "order_id": "o-1", "cause": "c", "error": "Fatal"}))
                .ok(),
            Some(StepRequest::Fail {
                order_id: "o-1".into(),
                cause: Some("c".into()),
                error: Some("Fatal".into()),
            })
        );
        assert_eq!(
            parse(serde_json::json!({"step": "deliver_mails"})).ok(),
            Some(StepRequest::DeliverMails { limit: None })
        );
        assert!(parse(serde_json::json!({"step": "launch"})).is_err());
        assert!(parse(serde_json::json!({"order_id": "o-1"})).is_err());
    }

    #[test]
    fn only_passing_failures_are_retryable() {
        let kind = |e: DomainError| StepError::from(e).error_type;
        assert_eq!(kind(DomainError::PaymentUnavailable("x".into())), RETRYABLE);
        assert_eq!(
            kind(DomainError::Store(shop_domain::StoreError::unavailable(
                "x"
            ))),
            RETRYABLE
        );
        assert_eq!(kind(DomainError::NotFound("order")), FATAL);
        assert_eq!(kind(DomainError::InvalidState("x".into())), FATAL);
        assert_eq!(kind(DomainError::Internal("x".into())), FATAL);
        let d = Diagnostic::from(StepError::retryable("later"));
        assert_eq!(
            (d.error_type.as_str(), d.error_message.as_str()),
            (RETRYABLE, "later")
        );
    }
}
