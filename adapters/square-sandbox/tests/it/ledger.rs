//! `SquareLedger` on its stores: Square's answers where the port hides
//! them, and one transaction per operation, run again on a conflict.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::Duration;
use shop_domain::Clock as _;
use shop_domain::payment::{PaymentError, PaymentGateway};
use shop_square_sandbox::{
    CompletePayment, CreatePayment, CreateRecord, DECLINING_NONCES, IdempotencyKey, LedgerSnapshot,
    LedgerStore, LedgerStoreError, LedgerTx, MemoryLedgerStore, Money, NONCE_OK, Payment,
    PaymentStatus, Refund, RefundPayment, SimulatedSquare, SquareLedger,
};
use tokio::sync::Barrier;

use crate::support::TestClock;

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::parse(k).unwrap()
}

fn authorization(k: &str, source: &str, amount: i64) -> CreatePayment {
    CreatePayment {
        autocomplete: false,
        location_id: Some("L-1".into()),
        ..CreatePayment::new(key(k), Money::new(amount, "USD"), source)
    }
}

fn ledger_on(store: Arc<dyn LedgerStore>) -> (Arc<TestClock>, SquareLedger) {
    let clock = TestClock::new();
    (clock.clone(), SquareLedger::new(store, clock))
}

fn memory_ledger() -> (Arc<TestClock>, SquareLedger) {
    ledger_on(Arc::new(MemoryLedgerStore::new()))
}

#[tokio::test]
async fn autocomplete_is_squares_default() {
    let (_, ledger) = memory_ledger();
    let request = CreatePayment::new(key("k"), Money::new(100, "USD"), NONCE_OK);
    let payment = ledger.create_payment(&request).await.unwrap();
    assert_eq!(
        (payment.status, payment.completions),
        (PaymentStatus::Completed, 1)
    );
    assert_eq!(payment.delayed_until, None);
}

#[tokio::test]
async fn the_authorization_window_is_configurable() {
    let (clock, ledger) = memory_ledger();
    let ledger = ledger.with_authorization_window(Duration::hours(36));
    let payment = ledger
        .create_payment(&authorization("k", NONCE_OK, 100))
        .await
        .unwrap();
    assert_eq!(
        payment.delayed_until,
        Some(clock.now() + Duration::hours(36))
    );
    clock.advance(Duration::hours(36));
    let voided = ledger.get_payment(&payment.id).await.unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
}

