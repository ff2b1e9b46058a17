//! A Square Payments API simulator with the sandbox's test nonces, for the
//! embedded shape and for tests.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use shop_domain::Clock;
use shop_domain::money::Money;
use shop_domain::payment::{
    AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord, PaymentStatus,
};

/// How long Square keeps a card-not-present authorization before voiding it.
const AUTHORIZATION_WINDOW: Duration = Duration::days(7);

/// The nonce Square's sandbox approves.
const NONCE_OK: &str = "cnon:card-nonce-ok";

/// Square's sandbox nonces that decline, with the error code each yields.
const DECLINING_NONCES: [(&str, &str); 5] = [
    ("cnon:card-nonce-declined", "GENERIC_DECLINE"),
    ("cnon:card-nonce-rejected-cvv", "CVV_FAILURE"),
    (
        "cnon:card-nonce-rejected-postalcode",
        "ADDRESS_VERIFICATION_FAILURE",
    ),
    ("cnon:card-nonce-rejected-expiration", "INVALID_EXPIRATION"),
    ("cnon:card-nonce-already-used", "CARD_TOKEN_USED"),
];

/// One payment in the simulator's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedPayment {
    pub id: String,
    /// The key of the create that made it.
    pub idempotency_key: String,
    /// In minor units of `currency`.
    pub amount: i64,
    pub currency: String,
    pub source_id: String,
    pub reference_id: String,
    pub status: PaymentStatus,
    /// How many times it went from APPROVED to COMPLETED (0 or 1; more
    /// would be a double charge).
    pub completions: u32,
    /// Refunded so far, in minor units.
    pub refunded: i64,
    pub delayed_until: Option<DateTime<Utc>>,
}

impl SimulatedPayment {
    fn record(&self) -> PaymentRecord {
        PaymentRecord {
            payment_id: self.id.clone(),
            status: self.status,
            delayed_until: self.delayed_until,
        }
    }
}

/// What a create request asked for, to tell a replay from a key reuse.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CreateFingerprint {
    amount: i64,
    currency: String,
    source_id: String,
    reference_id: String,
    buyer_email: String,
}

#[derive(Debug, Clone)]
enum CreateOutcome {
    /// A payment was made (approved, or failed on a decline).
    Payment {
        id: String,
        decline: Option<String>,
    },
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RefundRecord {
    payment_id: String,
    amount: i64,
    currency: String,
}

#[derive(Debug, Default)]
struct Ledger {
    payments: Vec<SimulatedPayment>,
    creates: HashMap<String, (CreateFingerprint, CreateOutcome)>,
    refunds: HashMap<String, RefundRecord>,
    fail_next: usize,
}

impl Ledger {
    /// Applies Square's automatic void of authorizations left too long.
    fn expire(&mut self, now: DateTime<Utc>) {
        for p in &mut self.payments {
            if p.status == PaymentStatus::Approved && p.delayed_until.is_some_and(|d| d <= now) {
                p.status = PaymentStatus::Canceled;
            }
        }
    }

    fn fault(&mut self) -> Result<(), PaymentError> {
        if self.fail_next > 0 {
            self.fail_next -= 1;
            return Err(PaymentError::Transient(
                "SERVICE_UNAVAILABLE: simulated fault".into(),
            ));
        }
        Ok(())
    }

    fn payment_mut(&mut self, id: &str) -> Result<&mut SimulatedPayment, PaymentError> {
        self.payments
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| PaymentError::Rejected(format!("NOT_FOUND: payment {id}")))
    }

    fn outcome(&self, outcome: &CreateOutcome) -> Result<PaymentRecord, PaymentError> {
        match outcome {
            CreateOutcome::Rejected(reason) => Err(PaymentError::Rejected(reason.clone())),
            CreateOutcome::Payment {
                decline: Some(code),
                ..
            } => Err(PaymentError::Declined { code: code.clone() }),
            CreateOutcome::Payment { id, decline: None } => self
                .payments
                .iter()
                .find(|p| &p.id == id)
                .map(SimulatedPayment::record)
                .ok_or_else(|| PaymentError::Rejected(format!("NOT_FOUND: payment {id}"))),
        }
    }
}

