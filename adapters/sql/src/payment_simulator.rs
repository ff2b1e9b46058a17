//! The payment simulator's ledger (`shop_square_sandbox::LedgerStore`) in
//! the shop's database: the embedded shape's authorizations survive a
//! restart and are shared by every process on the database.
//!
//! One ledger operation is one write transaction (`BEGIN IMMEDIATE` on
//! SQLite; on MySQL its reads lock what they return with `FOR UPDATE`). A
//! unique key taken by a concurrent request, a deadlock or a busy database
//! is [`LedgerStoreError::Conflict`], and the ledger runs the operation
//! again.

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, TransactionTrait,
};
use shop_square_sandbox::{
    CreateRecord, ErrorCategory, IdempotencyKey, LedgerSnapshot, LedgerStore, LedgerStoreError,
    LedgerTx, Payment, PaymentStatus, RecordedFailure, Refund,
};

use crate::entity::{simulator_creates, simulator_payments, simulator_refunds};
use crate::error::{is_transient, unique_violation};
use crate::store::SqlStore;
use crate::value::instant;

fn store_error(e: DbErr) -> LedgerStoreError {
    if unique_violation(&e).is_some() || is_transient(&e) {
        LedgerStoreError::Conflict
    } else {
        LedgerStoreError::Unavailable(e.to_string())
    }
}

fn corrupt(what: &str, value: &str) -> LedgerStoreError {
    LedgerStoreError::Unavailable(format!("stored simulator {what} is invalid: {value:?}"))
}

fn key(raw: String) -> Result<IdempotencyKey, LedgerStoreError> {
    IdempotencyKey::parse(raw.clone()).map_err(|_| corrupt("idempotency key", &raw))
}

fn count(value: i64, what: &str) -> Result<u32, LedgerStoreError> {
    u32::try_from(value).map_err(|_| corrupt(what, &value.to_string()))
}

fn payment_from(m: simulator_payments::Model) -> Result<Payment, LedgerStoreError> {
    Ok(Payment {
        idempotency_key: key(m.idempotency_key)?,
        status: PaymentStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        completions: count(m.completions, "completions")?,
        id: m.id,
        amount: m.amount,
        currency: m.currency,
        source_id: m.source_id,
        location_id: m.location_id,
        reference_id: m.reference_id,
        buyer_email_address: m.buyer_email_address,
        refunded: m.refunded,
        created_at: m.created_at,
        updated_at: m.updated_at,
        delayed_until: m.delayed_until,
        version_token: m.version_token,
    })
}

fn payment_row(p: &Payment) -> simulator_payments::ActiveModel {
    simulator_payments::ActiveModel {
        seq: NotSet,
        id: Set(p.id.clone()),
        idempotency_key: Set(p.idempotency_key.as_str().to_owned()),
        amount: Set(p.amount),
        currency: Set(p.currency.clone()),
        source_id: Set(p.source_id.clone()),
        location_id: Set(p.location_id.clone()),
        reference_id: Set(p.reference_id.clone()),
        buyer_email_address: Set(p.buyer_email_address.clone()),
        status: Set(p.status.as_str().to_owned()),
        completions: Set(i64::from(p.completions)),
        refunded: Set(p.refunded),
        created_at: Set(instant(p.created_at)),
        updated_at: Set(instant(p.updated_at)),
        delayed_until: Set(p.delayed_until.map(instant)),
        version_token: Set(p.version_token.clone()),
    }
}

fn refund_from(m: simulator_refunds::Model) -> Result<Refund, LedgerStoreError> {
    Ok(Refund {
        idempotency_key: key(m.idempotency_key)?,
        id: m.id,
        payment_id: m.payment_id,
        amount: m.amount,
        currency: m.currency,
        location_id: m.location_id,
        created_at: m.created_at,
    })
}

fn create_from(m: simulator_creates::Model) -> Result<CreateRecord, LedgerStoreError> {
    let failure = match (m.failure_status, m.failure_category, m.failure_code) {
        (Some(status), Some(category), Some(code)) => Some(RecordedFailure {
            http_status: u16::try_from(status)
                .map_err(|_| corrupt("failure status", &status.to_string()))?,
            category: ErrorCategory::parse(&category)
                .ok_or_else(|| corrupt("failure category", &category))?,
            code,
            detail: m.failure_detail,
            field: m.failure_field,
        }),
        _ => None,
    };
    Ok(CreateRecord {
        idempotency_key: key(m.idempotency_key)?,
        request_fingerprint: m.request_fingerprint,
        payment_id: m.payment_id,
        failure,
        created_at: m.created_at,
    })
}

/// One ledger transaction on the shop's database.
struct SqlLedgerTx {
    tx: DatabaseTransaction,
    /// MySQL locks what it reads; SQLite's transaction holds the write lock.
    lock_reads: bool,
}

impl SqlLedgerTx {
    fn locked<E: EntityTrait>(&self, select: Select<E>) -> Select<E> {
        if self.lock_reads {
            select.lock_exclusive()
        } else {
            select
        }
    }

    async fn one_payment(
        &self,
        select: Select<simulator_payments::Entity>,
    ) -> Result<Option<Payment>, LedgerStoreError> {
        self.locked(select)
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .map(payment_from)
            .transpose()
    }
}