#[tokio::test]
async fn declines_answer_squares_status_with_the_failed_payment() {
    let (_, ledger) = memory_ledger();
    for (i, (nonce, code, http)) in DECLINING_NONCES.iter().enumerate() {
        let request = authorization(&format!("d{i}"), nonce, 300);
        let failure = ledger.create_payment(&request).await.unwrap_err();
        assert_eq!(
            (failure.http_status, failure.decline_code()),
            (*http, Some(*code))
        );
        let payment = failure.payment.as_deref().expect("the FAILED payment");
        assert_eq!(payment.status, PaymentStatus::Failed);
        let replay = ledger.create_payment(&request).await.unwrap_err();
        assert_eq!(replay, failure);
    }
    let failure = ledger
        .create_payment(&authorization("u", "cnon:nope", 300))
        .await
        .unwrap_err();
    assert_eq!(
        (failure.http_status, failure.code()),
        (400, Some("INVALID_CARD_DATA"))
    );
    assert_eq!(failure.payment, None);
    let missing = ledger.get_payment("nope").await.unwrap_err();
    assert_eq!(
        (missing.http_status, missing.code()),
        (404, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn complete_honours_the_version_token() {
    let (_, ledger) = memory_ledger();
    let made = ledger
        .create_payment(&authorization("k", NONCE_OK, 100))
        .await
        .unwrap();
    let stale = CompletePayment {
        version_token: Some("stale".into()),
    };
    let refused = ledger.complete_payment(&made.id, &stale).await.unwrap_err();
    assert_eq!(refused.code(), Some("VERSION_MISMATCH"));
    let current = CompletePayment {
        version_token: Some(made.version_token.clone()),
    };
    let done = ledger.complete_payment(&made.id, &current).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    assert_ne!(done.version_token, made.version_token);
    // Retrying with the token the completion replaced is still a success.
    let again = ledger.complete_payment(&made.id, &current).await.unwrap();
    assert_eq!(again, done);
}

#[tokio::test]
async fn the_snapshot_lists_oldest_first_and_refunds_follow_their_payment() {
    let (clock, ledger) = memory_ledger();
    let mut ids = Vec::new();
    for i in 0..3 {
        let request = CreatePayment::new(key(&format!("k{i}")), Money::new(1000, "USD"), NONCE_OK);
        ids.push(ledger.create_payment(&request).await.unwrap().id);
        clock.advance(Duration::seconds(1));
    }
    for (i, amount) in [100, 200].iter().enumerate() {
        ledger
            .refund_payment(&RefundPayment {
                idempotency_key: key(&format!("r{i}")),
                payment_id: ids[1].clone(),
                amount_money: Money::new(*amount, "USD"),
            })
            .await
            .unwrap();
    }
    let LedgerSnapshot { payments, refunds } = ledger.snapshot().await.unwrap();
    assert_eq!(
        payments.iter().map(|p| &p.id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    assert_eq!(payments[1].refunded, 300);
    assert_eq!(
        refunds.iter().map(|r| r.amount).collect::<Vec<_>>(),
        [100, 200]
    );
    assert_eq!(refunds[0].location_id, None);
    assert_eq!(ledger.refunds_of(&ids[1]).await.unwrap(), refunds);
    assert!(ledger.refunds_of(&ids[0]).await.unwrap().is_empty());
}

#[tokio::test]
async fn expire_all_voids_every_approved_payment() {
    let (_, ledger) = memory_ledger();
    let waiting = ledger
        .create_payment(&authorization("a", NONCE_OK, 100))
        .await
        .unwrap();
    let charged = ledger
        .create_payment(&CreatePayment::new(
            key("b"),
            Money::new(100, "USD"),
            NONCE_OK,
        ))
        .await
        .unwrap();
    assert_eq!(ledger.expire_all_approved().await.unwrap(), 1);
    assert_eq!(
        ledger.get_payment(&waiting.id).await.unwrap().status,
        PaymentStatus::Canceled
    );
    assert_eq!(
        ledger.get_payment(&charged.id).await.unwrap().status,
        PaymentStatus::Completed
    );
    assert_eq!(ledger.expire_all_approved().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_same_key_creates_on_the_memory_store_make_one_payment() {
    let (_, ledger) = memory_ledger();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                ledger
                    .create_payment(&authorization("same", NONCE_OK, 100))
                    .await
                    .unwrap()
                    .id
            })
        })
        .collect();
    let ids: Vec<String> = futures::future::try_join_all(tasks).await.unwrap();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    assert_eq!(ledger.snapshot().await.unwrap().payments.len(), 1);
}

/// A store like an SQL one at READ COMMITTED: transactions do not lock;
/// each read is its own short transaction and the writes apply at commit,
/// where a taken key is a conflict. The first `hold` create-record reads
/// wait for each other, so that many creates race for one key.
struct OptimisticStore {
    inner: MemoryLedgerStore,
    gate: Barrier,
    hold: AtomicUsize,
    conflicts: AtomicUsize,
}

impl OptimisticStore {
    fn racing(creates: usize) -> Self {
        Self {
            inner: MemoryLedgerStore::new(),
            gate: Barrier::new(creates),
            hold: AtomicUsize::new(creates),
            conflicts: AtomicUsize::new(0),
        }
    }
}

struct OptimisticTx<'a> {
    store: &'a OptimisticStore,
    payments: Vec<Payment>,
    creates: Vec<CreateRecord>,
    refunds: Vec<Refund>,
}

#[async_trait]
impl LedgerStore for OptimisticStore {
    async fn begin(&self) -> Result<Box<dyn LedgerTx + '_>, LedgerStoreError> {
        Ok(Box::new(OptimisticTx {
            store: self,
            payments: Vec::new(),
            creates: Vec::new(),
            refunds: Vec::new(),
        }))
    }

    async fn snapshot(&self) -> Result<LedgerSnapshot, LedgerStoreError> {
        self.inner.snapshot().await
    }
}

#[async_trait]
impl LedgerTx for OptimisticTx<'_> {
    async fn payment(&mut self, id: &str) -> Result<Option<Payment>, LedgerStoreError> {
        if let Some(p) = self.payments.iter().rev().find(|p| p.id == id) {
            return Ok(Some(p.clone()));
        }
        self.store.inner.begin().await?.payment(id).await
    }
    async fn payment_by_key(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Payment>, LedgerStoreError> {
        self.store.inner.begin().await?.payment_by_key(key).await
    }
    async fn approved_payments(&mut self) -> Result<Vec<Payment>, LedgerStoreError> {
        self.store.inner.begin().await?.approved_payments().await
    }
    async fn create_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<CreateRecord>, LedgerStoreError> {
        let found = self.store.inner.begin().await?.create_record(key).await?;
        let held = self
            .store
            .hold
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if held.is_ok() {
            self.store.gate.wait().await;
        }
        Ok(found)
    }
    async fn refund_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Refund>, LedgerStoreError> {
        self.store.inner.begin().await?.refund_record(key).await
    }
    async fn refunds_of(&mut self, payment_id: &str) -> Result<Vec<Refund>, LedgerStoreError> {
        self.store.inner.begin().await?.refunds_of(payment_id).await
    }
    async fn put_payment(&mut self, payment: &Payment) -> Result<(), LedgerStoreError> {
        self.payments.push(payment.clone());
        Ok(())
    }
    async fn insert_create(&mut self, record: &CreateRecord) -> Result<(), LedgerStoreError> {
        self.creates.push(record.clone());
        Ok(())
    }
    async fn insert_refund(&mut self, refund: &Refund) -> Result<(), LedgerStoreError> {
        self.refunds.push(refund.clone());
        Ok(())
    }
    async fn commit(self: Box<Self>) -> Result<(), LedgerStoreError> {
        let mut tx = self.store.inner.begin().await?;
        let applied = async {
            for record in &self.creates {
                tx.insert_create(record).await?;
            }
            for refund in &self.refunds {
                tx.insert_refund(refund).await?;
            }
            for payment in &self.payments {
                tx.put_payment(payment).await?;
            }
            Ok::<_, LedgerStoreError>(())
        }
        .await;
        if applied == Err(LedgerStoreError::Conflict) {
            self.store.conflicts.fetch_add(1, Ordering::SeqCst);
        }
        applied?;
        tx.commit().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_same_key_creates_conflict_and_the_loser_replays() {
    const RACERS: usize = 4;
    let store = Arc::new(OptimisticStore::racing(RACERS));
    let (_, ledger) = ledger_on(store.clone());
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                ledger
                    .create_payment(&authorization("race", NONCE_OK, 100))
                    .await
                    .unwrap()
                    .id
            })
        })
        .collect();
    let ids: Vec<String> = futures::future::try_join_all(tasks).await.unwrap();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    assert_eq!(
        store.conflicts.load(Ordering::SeqCst),
        RACERS - 1,
        "every loser conflicted once"
    );
    assert_eq!(ledger.snapshot().await.unwrap().payments.len(), 1);
}

