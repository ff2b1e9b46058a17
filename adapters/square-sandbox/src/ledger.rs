//! [`SquareLedger`]: Square's Payments API semantics over a
//! [`LedgerStore`], one transaction per operation.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use shop_domain::Clock;

use crate::failure::SquareFailure;
use crate::model::{IdempotencyKey, Payment, Refund};
use crate::request::{CompletePayment, CreatePayment, RefundPayment};
use crate::rules::{self, CreateDecision, RefundDecision, Stamp};
use crate::store::{LedgerSnapshot, LedgerStore, LedgerStoreError, LedgerTx};

/// How long Square keeps a card-not-present authorization before voiding it.
pub const DEFAULT_AUTHORIZATION_WINDOW: Duration = Duration::days(7);

/// How often an operation runs before a persisting conflict is a 500. Two
/// same-key requests conflict once; the second run finds the first's record.
const ATTEMPTS: usize = 5;

/// One run of an operation: Square's answer, or the store's failure.
type Attempt<T> = Result<Result<T, SquareFailure>, LedgerStoreError>;

/// Square's Payments API as the sandbox behaves, over a store:
///
/// - CreatePayment: `cnon:card-nonce-ok` approves (COMPLETED, or APPROVED
///   until `now + authorization window` with `autocomplete = false`); the
///   sandbox's declining nonces record a FAILED payment and answer its
///   decline; any other source is `INVALID_CARD_DATA`. The same key with
///   the same request answers the first outcome again (the payment as it
///   stands now); with another request, `IDEMPOTENCY_KEY_REUSED`.
/// - An APPROVED payment past its `delayed_until` is CANCELED, applied
///   whenever it is read or touched.
/// - Complete, cancel and cancel-by-key move APPROVED payments; completing
///   a COMPLETED or canceling a CANCELED one answers it unchanged.
/// - Refunds need a COMPLETED payment, its currency and at most what is
///   left; they replay by key like creates.
#[derive(Clone)]
pub struct SquareLedger {
    store: Arc<dyn LedgerStore>,
    clock: Arc<dyn Clock>,
    authorization_window: Duration,
}

impl std::fmt::Debug for SquareLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SquareLedger")
            .field("authorization_window", &self.authorization_window)
            .finish_non_exhaustive()
    }
}