#[async_trait]
impl LedgerTx for SqlLedgerTx {
    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %id))]
    async fn payment(&mut self, id: &str) -> Result<Option<Payment>, LedgerStoreError> {
        self.one_payment(
            simulator_payments::Entity::find().filter(simulator_payments::Column::Id.eq(id)),
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn payment_by_key(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Payment>, LedgerStoreError> {
        self.one_payment(
            simulator_payments::Entity::find()
                .filter(simulator_payments::Column::IdempotencyKey.eq(key.as_str())),
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn approved_payments(&mut self) -> Result<Vec<Payment>, LedgerStoreError> {
        use simulator_payments::Column as P;
        self.locked(
            simulator_payments::Entity::find()
                .filter(P::Status.eq(PaymentStatus::Approved.as_str()))
                .order_by_asc(P::Seq),
        )
        .all(&self.tx)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(payment_from)
        .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn create_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<CreateRecord>, LedgerStoreError> {
        self.locked(simulator_creates::Entity::find_by_id(key.as_str()))
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .map(create_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn refund_record(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<Refund>, LedgerStoreError> {
        self.locked(
            simulator_refunds::Entity::find()
                .filter(simulator_refunds::Column::IdempotencyKey.eq(key.as_str())),
        )
        .one(&self.tx)
        .await
        .map_err(store_error)?
        .map(refund_from)
        .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment_id))]
    async fn refunds_of(&mut self, payment_id: &str) -> Result<Vec<Refund>, LedgerStoreError> {
        use simulator_refunds::Column as R;
        simulator_refunds::Entity::find()
            .filter(R::PaymentId.eq(payment_id))
            .order_by_asc(R::Seq)
            .all(&self.tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(refund_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %payment.id))]
    async fn put_payment(&mut self, payment: &Payment) -> Result<(), LedgerStoreError> {
        use simulator_payments::Column as P;
        let row = payment_row(payment);
        let updated = simulator_payments::Entity::update_many()
            .col_expr(P::Status, Expr::value(payment.status.as_str()))
            .col_expr(P::Completions, Expr::value(i64::from(payment.completions)))
            .col_expr(P::Refunded, Expr::value(payment.refunded))
            .col_expr(P::Amount, Expr::value(payment.amount))
            .col_expr(P::UpdatedAt, Expr::value(instant(payment.updated_at)))
            .col_expr(
                P::DelayedUntil,
                Expr::value(payment.delayed_until.map(instant)),
            )
            .col_expr(P::VersionToken, Expr::value(payment.version_token.clone()))
            .filter(P::Id.eq(payment.id.as_str()))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        if updated.rows_affected == 0 {
            simulator_payments::Entity::insert(row)
                .exec_without_returning(&self.tx)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_create(&mut self, record: &CreateRecord) -> Result<(), LedgerStoreError> {
        let failure = record.failure.as_ref();
        simulator_creates::Entity::insert(simulator_creates::ActiveModel {
            idempotency_key: Set(record.idempotency_key.as_str().to_owned()),
            request_fingerprint: Set(record.request_fingerprint.clone()),
            payment_id: Set(record.payment_id.clone()),
            failure_status: Set(failure.map(|f| i64::from(f.http_status))),
            failure_category: Set(failure.map(|f| f.category.as_str().to_owned())),
            failure_code: Set(failure.map(|f| f.code.clone())),
            failure_detail: Set(failure.and_then(|f| f.detail.clone())),
            failure_field: Set(failure.and_then(|f| f.field.clone())),
            created_at: Set(instant(record.created_at)),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(payment_id = %refund.payment_id, refund_id = %refund.id))]
    async fn insert_refund(&mut self, refund: &Refund) -> Result<(), LedgerStoreError> {
        simulator_refunds::Entity::insert(simulator_refunds::ActiveModel {
            seq: NotSet,
            id: Set(refund.id.clone()),
            idempotency_key: Set(refund.idempotency_key.as_str().to_owned()),
            payment_id: Set(refund.payment_id.clone()),
            amount: Set(refund.amount),
            currency: Set(refund.currency.clone()),
            location_id: Set(refund.location_id.clone()),
            created_at: Set(instant(refund.created_at)),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), LedgerStoreError> {
        self.tx.commit().await.map_err(store_error)
    }
}

#[async_trait]
impl LedgerStore for SqlStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn begin(&self) -> Result<Box<dyn LedgerTx + '_>, LedgerStoreError> {
        // READ COMMITTED on MySQL: a `FOR UPDATE` read of a key not there
        // yet takes no gap lock, so concurrent creates of one key meet at
        // its unique index (a Conflict, then a replay) instead of
        // deadlocking round after round.
        let tx = self.begin_claim().await.map_err(store_error)?;
        Ok(Box::new(SqlLedgerTx {
            tx,
            lock_reads: self.is_mysql(),
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn snapshot(&self) -> Result<LedgerSnapshot, LedgerStoreError> {
        // One read transaction: payments and refunds as of one moment.
        let tx = self.db.begin().await.map_err(store_error)?;
        let payments = simulator_payments::Entity::find()
            .order_by_asc(simulator_payments::Column::Seq)
            .all(&tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(payment_from)
            .collect::<Result<Vec<_>, _>>()?;
        let refunds = simulator_refunds::Entity::find()
            .order_by_asc(simulator_refunds::Column::Seq)
            .all(&tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(refund_from)
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().await.map_err(store_error)?;
        Ok(LedgerSnapshot { payments, refunds })
    }
}