/// Fails every commit with `failure` while `left` lasts.
struct FailingCommits {
    inner: MemoryLedgerStore,
    left: AtomicUsize,
    failure: LedgerStoreError,
}

struct FailingTx<'a> {
    inner: Box<dyn LedgerTx + 'a>,
    store: &'a FailingCommits,
}

#[async_trait]
impl LedgerStore for FailingCommits {
    async fn begin(&self) -> Result<Box<dyn LedgerTx + '_>, LedgerStoreError> {
        Ok(Box::new(FailingTx {
            inner: self.inner.begin().await?,
            store: self,
        }))
    }
    async fn snapshot(&self) -> Result<LedgerSnapshot, LedgerStoreError> {
        self.inner.snapshot().await
    }
}

#[async_trait]
impl LedgerTx for FailingTx<'_> {
    async fn payment(&mut self, id: &str) -> Result<Option<Payment>, LedgerStoreError> {
        self.inner.payment(id).await
    }
    async fn payment_by_key(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Payment>, LedgerStoreError> {
        self.inner.payment_by_key(key).await
    }
    async fn approved_payments(&mut self) -> Result<Vec<Payment>, LedgerStoreError> {
        self.inner.approved_payments().await
    }
    async fn create_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<CreateRecord>, LedgerStoreError> {
        self.inner.create_record(key).await
    }
    async fn refund_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Refund>, LedgerStoreError> {
        self.inner.refund_record(key).await
    }
    async fn refunds_of(&mut self, payment_id: &str) -> Result<Vec<Refund>, LedgerStoreError> {
        self.inner.refunds_of(payment_id).await
    }
    async fn put_payment(&mut self, payment: &Payment) -> Result<(), LedgerStoreError> {
        self.inner.put_payment(payment).await
    }
    async fn insert_create(&mut self, record: &CreateRecord) -> Result<(), LedgerStoreError> {
        self.inner.insert_create(record).await
    }
    async fn insert_refund(&mut self, refund: &Refund) -> Result<(), LedgerStoreError> {
        self.inner.insert_refund(refund).await
    }
    async fn commit(self: Box<Self>) -> Result<(), LedgerStoreError> {
        let failing = self
            .store
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if failing.is_ok() {
            // Dropping the inner transaction discards its writes.
            return Err(self.store.failure.clone());
        }
        self.inner.commit().await
    }
}

fn failing(commits: usize, failure: LedgerStoreError) -> Arc<FailingCommits> {
    Arc::new(FailingCommits {
        inner: MemoryLedgerStore::new(),
        left: AtomicUsize::new(commits),
        failure,
    })
}

#[tokio::test]
async fn a_few_conflicts_are_run_again() {
    let (_, ledger) = ledger_on(failing(3, LedgerStoreError::Conflict));
    let made = ledger
        .create_payment(&authorization("k", NONCE_OK, 100))
        .await
        .unwrap();
    let payments = ledger.snapshot().await.unwrap().payments;
    assert_eq!(payments, vec![made]);
}

#[tokio::test]
async fn endless_conflicts_and_a_failing_store_are_transient_and_change_nothing() {
    for failure in [
        LedgerStoreError::Conflict,
        LedgerStoreError::Unavailable("disk full".into()),
    ] {
        let store = failing(100, failure.clone());
        let square = SimulatedSquare::with_store(store.clone(), TestClock::new());
        let result = square
            .authorize(&shop_testkit::gateway::authorization("k", NONCE_OK, 100))
            .await;
        assert!(
            matches!(result, Err(PaymentError::Transient(_))),
            "{failure:?}: {result:?}"
        );
        assert!(store.inner.snapshot().await.unwrap().payments.is_empty());
    }
}
