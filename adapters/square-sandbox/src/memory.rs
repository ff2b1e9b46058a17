//! [`MemoryLedgerStore`]: the ledger in process memory, for tests and the
//! HTTP double. Lost on restart: the embedded shop keeps its ledger in SQL.

use std::collections::HashMap;

use async_trait::async_trait;
use tokio::sync::{Mutex, MutexGuard};

use crate::model::{IdempotencyKey, Payment, PaymentStatus, Refund};
use crate::store::{CreateRecord, LedgerSnapshot, LedgerStore, LedgerStoreError, LedgerTx};

/// One transaction at a time (it holds the lock from `begin` to its end),
/// so transactions are serializable; writes are staged and applied on
/// commit, so a dropped transaction leaves nothing behind.
#[derive(Debug, Default)]
pub struct MemoryLedgerStore {
    ledger: Mutex<Tables>,
}

impl MemoryLedgerStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[derive(Debug, Default)]
struct Tables {
    /// Oldest first.
    payments: Vec<Payment>,
    payment_at: HashMap<String, usize>,
    payment_by_key: HashMap<IdempotencyKey, String>,
    creates: HashMap<IdempotencyKey, CreateRecord>,
    /// Oldest first.
    refunds: Vec<Refund>,
    refund_at: HashMap<IdempotencyKey, usize>,
}

impl Tables {
    fn payment(&self, id: &str) -> Option<&Payment> {
        self.payment_at.get(id).and_then(|&i| self.payments.get(i))
    }

    fn put_payment(&mut self, payment: Payment) {
        match self.payment_at.get(&payment.id) {
            Some(&i) => {
                if let Some(slot) = self.payments.get_mut(i) {
                    *slot = payment;
                }
            }
            None => {
                self.payment_at
                    .insert(payment.id.clone(), self.payments.len());
                self.payment_by_key
                    .insert(payment.idempotency_key.clone(), payment.id.clone());
                self.payments.push(payment);
            }
        }
    }

    fn insert_refund(&mut self, refund: Refund) {
        self.refund_at
            .insert(refund.idempotency_key.clone(), self.refunds.len());
        self.refunds.push(refund);
    }
}

struct MemoryTx<'a> {
    tables: MutexGuard<'a, Tables>,
    /// Staged, in write order (a later write of one id wins).
    payments: Vec<Payment>,
    creates: Vec<CreateRecord>,
    refunds: Vec<Refund>,
}

impl MemoryTx<'_> {
    fn staged_payment(&self, found: impl Fn(&Payment) -> bool) -> Option<Payment> {
        self.payments.iter().rev().find(|p| found(p)).cloned()
    }

    fn refund_key_taken(&self, key: &IdempotencyKey) -> bool {
        self.tables.refund_at.contains_key(key)
            || self.refunds.iter().any(|r| &r.idempotency_key == key)
    }
}

#[async_trait]
impl LedgerStore for MemoryLedgerStore {
    async fn begin(&self) -> Result<Box<dyn LedgerTx + '_>, LedgerStoreError> {
        Ok(Box::new(MemoryTx {
            tables: self.ledger.lock().await,
            payments: Vec::new(),
            creates: Vec::new(),
            refunds: Vec::new(),
        }))
    }

    async fn snapshot(&self) -> Result<LedgerSnapshot, LedgerStoreError> {
        let tables = self.ledger.lock().await;
        Ok(LedgerSnapshot {
            payments: tables.payments.clone(),
            refunds: tables.refunds.clone(),
        })
    }
}

#[async_trait]
impl LedgerTx for MemoryTx<'_> {
    async fn payment(&mut self, id: &str) -> Result<Option<Payment>, LedgerStoreError> {
        Ok(self
            .staged_payment(|p| p.id == id)
            .or_else(|| self.tables.payment(id).cloned()))
    }

    async fn payment_by_key(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Payment>, LedgerStoreError> {
        if let Some(staged) = self.staged_payment(|p| &p.idempotency_key == key) {
            return Ok(Some(staged));
        }
        let id = self.tables.payment_by_key.get(key).cloned();
        Ok(id.and_then(|id| self.tables.payment(&id).cloned()))
    }

    async fn approved_payments(&mut self) -> Result<Vec<Payment>, LedgerStoreError> {
        let mut current: Vec<Payment> = self.tables.payments.clone();
        for staged in &self.payments {
            match current.iter_mut().find(|p| p.id == staged.id) {
                Some(slot) => *slot = staged.clone(),
                None => current.push(staged.clone()),
            }
        }
        current.retain(|p| p.status == PaymentStatus::Approved);
        Ok(current)
    }

    async fn create_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<CreateRecord>, LedgerStoreError> {
        Ok(self
            .creates
            .iter()
            .find(|r| &r.idempotency_key == key)
            .or_else(|| self.tables.creates.get(key))
            .cloned())
    }

    async fn refund_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Refund>, LedgerStoreError> {
        Ok(self
            .refunds
            .iter()
            .find(|r| &r.idempotency_key == key)
            .or_else(|| {
                self.tables
                    .refund_at
                    .get(key)
                    .and_then(|&i| self.tables.refunds.get(i))
            })
            .cloned())
    }

    async fn refunds_of(&mut self, payment_id: &str) -> Result<Vec<Refund>, LedgerStoreError> {
        Ok(self
            .tables
            .refunds
            .iter()
            .chain(&self.refunds)
            .filter(|r| r.payment_id == payment_id)
            .cloned()
            .collect())
    }

    async fn put_payment(&mut self, payment: &Payment) -> Result<(), LedgerStoreError> {
        self.payments.push(payment.clone());
        Ok(())
    }

    async fn insert_create(&mut self, record: &CreateRecord) -> Result<(), LedgerStoreError> {
        let key = &record.idempotency_key;
        if self.tables.creates.contains_key(key)
            || self.creates.iter().any(|r| &r.idempotency_key == key)
        {
            return Err(LedgerStoreError::Conflict);
        }
        self.creates.push(record.clone());
        Ok(())
    }

    async fn insert_refund(&mut self, refund: &Refund) -> Result<(), LedgerStoreError> {
        if self.refund_key_taken(&refund.idempotency_key) {
            return Err(LedgerStoreError::Conflict);
        }
        self.refunds.push(refund.clone());
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<(), LedgerStoreError> {
        let this = &mut *self;
        for payment in this.payments.drain(..) {
            this.tables.put_payment(payment);
        }
        for record in this.creates.drain(..) {
            this.tables
                .creates
                .insert(record.idempotency_key.clone(), record);
        }
        for refund in this.refunds.drain(..) {
            this.tables.insert_refund(refund);
        }
        Ok(())
    }
}
