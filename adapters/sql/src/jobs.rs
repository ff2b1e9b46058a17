//! `JobQueue`: claims safe with many workers, leases that lapse.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use shop_domain::DomainError;
use shop_domain::ids::{JobId, OrderId};
use shop_domain::jobs::{ClaimedJob, Job, JobKind, JobQueue, JobState};

use crate::entity::jobs::{self, Column};
use crate::error::{DbResultExt, Fail, corrupt, unique_or_backend};
use crate::store::{SqlStore, finish};
use crate::value::{instant, to_u32};

const FINALIZE_ORDER: &str = "finalize_order";
const DELIVER_MAIL: &str = "deliver_mail";

fn state_from(value: &str) -> Result<JobState, DomainError> {
    match value {
        "queued" => Ok(JobState::Queued),
        "running" => Ok(JobState::Running),
        "done" => Ok(JobState::Done),
        "dead" => Ok(JobState::Dead),
        other => Err(corrupt("job state", other)),
    }
}

fn job_from(m: jobs::Model) -> Result<Job, DomainError> {
    let kind = match (m.kind.as_str(), m.order_id, m.mail_message_id) {
        (FINALIZE_ORDER, Some(order_id), _) => JobKind::FinalizeOrder(OrderId::new(order_id)),
        (DELIVER_MAIL, _, Some(message_id)) => JobKind::DeliverMail(message_id),
        (other, _, _) => return Err(corrupt("job kind", other)),
    };
    Ok(Job {
        id: JobId::new(m.id),
        kind,
        state: state_from(&m.state)?,
        attempts: to_u32(m.attempts, "attempts")?,
        run_after: m.run_after,
        lease_until: m.lease_until,
        last_error: m.last_error,
        generation: to_u32(m.generation, "generation")?,
    })
}

/// `run_after` while the job may still run, `None` once it is finished.
fn open_run_after(job: &Job) -> Option<DateTime<Utc>> {
    match job.state {
        JobState::Queued | JobState::Running => Some(job.run_after),
        JobState::Done | JobState::Dead => None,
    }
}

/// Claimable at `now`: queued and due, or running with a lapsed lease.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all().add(Column::OpenRunAfter.lte(now)).add(
        Condition::any()
            .add(Column::State.eq(JobState::Queued.as_str()))
            .add(Column::LeaseUntil.is_null())
            .add(Column::LeaseUntil.lte(now)),
    )
}

/// The row of a new job (also written by `OrderStore::create` and with
/// outbox mails).
pub(crate) fn job_row(job: &Job) -> jobs::ActiveModel {
    let (kind, order_id, mail_message_id) = match &job.kind {
        JobKind::FinalizeOrder(order_id) => (FINALIZE_ORDER, Some(order_id.to_string()), None),
        JobKind::DeliverMail(message_id) => (DELIVER_MAIL, None, Some(message_id.clone())),
    };
    jobs::ActiveModel {
        id: Set(job.id.to_string()),
        kind: Set(kind.to_owned()),
        order_id: Set(order_id),
        mail_message_id: Set(mail_message_id),
        state: Set(job.state.as_str().to_owned()),
        attempts: Set(i64::from(job.attempts)),
        run_after: Set(instant(job.run_after)),
        lease_until: Set(job.lease_until.map(instant)),
        open_run_after: Set(open_run_after(job).map(instant)),
        claim_token: Set(None),
        last_error: Set(job.last_error.clone()),
        generation: Set(i64::from(job.generation)),
    }
}