impl SquareLedger {
    /// A ledger with Square's 7-day authorization window.
    pub fn new(store: Arc<dyn LedgerStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            authorization_window: DEFAULT_AUTHORIZATION_WINDOW,
        }
    }

    pub fn with_authorization_window(mut self, window: Duration) -> Self {
        self.authorization_window = window;
        self
    }

    pub fn authorization_window(&self) -> Duration {
        self.authorization_window
    }

    /// The ledger's time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn create_payment(&self, request: &CreatePayment) -> Result<Payment, SquareFailure> {
        self.retrying("CreatePayment", || self.try_create(request))
            .await
    }

    pub async fn get_payment(&self, payment_id: &str) -> Result<Payment, SquareFailure> {
        self.retrying("GetPayment", || {
            self.try_change(payment_id, |_, _| Ok(None))
        })
        .await
    }

    pub async fn complete_payment(
        &self,
        payment_id: &str,
        request: &CompletePayment,
    ) -> Result<Payment, SquareFailure> {
        self.retrying("CompletePayment", || {
            self.try_change(payment_id, |p, stamp| rules::complete(p, request, stamp))
        })
        .await
    }

    pub async fn cancel_payment(&self, payment_id: &str) -> Result<Payment, SquareFailure> {
        self.retrying("CancelPayment", || {
            self.try_change(payment_id, rules::cancel)
        })
        .await
    }

    pub async fn cancel_payment_by_idempotency_key(
        &self,
        key: &IdempotencyKey,
    ) -> Result<(), SquareFailure> {
        self.retrying("CancelPaymentByIdempotencyKey", || {
            self.try_cancel_by_key(key)
        })
        .await
    }

    pub async fn refund_payment(&self, request: &RefundPayment) -> Result<Refund, SquareFailure> {
        self.retrying("RefundPayment", || self.try_refund(request))
            .await
    }

    /// The payment's refunds, oldest first.
    pub async fn refunds_of(&self, payment_id: &str) -> Result<Vec<Refund>, SquareFailure> {
        self.retrying("ListRefunds", || async {
            let mut tx = self.store.begin().await?;
            let refunds = tx.refunds_of(payment_id).await?;
            tx.commit().await?;
            Ok(Ok(refunds))
        })
        .await
    }

    /// Everything in the ledger, oldest first, after voiding what lapsed.
    pub async fn snapshot(&self) -> Result<LedgerSnapshot, SquareFailure> {
        self.retrying("Snapshot", || self.try_void_approved(false))
            .await?;
        self.store
            .snapshot()
            .await
            .map_err(|e| SquareFailure::internal(&e.to_string()))
    }

    /// Voids every APPROVED payment now, as if its window had passed (a
    /// test double's switch); how many it voided.
    pub async fn expire_all_approved(&self) -> Result<usize, SquareFailure> {
        self.retrying("ExpireAll", || self.try_void_approved(true))
            .await
    }

    async fn retrying<T, F, Fut>(&self, operation: &str, mut attempt: F) -> Result<T, SquareFailure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        for _ in 0..ATTEMPTS {
            match attempt().await {
                Ok(answer) => return answer,
                Err(LedgerStoreError::Conflict) => {
                    tracing::debug!(operation, "ledger transaction conflicted; running it again");
                }
                Err(LedgerStoreError::Unavailable(why)) => {
                    tracing::warn!(operation, %why, "ledger store failed");
                    return Err(SquareFailure::internal(&format!(
                        "The ledger store failed: {why}"
                    )));
                }
            }
        }
        Err(SquareFailure::internal(&format!(
            "{operation} kept conflicting with concurrent requests"
        )))
    }

    fn stamp(&self) -> Stamp {
        Stamp::fresh(self.clock.now())
    }

    /// The payment as it stands now: a lapsed authorization is voided (and
    /// written) on the way.
    async fn settled(
        &self,
        tx: &mut (dyn LedgerTx + '_),
        payment: Payment,
    ) -> Result<Payment, LedgerStoreError> {
        match rules::lapsed(&payment, &self.stamp()) {
            Some(voided) => {
                tx.put_payment(&voided).await?;
                Ok(voided)
            }
            None => Ok(payment),
        }
    }

    async fn current(
        &self,
        tx: &mut (dyn LedgerTx + '_),
        payment_id: &str,
    ) -> Result<Option<Payment>, LedgerStoreError> {
        match tx.payment(payment_id).await? {
            Some(payment) => Ok(Some(self.settled(tx, payment).await?)),
            None => Ok(None),
        }
    }

    async fn try_create(&self, request: &CreatePayment) -> Attempt<Payment> {
        let mut tx = self.store.begin().await?;
        let existing = tx.create_record(&request.idempotency_key).await?;
        let decision =
            rules::decide_create(request, existing, &self.stamp(), self.authorization_window);
        let answer = match decision {
            Err(refused) => Err(refused),
            Ok(CreateDecision::Replay(record)) => {
                let payment = match &record.payment_id {
                    Some(id) => self.current(&mut *tx, id).await?,
                    None => None,
                };
                rules::create_answer(&record, payment)
            }
            Ok(CreateDecision::Make { payment, record }) => {
                if let Some(payment) = &payment {
                    tx.put_payment(payment).await?;
                }
                tx.insert_create(&record).await?;
                rules::create_answer(&record, payment)
            }
        };
        tx.commit().await?;
        Ok(answer)
    }

    /// Reads the payment, lets `decide` change it, writes the change.
    async fn try_change<D>(&self, payment_id: &str, decide: D) -> Attempt<Payment>
    where
        D: FnOnce(&Payment, &Stamp) -> Result<Option<Payment>, SquareFailure>,
    {
        let mut tx = self.store.begin().await?;
        let answer = match self.current(&mut *tx, payment_id).await? {
            None => Err(SquareFailure::payment_not_found(payment_id)),
            Some(payment) => match decide(&payment, &self.stamp()) {
                Ok(Some(changed)) => {
                    tx.put_payment(&changed).await?;
                    Ok(changed)
                }
                Ok(None) => Ok(payment),
                Err(refused) => Err(refused),
            },
        };
        // Even a refusal may follow a voided authorization worth keeping.
        tx.commit().await?;
        Ok(answer)
    }

    async fn try_cancel_by_key(&self, key: &IdempotencyKey) -> Attempt<()> {
        let mut tx = self.store.begin().await?;
        let payment = match tx.payment_by_key(key).await? {
            Some(payment) => Some(self.settled(&mut *tx, payment).await?),
            None => None,
        };
        let answer = match rules::cancel_by_key(payment.as_ref(), &self.stamp()) {
            Ok(Some(changed)) => {
                tx.put_payment(&changed).await?;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(refused) => Err(refused),
        };
        tx.commit().await?;
        Ok(answer)
    }

    async fn try_refund(&self, request: &RefundPayment) -> Attempt<Refund> {
        let mut tx = self.store.begin().await?;
        let existing = tx.refund_record(&request.idempotency_key).await?;
        let payment = match existing {
            Some(_) => None,
            None => self.current(&mut *tx, &request.payment_id).await?,
        };
        let answer = match rules::decide_refund(request, existing, payment.as_ref(), &self.stamp())
        {
            Ok(RefundDecision::Replay(first)) => Ok(first),
            Ok(RefundDecision::Make { payment, refund }) => {
                tx.put_payment(&payment).await?;
                tx.insert_refund(&refund).await?;
                Ok(refund)
            }
            Err(refused) => Err(refused),
        };
        tx.commit().await?;
        Ok(answer)
    }

    /// Voids the APPROVED payments that lapsed, or all of them with `all`.
    async fn try_void_approved(&self, all: bool) -> Attempt<usize> {
        let mut tx = self.store.begin().await?;
        let now = self.clock.now();
        let mut voided = 0;
        for mut payment in tx.approved_payments().await? {
            if all {
                payment.delayed_until = Some(now);
            }
            if let Some(lapsed) = rules::lapsed(&payment, &self.stamp()) {
                tx.put_payment(&lapsed).await?;
                voided += 1;
            }
        }
        tx.commit().await?;
        Ok(Ok(voided))
    }
}