fn minor_units(amount: &Money) -> Result<i64, PaymentError> {
    match amount.to_minor_units() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(PaymentError::Rejected(format!(
            "INVALID_VALUE: amount {} {} is not a positive whole number of minor units",
            amount.amount, amount.currency
        ))),
    }
}

fn bad_request(payment: &SimulatedPayment, action: &str) -> PaymentError {
    PaymentError::Rejected(format!(
        "BAD_REQUEST: payment {} is {} and cannot be {action}",
        payment.id,
        payment.status.as_str()
    ))
}

/// Square's Payments API, simulated in memory with the sandbox's semantics:
///
/// - `cnon:card-nonce-ok` authorizes (APPROVED, voided after 7 days unless
///   completed); the sandbox's decline nonces (`cnon:card-nonce-declined`,
///   `-rejected-cvv`, `-rejected-postalcode`, `-rejected-expiration`,
///   `-already-used`) record a FAILED payment and decline with Square's
///   code; any other source is rejected as `INVALID_CARD_DATA`.
/// - A create with a known idempotency key and the same request returns the
///   first outcome again (the payment as it stands now, or the same
///   decline); with a different request it is rejected with
///   `IDEMPOTENCY_KEY_REUSED`. Refunds are idempotent by key the same way.
/// - [`fail_next`](Self::fail_next) makes the next calls fail as transient
///   without any effect, like a timeout before Square saw the request.
#[derive(Clone)]
pub struct SimulatedSquare {
    ledger: Arc<Mutex<Ledger>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SimulatedSquare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedSquare").finish_non_exhaustive()
    }
}

impl SimulatedSquare {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            ledger: Arc::new(Mutex::new(Ledger::default())),
            clock,
        }
    }

    /// Every payment made so far, oldest first.
    pub fn payments(&self) -> Vec<SimulatedPayment> {
        let mut ledger = self.ledger.lock();
        ledger.expire(self.clock.now());
        ledger.payments.clone()
    }

    /// Makes the next `n` calls (of any method) fail with
    /// [`PaymentError::Transient`] and no effect.
    pub fn fail_next(&self, n: usize) {
        self.ledger.lock().fail_next = n;
    }

    /// Locks the ledger, counts a call against the fault switch and applies
    /// expiries as of now.
    fn begin(&self) -> Result<parking_lot::MutexGuard<'_, Ledger>, PaymentError> {
        let mut ledger = self.ledger.lock();
        ledger.fault()?;
        ledger.expire(self.clock.now());
        Ok(ledger)
    }
}

#[async_trait]
impl PaymentGateway for SimulatedSquare {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError> {
        let mut ledger = self.begin()?;
        let amount = minor_units(&request.amount)?;
        let fingerprint = CreateFingerprint {
            amount,
            currency: request.amount.currency.code().to_string(),
            source_id: request.source_id.clone(),
            reference_id: request.reference_id.clone(),
            buyer_email: request.buyer_email.as_str().to_string(),
        };
        if let Some((first, outcome)) = ledger.creates.get(&request.idempotency_key) {
            if first != &fingerprint {
                return Err(PaymentError::Rejected(
                    "IDEMPOTENCY_KEY_REUSED: the key was used with another request".into(),
                ));
            }
            return ledger.outcome(outcome);
        }
        let decline = DECLINING_NONCES
            .iter()
            .find(|(nonce, _)| *nonce == request.source_id)
            .map(|(_, code)| (*code).to_string());
        let outcome = if request.source_id == NONCE_OK || decline.is_some() {
            // Unique across restarts too, unlike a counter: an order stored
            // elsewhere must never name another order's payment.
            let id = format!("sim-pay-{}", uuid::Uuid::now_v7().simple());
            let approved = decline.is_none();
            ledger.payments.push(SimulatedPayment {
                id: id.clone(),
                idempotency_key: request.idempotency_key.clone(),
                amount,
                currency: fingerprint.currency.clone(),
                source_id: request.source_id.clone(),
                reference_id: request.reference_id.clone(),
                status: if approved {
                    PaymentStatus::Approved
                } else {
                    PaymentStatus::Failed
                },
                completions: 0,
                refunded: 0,
                delayed_until: approved.then(|| self.clock.now() + AUTHORIZATION_WINDOW),
            });
            CreateOutcome::Payment { id, decline }
        } else {
            CreateOutcome::Rejected(format!(
                "INVALID_CARD_DATA: unknown payment source {:?}",
                request.source_id
            ))
        };
        let result = ledger.outcome(&outcome);
        ledger
            .creates
            .insert(request.idempotency_key.clone(), (fingerprint, outcome));
        result
    }

