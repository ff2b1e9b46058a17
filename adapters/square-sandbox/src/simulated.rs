//! [`SimulatedSquare`]: the [`PaymentGateway`] port over the sandbox
//! ledger, in process: the embedded shop's payments and the services' tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use shop_domain::Clock;
use shop_domain::money::Money as DomainMoney;
use shop_domain::payment::{
    AuthorizeRequest, PaymentError, PaymentGateway, PaymentRecord, PaymentStatus as DomainStatus,
};

use crate::failure::SquareFailure;
use crate::ledger::SquareLedger;
use crate::memory::MemoryLedgerStore;
use crate::model::{IdempotencyKey, Money, Payment, PaymentStatus};
use crate::request::{CompletePayment, CreatePayment, RefundPayment};
use crate::store::LedgerStore;

/// Square's Payments API simulated on a [`SquareLedger`], with its failures
/// mapped as `shop-square`'s `SquareGateway` maps Square's answers: a
/// `PAYMENT_METHOD_ERROR` is [`PaymentError::Declined`], a 5xx or 429
/// [`PaymentError::Transient`], any other 4xx [`PaymentError::Rejected`].
#[derive(Clone)]
pub struct SimulatedSquare {
    ledger: SquareLedger,
    fail_next: Arc<AtomicUsize>,
}

impl std::fmt::Debug for SimulatedSquare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedSquare").finish_non_exhaustive()
    }
}

impl SimulatedSquare {
    /// On a fresh in-memory ledger (lost on restart: tests only).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_store(Arc::new(MemoryLedgerStore::new()), clock)
    }

    /// On the ledger `store` holds.
    pub fn with_store(store: Arc<dyn LedgerStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            ledger: SquareLedger::new(store, clock),
            fail_next: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn ledger(&self) -> &SquareLedger {
        &self.ledger
    }

    /// Makes the next `n` calls (of any method) fail with
    /// [`PaymentError::Transient`] and no effect, like a timeout before
    /// Square saw the request.
    pub fn fail_next(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// Every payment made so far, oldest first (lapsed authorizations
    /// voided).
    pub async fn payments(&self) -> Result<Vec<Payment>, SquareFailure> {
        self.ledger.snapshot().await.map(|s| s.payments)
    }

    fn fault(&self) -> Result<(), PaymentError> {
        let armed = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        match armed {
            Ok(_) => Err(PaymentError::Transient(
                "503 SERVICE_UNAVAILABLE: simulated fault".into(),
            )),
            Err(_) => Ok(()),
        }
    }
}

/// As `SquareGateway` classifies Square's error answers.
pub fn payment_error(failure: SquareFailure) -> PaymentError {
    let status = failure.http_status;
    if (400..500).contains(&status)
        && let Some(code) = failure.decline_code()
    {
        return PaymentError::Declined {
            code: code.to_string(),
        };
    }
    let message = match failure.errors.first() {
        Some(first) => match &first.detail {
            Some(detail) => format!("{}: {detail}", first.code),
            None => first.code.clone(),
        },
        None => format!("HTTP {status}"),
    };
    if status >= 500 || status == 429 {
        PaymentError::Transient(format!("{status} {message}"))
    } else {
        PaymentError::Rejected(message)
    }
}

pub(crate) fn record(payment: &Payment) -> PaymentRecord {
    PaymentRecord {
        payment_id: payment.id.clone(),
        status: match payment.status {
            PaymentStatus::Approved => DomainStatus::Approved,
            PaymentStatus::Completed => DomainStatus::Completed,
            PaymentStatus::Canceled => DomainStatus::Canceled,
            PaymentStatus::Failed => DomainStatus::Failed,
        },
        delayed_until: payment.delayed_until,
    }
}

fn money(amount: &DomainMoney) -> Result<Money, PaymentError> {
    match amount.to_minor_units() {
        Ok(minor) => Ok(Money::new(minor, amount.currency.code())),
        Err(_) => Err(PaymentError::Rejected(format!(
            "INVALID_VALUE: amount {} {} is not a whole number of minor units",
            amount.amount,
            amount.currency.code()
        ))),
    }
}

fn key(key: &str) -> Result<IdempotencyKey, PaymentError> {
    IdempotencyKey::parse(key).map_err(payment_error)
}

#[async_trait]
impl PaymentGateway for SimulatedSquare {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<PaymentRecord, PaymentError> {
        self.fault()?;
        let create = CreatePayment {
            autocomplete: false,
            reference_id: Some(request.reference_id.clone()),
            buyer_email_address: Some(request.buyer_email.as_str().to_string()),
            ..CreatePayment::new(
                key(&request.idempotency_key)?,
                money(&request.amount)?,
                &request.source_id,
            )
        };
        let payment = self
            .ledger
            .create_payment(&create)
            .await
            .map_err(payment_error)?;
        Ok(record(&payment))
    }

    async fn complete(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        self.fault()?;
        let payment = self
            .ledger
            .complete_payment(payment_id, &CompletePayment::default())
            .await
            .map_err(payment_error)?;
        Ok(record(&payment))
    }

    async fn cancel(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        self.fault()?;
        let payment = self
            .ledger
            .cancel_payment(payment_id)
            .await
            .map_err(payment_error)?;
        Ok(record(&payment))
    }

    async fn cancel_by_idempotency_key(&self, idempotency_key: &str) -> Result<(), PaymentError> {
        self.fault()?;
        self.ledger
            .cancel_payment_by_idempotency_key(&key(idempotency_key)?)
            .await
            .map_err(payment_error)
    }

    async fn refund(
        &self,
        payment_id: &str,
        amount: &DomainMoney,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        self.fault()?;
        let refund = RefundPayment {
            idempotency_key: key(idempotency_key)?,
            payment_id: payment_id.to_string(),
            amount_money: money(amount)?,
        };
        self.ledger
            .refund_payment(&refund)
            .await
            .map(|_| ())
            .map_err(payment_error)
    }

    async fn status(&self, payment_id: &str) -> Result<PaymentRecord, PaymentError> {
        self.fault()?;
        let payment = self
            .ledger
            .get_payment(payment_id)
            .await
            .map_err(payment_error)?;
        Ok(record(&payment))
    }
}
