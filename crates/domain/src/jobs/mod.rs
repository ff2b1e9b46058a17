//! The durable job queue behind order finalization.

mod finalize;
mod launcher;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::ids::{JobId, OrderId};

pub use finalize::{
    DeliveryError, FinalizationPorts, FinalizationService, JOB_LEASE, MAX_ATTEMPTS, RetryPolicy,
    StepOutcome, StepReport,
};
#[cfg(test)]
pub(crate) use launcher::MockWorkflowLauncher;
pub use launcher::WorkflowLauncher;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    FinalizeOrder(OrderId),
    /// Hand the outbox mail with this Message-ID to the transport.
    DeliverMail(String),
}

/// A place in the workflow where a crash must lose and repeat nothing. The
/// worker's crash test kills the process at each of them (see [`StepProbe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepPoint {
    BeforeCapture,
    AfterCapture,
    BeforeMarkPaid,
    AfterMarkPaid,
    BeforeMail,
    AfterMail,
}

impl StepPoint {
    pub const ALL: [Self; 6] = [
        Self::BeforeCapture,
        Self::AfterCapture,
        Self::BeforeMarkPaid,
        Self::AfterMarkPaid,
        Self::BeforeMail,
        Self::AfterMail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeforeCapture => "before_capture",
            Self::AfterCapture => "after_capture",
            Self::BeforeMarkPaid => "before_mark_paid",
            Self::AfterMarkPaid => "after_mark_paid",
            Self::BeforeMail => "before_mail",
            Self::AfterMail => "after_mail",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// Told when the workflow reaches a [`StepPoint`] for an entity (an order
/// id, a Message-ID). Production ignores it; the crash test's worker kills
/// itself there.
pub trait StepProbe: Send + Sync {
    fn reached(&self, point: StepPoint, entity: &str);
}

/// The probe of every real deployment.
pub struct NoProbe;

impl StepProbe for NoProbe {
    fn reached(&self, _point: StepPoint, _entity: &str) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub state: JobState,
    pub attempts: u32,
    pub run_after: DateTime<Utc>,
    /// While running: when the claim lapses and another worker may take it.
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// How many times the job was put back in the queue after it finished
    /// (an admin's requeue, the sweeper): each run of a new generation is
    /// new to an external engine (a new execution name).
    pub generation: u32,
}

impl Job {
    /// The finalization job of an order; one per order, addressable by it.
    pub fn finalize_order(order_id: &OrderId, run_after: DateTime<Utc>) -> Self {
        Self {
            id: Self::finalize_order_id(order_id),
            kind: JobKind::FinalizeOrder(order_id.clone()),
            state: JobState::Queued,
            attempts: 0,
            run_after,
            lease_until: None,
            last_error: None,
            generation: 0,
        }
    }

    /// The delivery job of one outbox mail, addressable by its Message-ID.
    pub fn deliver_mail(message_id: &str, run_after: DateTime<Utc>) -> Self {
        Self {
            id: Self::deliver_mail_id(message_id),
            kind: JobKind::DeliverMail(message_id.to_string()),
            state: JobState::Queued,
            attempts: 0,
            run_after,
            lease_until: None,
            last_error: None,
            generation: 0,
        }
    }

    /// Whether the job will still run by itself (queued, or held by a
    /// worker).
    pub fn is_live(&self) -> bool {
        matches!(self.state, JobState::Queued | JobState::Running)
    }

    /// Message-IDs can be long; the job id is a fixed-size digest of one.
    pub fn deliver_mail_id(message_id: &str) -> JobId {
        use sha2::{Digest as _, Sha256};
        JobId::new(format!(
            "mail-{}",
            hex::encode(Sha256::digest(message_id.as_bytes()))
        ))
    }

    /// The job as [`JobQueue::requeue`] leaves it at `now`: a queued one
    /// due now, a finished one (done or dead) queued again due now with its
    /// attempts at 0 as the next generation, a running one as it is.
    pub fn requeued(&self, now: DateTime<Utc>) -> Self {
        let mut job = self.clone();
        match job.state {
            JobState::Queued => job.run_after = now,
            JobState::Running => {}
            JobState::Done | JobState::Dead => {
                job.state = JobState::Queued;
                job.run_after = now;
                job.attempts = 0;
                job.lease_until = None;
                job.generation = job.generation.saturating_add(1);
            }
        }
        job
    }

    /// The finalization job id of an order.
    pub fn finalize_order_id(order_id: &OrderId) -> JobId {
        JobId::new(format!("finalize-{order_id}"))
    }
}

/// A claim on a job, held by one worker until it completes, retries or the
/// lease lapses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub job: Job,
    /// Changes with every claim, so a worker whose lease lapsed cannot
    /// complete a job another worker now holds.
    pub claim_token: String,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn enqueue(&self, job: &Job) -> Result<(), DomainError>;
    /// Claims the oldest due job (queued and due, or running with a lapsed
    /// lease), counting an attempt.
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        claim_token: &str,
    ) -> Result<Option<ClaimedJob>, DomainError>;
    async fn complete(&self, claim: &ClaimedJob) -> Result<(), DomainError>;
    /// Puts the job back, due at `run_after`.
    async fn retry(
        &self,
        claim: &ClaimedJob,
        run_after: DateTime<Utc>,
        error: &str,
    ) -> Result<(), DomainError>;
    async fn bury(&self, claim: &ClaimedJob, error: &str) -> Result<(), DomainError>;
    /// Makes a queued job due now (the checkout handing an order over).
    async fn wake(&self, id: &JobId, now: DateTime<Utc>) -> Result<(), DomainError>;
    /// Makes the job run again, due now: a queued one is woken; a finished
    /// one (done or dead) is queued again with its attempts at 0 as the
    /// next generation; a running one is left to its worker
    /// ([`Job::requeued`]). The job as it then stands; `None` when there is
    /// no such job.
    async fn requeue(&self, id: &JobId, now: DateTime<Utc>) -> Result<Option<Job>, DomainError>;
    async fn get(&self, id: &JobId) -> Result<Option<Job>, DomainError>;
}

/// The longest pause [`backoff`] makes unless told otherwise.
pub const BACKOFF_CAP: Duration = Duration::minutes(10);

/// Exponential backoff: 1 s, 2 s, 4 s ... capped at 10 minutes, plus the
/// caller's jitter (a fraction in [0, 1) of the delay).
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    backoff_capped(attempts, jitter, BACKOFF_CAP)
}

/// [`backoff`] with another cap (at least 1 ms) on the delay before its
/// jitter.
pub fn backoff_capped(attempts: u32, jitter: f64, cap: Duration) -> Duration {
    let cap_ms = cap.num_milliseconds().max(1);
    let base_ms: i64 = 1000_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    let capped = base_ms.min(cap_ms);
    let jitter = jitter.clamp(0.0, 1.0);
    // Jitter is a scheduling nicety, not money: a float is fine here.
    #[allow(clippy::cast_possible_truncation)]
    let extra = (capped as f64 * jitter) as i64;
    Duration::milliseconds(capped + extra)
}

#[cfg(test)]
mod tests;