    async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let mut ledger = self.begin()?;
        let payment = ledger.payment_mut(payment_id)?;
        match payment.status {
            PaymentStatus::Approved => {
                payment.status = PaymentStatus::Completed;
                payment.completions += 1;
                Ok(payment.record())
            }
            PaymentStatus::Completed => Ok(payment.record()),
            PaymentStatus::Canceled | PaymentStatus::Failed => {
                Err(bad_request(payment, "completed"))
            }
        }
    }

    async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let mut ledger = self.begin()?;
        let payment = ledger.payment_mut(payment_id)?;
        match payment.status {
            PaymentStatus::Approved | PaymentStatus::Canceled => {
                payment.status = PaymentStatus::Canceled;
                Ok(payment.record())
            }
            PaymentStatus::Completed | PaymentStatus::Failed => {
                Err(bad_request(payment, "canceled"))
            }
        }
    }

    async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError> {
        let mut ledger = self.begin()?;
        let Some(payment) = ledger
            .payments
            .iter_mut()
            .find(|p| p.idempotency_key == idempotency_key)
        else {
            return Ok(());
        };
        match payment.status {
            PaymentStatus::Approved => {
                payment.status = PaymentStatus::Canceled;
                Ok(())
            }
            PaymentStatus::Canceled | PaymentStatus::Failed => Ok(()),
            PaymentStatus::Completed => Err(bad_request(payment, "canceled")),
        }
    }

    async fn refund(
        &self,
        payment_id: &str,
        amount: &Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let mut ledger = self.begin()?;
        let request = RefundRecord {
            payment_id: payment_id.to_string(),
            amount: minor_units(amount)?,
            currency: amount.currency.code().to_string(),
        };
        if let Some(first) = ledger.refunds.get(idempotency_key) {
            return if first == &request {
                Ok(())
            } else {
                Err(PaymentError::Rejected(
                    "IDEMPOTENCY_KEY_REUSED: the key was used with another request".into(),
                ))
            };
        }
        let payment = ledger.payment_mut(payment_id)?;
        if payment.status != PaymentStatus::Completed {
            return Err(bad_request(payment, "refunded"));
        }
        if request.currency != payment.currency {
            return Err(PaymentError::Rejected(format!(
                "CURRENCY_MISMATCH: payment is in {}",
                payment.currency
            )));
        }
        if request.amount > payment.amount - payment.refunded {
            return Err(PaymentError::Rejected(format!(
                "REFUND_AMOUNT_INVALID: {} exceeds the refundable {}",
                request.amount,
                payment.amount - payment.refunded
            )));
        }
        payment.refunded += request.amount;
        ledger.refunds.insert(idempotency_key.to_string(), request);
        Ok(())
    }

    async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        let mut ledger = self.begin()?;
        Ok(ledger.payment_mut(payment_id)?.record())
    }
}