/// Makes the job run again, due `now`, on `conn` (a transaction of the
/// caller's change, or the pool): a queued job is woken; a finished one is
/// queued again as its next generation (attempts at 0); a running one is
/// left to its worker ([`Job::requeued`]). A missing job is inserted as
/// `missing`, if given (a concurrent insert of it wins and is kept). The
/// job as it then stands.
pub(crate) async fn requeue_in<C: ConnectionTrait>(
    conn: &C,
    id: &JobId,
    now: DateTime<Utc>,
    missing: Option<&Job>,
) -> Result<Option<Job>, Fail> {
    let at = instant(now);
    // A queued job is woken; a finished one starts its next generation.
    jobs::Entity::update_many()
        .col_expr(Column::RunAfter, Expr::value(at))
        .col_expr(Column::OpenRunAfter, Expr::value(at))
        .filter(Column::Id.eq(id.as_str()))
        .filter(Column::State.eq(JobState::Queued.as_str()))
        .exec(conn)
        .await?;
    jobs::Entity::update_many()
        .col_expr(Column::State, Expr::value(JobState::Queued.as_str()))
        .col_expr(Column::RunAfter, Expr::value(at))
        .col_expr(Column::OpenRunAfter, Expr::value(at))
        .col_expr(Column::Attempts, Expr::value(0_i64))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::ClaimToken, Expr::value(Option::<String>::None))
        .col_expr(Column::Generation, Expr::col(Column::Generation).add(1))
        .filter(Column::Id.eq(id.as_str()))
        .filter(Column::State.is_in([JobState::Done.as_str(), JobState::Dead.as_str()]))
        .exec(conn)
        .await?;
    if let Some(job) = missing {
        jobs::Entity::insert(job_row(job))
            .on_conflict(
                OnConflict::column(Column::Id)
                    .do_nothing_on([Column::Id])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    match jobs::Entity::find_by_id(id.as_str()).one(conn).await? {
        Some(row) => Ok(Some(job_from(row)?)),
        None => Ok(None),
    }
}

impl SqlStore {
    /// Picks the due job with the earliest `run_after` (then the smallest
    /// id) and takes it, in `tx`. On MySQL/MariaDB the pick is `FOR UPDATE
    /// SKIP LOCKED` in a READ COMMITTED transaction, so concurrent claimers
    /// take different jobs without waiting for each other and lock nothing
    /// but the row they take; on SQLite `tx` already holds the database's
    /// single write lock.
    async fn claim_in(
        &self,
        tx: &DatabaseTransaction,
        now: DateTime<Utc>,
        lease: Duration,
        claim_token: &str,
    ) -> Result<Option<ClaimedJob>, Fail> {
        let now = instant(now);
        let until = now
            .checked_add_signed(lease)
            .map(instant)
            .ok_or_else(|| Fail::Domain(DomainError::invalid("lease", "is out of range")))?;
        let mut pick = jobs::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(due(now))
            .order_by_asc(Column::OpenRunAfter)
            .order_by_asc(Column::Id)
            .limit(1);
        if self.is_mysql() {
            pick = pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(id) = pick.into_tuple::<String>().one(tx).await? else {
            return Ok(None);
        };
        let taken = jobs::Entity::update_many()
            .col_expr(Column::State, Expr::value(JobState::Running.as_str()))
            .col_expr(Column::LeaseUntil, Expr::value(until))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::ClaimToken, Expr::value(claim_token))
            .filter(Column::Id.eq(id.as_str()))
            .filter(due(now))
            .exec(tx)
            .await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        let Some(row) = jobs::Entity::find_by_id(id).one(tx).await? else {
            return Ok(None);
        };
        Ok(Some(ClaimedJob {
            job: job_from(row)?,
            claim_token: claim_token.to_owned(),
        }))
    }

    /// Updates the job only while `claim` still holds it.
    async fn update_held(
        &self,
        claim: &ClaimedJob,
        update: sea_orm::UpdateMany<jobs::Entity>,
    ) -> Result<(), DomainError> {
        update
            .col_expr(
                Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::ClaimToken, Expr::value(Option::<String>::None))
            .filter(Column::Id.eq(claim.job.id.as_str()))
            .filter(Column::State.eq(JobState::Running.as_str()))
            .filter(Column::ClaimToken.eq(claim.claim_token.as_str()))
            .exec(&self.db)
            .await
            .db()?;
        Ok(())
    }
}

#[async_trait]
impl JobQueue for SqlStore {
    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %job.id))]
    async fn enqueue(&self, job: &Job) -> Result<(), DomainError> {
        jobs::Entity::insert(job_row(job))
            .exec_without_returning(&self.db)
            .await
            .map_err(|e| unique_or_backend(e, |_| DomainError::AlreadyExists("job")))?;
        Ok(())
    }

    /// Takes the due job (queued with `run_after <= now`, or running with a
    /// lapsed lease) with the earliest `run_after`, then the smallest id.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        claim_token: &str,
    ) -> Result<Option<ClaimedJob>, DomainError> {
        self.retrying(|| async {
            let tx = self.begin_claim().await?;
            let result = self.claim_in(&tx, now, lease, claim_token).await;
            finish(tx, result).await
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %claim.job.id))]
    async fn complete(&self, claim: &ClaimedJob) -> Result<(), DomainError> {
        let update = jobs::Entity::update_many()
            .col_expr(Column::State, Expr::value(JobState::Done.as_str()))
            .col_expr(
                Column::OpenRunAfter,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        self.update_held(claim, update).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %claim.job.id))]
    async fn retry(
        &self,
        claim: &ClaimedJob,
        run_after: DateTime<Utc>,
        error: &str,
    ) -> Result<(), DomainError> {
        let at = instant(run_after);
        let update = jobs::Entity::update_many()
            .col_expr(Column::State, Expr::value(JobState::Queued.as_str()))
            .col_expr(Column::RunAfter, Expr::value(at))
            .col_expr(Column::OpenRunAfter, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(error));
        self.update_held(claim, update).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %claim.job.id))]
    async fn bury(&self, claim: &ClaimedJob, error: &str) -> Result<(), DomainError> {
        let update = jobs::Entity::update_many()
            .col_expr(Column::State, Expr::value(JobState::Dead.as_str()))
            .col_expr(
                Column::OpenRunAfter,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::LastError, Expr::value(error));
        self.update_held(claim, update).await
    }

    /// Sets a queued job's `run_after` to `now`; anything else is left alone.
    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %id))]
    async fn wake(&self, id: &JobId, now: DateTime<Utc>) -> Result<(), DomainError> {
        let at = instant(now);
        jobs::Entity::update_many()
            .col_expr(Column::RunAfter, Expr::value(at))
            .col_expr(Column::OpenRunAfter, Expr::value(at))
            .filter(Column::Id.eq(id.as_str()))
            .filter(Column::State.eq(JobState::Queued.as_str()))
            .exec(&self.db)
            .await
            .db()?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %id))]
    async fn requeue(&self, id: &JobId, now: DateTime<Utc>) -> Result<Option<Job>, DomainError> {
        Ok(requeue_in(&self.db, id, now, None).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(job_id = %id))]
    async fn get(&self, id: &JobId) -> Result<Option<Job>, DomainError> {
        jobs::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .db()?
            .map(job_from)
            .transpose()
    }
}
