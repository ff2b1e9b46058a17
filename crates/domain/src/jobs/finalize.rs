use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::JobQueue;
use super::{
    ClaimedJob, Job, JobKind, JobState, NoProbe, StepPoint, StepProbe, WorkflowLauncher,
    backoff_capped,
};
use crate::DomainError;
use crate::ids::OrderId;
use crate::mail::{MailError, OutboxMail};
use crate::mail::{MailOutbox, Mailer};
use crate::order::SettlePorts;
use crate::order::settle::{self, Authorization, Tell};
use crate::order::{Actor, CHECKOUT_GRACE, HistoryEntry, Order, OrderStatus};
use crate::payment::{DEFAULT_AUTHORIZATION_WINDOW, PaymentError};
use crate::settings::ShopSettings;

/// A job that failed this many times is buried for an admin to look at,
/// unless its failure is one with a deadline of its own (a payment that
/// may still be captured, a mail that may still be sent).
pub const MAX_ATTEMPTS: u32 = 12;
/// How long a worker holds a claimed job before another may take it over.
pub const JOB_LEASE: Duration = Duration::seconds(60);

/// How long the jobs keep trying, and when people hear of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Quick retries: failures (backing off from 1 s) after which a job is
    /// buried, or a mail moves to the slow retry.
    pub max_attempts: u32,
    /// The longest pause between two retries.
    pub backoff_cap: Duration,
    /// Failed captures after which the admins are alerted (once).
    pub alert_after: u32,
    /// How long before the authorization lapses the shop stops retrying a
    /// capture, voids the authorization and fails the order.
    pub void_margin: Duration,
    /// The pause between two attempts of a mail past its quick retries.
    pub mail_slow_retry: Duration,
    /// How long after it was recorded a mail is still tried.
    pub mail_give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: MAX_ATTEMPTS,
            backoff_cap: super::BACKOFF_CAP,
            alert_after: 10,
            void_margin: Duration::hours(6),
            mail_slow_retry: Duration::hours(1),
            mail_give_up_after: Duration::days(7),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Nothing is left to do for the order.
    Done,
    /// The payment could not be reached; try again at `at` (never past the
    /// order's deadline).
    Retry { at: DateTime<Utc>, error: String },
}

/// What a workflow step left the order in, for the engine that runs the
/// steps (the state machine's Lambda tasks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    pub status: OrderStatus,
    /// When to run the step again, if it is to run again.
    pub retry_at: Option<DateTime<Utc>>,
    /// Failed captures so far, to hand to the next run.
    pub failures: u32,
}

/// Runs the durable jobs. Finalizing an order completes the payment and
/// marks the order paid, recording the confirmation to the customer and the
/// notices to the admins in the outbox in the same transaction; delivering
/// a mail hands one outbox mail to the transport. Every step looks at the
/// stored state first, so running it again after a crash at any point
/// repeats no effect: the capture is keyed on the order, the mails are
/// recorded once by Message-ID, and a mail recorded as sent is not sent
/// again (a crash between the hand-off and that record resends it under the
/// same Message-ID).
///
/// A capture that cannot reach the provider is retried until a margin
/// before the authorization lapses (Square: 7 days), the admins alerted
/// after [`RetryPolicy::alert_after`] failures; only then is the
/// authorization voided and the order failed.
/// The ports the finalization workflow uses.
#[derive(Clone)]
pub struct FinalizationPorts {
    pub settle: SettlePorts,
    pub jobs: Arc<dyn JobQueue>,
    pub outbox: Arc<dyn MailOutbox>,
    pub mailer: Arc<dyn Mailer>,
}

pub struct FinalizationService {
    ports: FinalizationPorts,
    settings: Arc<ShopSettings>,
    probe: Arc<dyn StepProbe>,
    launcher: Option<Arc<dyn WorkflowLauncher>>,
    lease: Duration,
    policy: RetryPolicy,
}

impl FinalizationService {
    pub fn new(ports: FinalizationPorts, settings: Arc<ShopSettings>) -> Self {
        Self {
            ports,
            settings,
            probe: Arc::new(NoProbe),
            launcher: None,
            lease: JOB_LEASE,
            policy: RetryPolicy::default(),
        }
    }

    /// The retry budgets (default [`RetryPolicy::default`]).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = RetryPolicy {
            max_attempts: policy.max_attempts.max(1),
            alert_after: policy.alert_after.max(1),
            ..policy
        };
        self
    }

    /// After how many failed attempts a job is buried (default
    /// [`MAX_ATTEMPTS`]; at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.policy.max_attempts = attempts.max(1);
        self
    }

    /// How long a claim lasts (default [`JOB_LEASE`]).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Reports each [`StepPoint`] to `probe` (the crash test's worker).
    pub fn with_probe(mut self, probe: Arc<dyn StepProbe>) -> Self {
        self.probe = probe;
        self
    }

    /// Hands each claimed finalization job to `launcher` (an external
    /// workflow engine that calls [`Self::finalize_step`] and
    /// [`Self::fail_step`]) instead of running it here. Mail jobs still run
    /// in this process.
    pub fn with_launcher(mut self, launcher: Arc<dyn WorkflowLauncher>) -> Self {
        self.launcher = Some(launcher);
        self
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The workflow engine's finalize step: [`Self::run`] with the failures
    /// the engine counted so far, reporting the order's status and when to
    /// run again, if at all.
    #[tracing::instrument(level = "info", skip_all, fields(order_id = %order_id))]
    pub async fn finalize_step(
        &self,
        order_id: &OrderId,
        failures: u32,
        jitter: f64,
    ) -> Result<StepReport, DomainError> {
        let outcome = self.run(order_id, failures, jitter).await?;
        let status = self.load(order_id).await?.status;
        Ok(match outcome {
            StepOutcome::Done => StepReport {
                status,
                retry_at: None,
                failures,
            },
            StepOutcome::Retry { at, .. } => StepReport {
                status,
                retry_at: Some(at),
                failures: failures.saturating_add(1),
            },
        })
    }

    /// The workflow engine's last resort after the finalize step failed
    /// for good: voids the authorization of a still open order and ends it
    /// in `payment_failed` (customer and admins told), or marks it paid if
    /// the provider had captured it after all. If the void is refused, the
    /// order is left as it is for an admin, alerted, and this step fails.
    /// A closed order is left alone.
    #[tracing::instrument(level = "info", skip_all, fields(order_id = %order_id))]
    pub async fn fail_step(
        &self,
        order_id: &OrderId,
        cause: &str,
    ) -> Result<StepReport, DomainError> {
        let order = self.load(order_id).await?;
        if !order.status.is_open() {
            return Ok(StepReport {
                status: order.status,
                retry_at: None,
                failures: 0,
            });
        }
        let why = format!("finalization failed: {}", clip(cause));
        match settle::give_up(
            &self.ports.settle,
            &self.settings,
            &order,
            "FINALIZATION_FAILED",
            &why,
        )
        .await
        {
            Ok(after) => Ok(StepReport {
                status: after.status,
                retry_at: None,
                failures: 0,
            }),
            Err(DomainError::InvalidState(refused)) => {
                let reason = format!("{why}; the authorization could not be voided: {refused}");
                settle::raise_alert(&self.ports.settle, &self.settings, &order, &reason).await?;
                Err(DomainError::InvalidState(reason))
            }
            Err(e) => Err(e),
        }
    }

    async fn load(&self, order_id: &OrderId) -> Result<Order, DomainError> {
        self.ports
            .settle
            .orders
            .get(order_id)
            .await?
            .ok_or(DomainError::NotFound("order"))
    }

    /// When the shop stops retrying an order's payment: the margin before
    /// its authorization lapses (for an order whose authorization was never
    /// learned, as if it were made when the order was).
    pub fn deadline(&self, order: &Order) -> DateTime<Utc> {
        let lapses = order
            .payment
            .authorization_expires_at
            .unwrap_or(order.created_at + DEFAULT_AUTHORIZATION_WINDOW);
        lapses - self.policy.void_margin
    }

    /// Finalizes an order as far as it goes now. `failures`: the failed
    /// captures before this run (alerts and backoff follow it).
    #[tracing::instrument(level = "info", skip_all, fields(order_id = %order_id))]
    pub async fn run(
        &self,
        order_id: &OrderId,
        failures: u32,
        jitter: f64,
    ) -> Result<StepOutcome, DomainError> {
        let tell = Tell {
            customer: true,
            admins: false,
        };
        let order = self.load(order_id).await?;
        let order = match order.status {
            OrderStatus::PendingPayment => {
                match settle::authorize(&self.ports.settle, &self.settings, &order, tell).await? {
                    Authorization::Settled(order) => *order,
                    Authorization::Declined { .. } => return Ok(StepOutcome::Done),
                    Authorization::Unknown(cause) => {
                        return self.unreachable(&order, failures, jitter, cause).await;
                    }
                }
            }
            _ => order,
        };
        match order.status {
            OrderStatus::Authorized => self.capture(&order, failures, jitter).await,
            _ => Ok(StepOutcome::Done),
        }
    }

    async fn capture(
        &self,
        order: &Order,
        failures: u32,
        jitter: f64,
    ) -> Result<StepOutcome, DomainError> {
        let Some(payment_id) = order.payment.payment_id.clone() else {
            return Err(DomainError::Internal(
                "authorized order without a payment id".into(),
            ));
        };
        let now = self.ports.settle.clock.now();
        if now >= self.deadline(order) {
            return self
                .give_up(
                    order,
                    "AUTHORIZATION_DEADLINE",
                    "not captured before the deadline",
                )
                .await;
        }
        let entity = order.id.as_str();
        self.probe.reached(StepPoint::BeforeCapture, entity);
        let completed = self.ports.settle.payments.complete(&payment_id).await;
        self.probe.reached(StepPoint::AfterCapture, entity);
        match completed {
            Ok(record) => {
                self.probe.reached(StepPoint::BeforeMarkPaid, entity);
                let paid =
                    settle::mark_paid(&self.ports.settle, &self.settings, order, &record, None)
                        .await;
                self.probe.reached(StepPoint::AfterMarkPaid, entity);
                paid.map(|_| StepOutcome::Done)
            }
            Err(PaymentError::Declined { code }) => {
                self.give_up(order, &code, &format!("capture declined: {code}"))
                    .await
            }
            Err(PaymentError::Rejected(message)) => {
                self.give_up(
                    order,
                    "CAPTURE_REJECTED",
                    &format!("capture refused: {message}"),
                )
                .await
            }
            Err(PaymentError::Transient(cause)) => {
                self.unreachable(order, failures, jitter, cause).await
            }
        }
    }

    /// The provider could not be reached: retry (backing off, never past
    /// the deadline), alerting the admins once failures pile up; past the
    /// deadline, give up.
    async fn unreachable(
        &self,
        order: &Order,
        failures: u32,
        jitter: f64,
        cause: String,
    ) -> Result<StepOutcome, DomainError> {
        let now = self.ports.settle.clock.now();
        let deadline = self.deadline(order);
        if now >= deadline {
            let why =
                format!("the payment provider could not be reached before the deadline: {cause}");
            return self.give_up(order, "AUTHORIZATION_DEADLINE", &why).await;
        }
        let failures = failures.saturating_add(1);
        if failures >= self.policy.alert_after {
            let reason = format!(
                "the payment could not be completed after {failures} attempts ({cause}); retrying until {deadline}"
            );
            settle::raise_alert(&self.ports.settle, &self.settings, order, &reason).await?;
        }
        let at = (now + backoff_capped(failures, jitter, self.policy.backoff_cap)).min(deadline);
        tracing::warn!(order_id = %order.id, failures, retry_at = %at, error = %cause,
            "payment provider unavailable; capture retried");
        Ok(StepOutcome::Retry { at, error: cause })
    }

    /// Voids and fails (or finds captured) an order the workflow cannot
    /// finish. A provider out of reach makes it a retry: nothing is failed
    /// while the card may still be held.
    async fn give_up(
        &self,
        order: &Order,
        code: &str,
        why: &str,
    ) -> Result<StepOutcome, DomainError> {
        match settle::give_up(&self.ports.settle, &self.settings, order, code, why).await {
            Ok(_) => Ok(StepOutcome::Done),
            Err(DomainError::PaymentUnavailable(cause)) => {
                let at = self.ports.settle.clock.now()
                    + self.policy.backoff_cap.min(Duration::minutes(1));
                Ok(StepOutcome::Retry {
                    at,
                    error: format!("{why}; the void could not reach the provider: {cause}"),
                })
            }
            Err(DomainError::InvalidState(refused)) => {
                let reason = format!("{why}; the authorization could not be voided: {refused}");
                settle::raise_alert(&self.ports.settle, &self.settings, order, &reason).await?;
                Err(DomainError::InvalidState(reason))
            }
            Err(e) => Err(e),
        }
    }

    /// Up to `limit` unsent outbox mails, oldest first: the batch a
    /// delivery sweep outside the job queue hands to [`Self::deliver`].
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn unsent_mails(&self, limit: usize) -> Result<Vec<OutboxMail>, DomainError> {
        self.ports.outbox.unsent(limit).await
    }

    /// Hands one outbox mail to the transport and records that it went.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn deliver(&self, message_id: &str) -> Result<(), DeliveryError> {
        let Some(mail) = self.ports.outbox.get(message_id).await? else {
            return Err(DeliveryError::Domain(DomainError::NotFound("outbox mail")));
        };
        if mail.sent_at.is_some() {
            return Ok(());
        }
        self.probe.reached(StepPoint::BeforeMail, message_id);
        self.ports.mailer.send(&mail.message).await?;
        self.probe.reached(StepPoint::AfterMail, message_id);
        self.ports
            .outbox
            .mark_sent(message_id, self.ports.settle.clock.now())
            .await?;
        Ok(())
    }

    /// Claims one due job and runs it. `Ok(false)` when none was due.
    /// `jitter` in [0, 1) spreads the retries of many workers.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn work_once(&self, claim_token: &str, jitter: f64) -> Result<bool, DomainError> {
        let now = self.ports.settle.clock.now();
        let Some(claim) = self.ports.jobs.claim(now, self.lease, claim_token).await? else {
            return Ok(false);
        };
        self.execute(&claim, jitter).await?;
        Ok(true)
    }

    async fn execute(&self, claim: &ClaimedJob, jitter: f64) -> Result<(), DomainError> {
        let attempts = claim.job.attempts;
        let failure = match &claim.job.kind {
            JobKind::FinalizeOrder(order_id) => {
                match self.finalize_job(order_id, &claim.job, jitter).await {
                    Ok(StepOutcome::Done) => return self.ports.jobs.complete(claim).await,
                    Ok(StepOutcome::Retry { at, error }) => {
                        return self.ports.jobs.retry(claim, at, &error).await;
                    }
                    Err(e) => DeliveryError::Domain(e),
                }
            }
            JobKind::DeliverMail(message_id) => match self.deliver(message_id).await {
                Ok(()) => return self.ports.jobs.complete(claim).await,
                Err(e) => e,
            },
        };
        let subject = self.subject(claim);
        let error = failure.to_string();
        let now = self.ports.settle.clock.now();
        let next = match &failure {
            DeliveryError::Rejected(_) => None,
            _ if attempts < self.policy.max_attempts => {
                Some(now + backoff_capped(attempts, jitter, self.policy.backoff_cap))
            }
            _ => self.slow_retry(&claim.job, now).await?,
        };
        let Some(at) = next else {
            tracing::error!(job = %claim.job.id, %subject, attempts, error = %error, "job buried");
            // Alert before burying: a crash in between leaves the job to be
            // reclaimed and buried again, never a dead job nobody was told of.
            if let JobKind::FinalizeOrder(order_id) = &claim.job.kind {
                self.alert_buried(order_id, attempts, &error).await?;
            }
            return self.ports.jobs.bury(claim, &error).await;
        };
        tracing::warn!(job = %claim.job.id, %subject, attempt = attempts, retry_at = %at, error = %error, "job step failed, will retry");
        self.ports.jobs.retry(claim, at, &error).await
    }

    /// When a job past its quick retries runs again, if ever: a mail keeps
    /// an hourly retry until it is [`RetryPolicy::mail_give_up_after`] old
    /// (a relay down for a day must not lose an order confirmation).
    async fn slow_retry(
        &self,
        job: &Job,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DomainError> {
        let JobKind::DeliverMail(message_id) = &job.kind else {
            return Ok(None);
        };
        let Some(mail) = self.ports.outbox.get(message_id).await? else {
            return Ok(None);
        };
        let until = mail.created_at + self.policy.mail_give_up_after;
        Ok((now < until).then(|| (now + self.policy.mail_slow_retry).min(until)))
    }

    async fn finalize_job(
        &self,
        order_id: &OrderId,
        job: &Job,
        jitter: f64,
    ) -> Result<StepOutcome, DomainError> {
        match &self.launcher {
            Some(launcher) => {
                self.launch(launcher.as_ref(), order_id, job.generation)
                    .await
            }
            // The claim counted this attempt; the failures are the ones before.
            None => {
                self.run(order_id, job.attempts.saturating_sub(1), jitter)
                    .await
            }
        }
    }

    /// Starts the external workflow of an open order.
    async fn launch(
        &self,
        launcher: &dyn WorkflowLauncher,
        order_id: &OrderId,
        generation: u32,
    ) -> Result<StepOutcome, DomainError> {
        if self.load(order_id).await?.status.is_open() {
            launcher.start_finalization(order_id, generation).await?;
        }
        Ok(StepOutcome::Done)
    }

    /// Requeues open orders the queue would otherwise forget: an order
    /// without a finalization job, one whose job finished while the order
    /// stayed open (run here; with an external engine that is normal), and
    /// any past its deadline whose job stopped, so an authorization is never
    /// left to lapse with the stock held. Returns how many were requeued.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn sweep(&self, limit: usize) -> Result<usize, DomainError> {
        let now = self.ports.settle.clock.now();
        let mut requeued = 0;
        for order in self
            .ports
            .settle
            .orders
            .list_in(&OrderStatus::OPEN, limit)
            .await?
        {
            if order.status == OrderStatus::PendingPayment
                && now < order.created_at + CHECKOUT_GRACE
            {
                continue;
            }
            let job_id = Job::finalize_order_id(&order.id);
            let job = self.ports.jobs.get(&job_id).await?;
            let stranded = match &job {
                None => true,
                Some(job) if job.is_live() => false,
                Some(job) => {
                    (job.state == JobState::Done && self.launcher.is_none())
                        || now >= self.deadline(&order)
                }
            };
            if !stranded {
                continue;
            }
            tracing::warn!(order_id = %order.id, job = ?job.as_ref().map(|j| j.state), "open order without a live finalization; requeued");
            if self.ports.jobs.requeue(&job_id, now).await?.is_none() {
                self.ports
                    .jobs
                    .enqueue(&Job::finalize_order(&order.id, now))
                    .await?;
            }
            let note = HistoryEntry {
                status: order.status,
                at: now,
                by: Actor::System,
                note: Some("finalization requeued by the sweeper".into()),
            };
            self.ports.settle.orders.add_note(&order.id, &note).await?;
            requeued += 1;
        }
        Ok(requeued)
    }

    fn subject(&self, claim: &ClaimedJob) -> String {
        match &claim.job.kind {
            JobKind::FinalizeOrder(order_id) => format!("order {order_id}"),
            JobKind::DeliverMail(message_id) => format!("mail {message_id}"),
        }
    }

    /// Tells the admins (alert, mail, history) that finalization stopped.
    async fn alert_buried(
        &self,
        order_id: &OrderId,
        attempts: u32,
        error: &str,
    ) -> Result<(), DomainError> {
        let Some(order) = self.ports.settle.orders.get(order_id).await? else {
            return Ok(());
        };
        let reason = format!("finalization stopped after {attempts} attempts: {error}");
        if !settle::raise_alert(&self.ports.settle, &self.settings, &order, &reason).await? {
            let entry = HistoryEntry {
                status: order.status,
                at: self.ports.settle.clock.now(),
                by: Actor::System,
                note: Some(reason),
            };
            self.ports.settle.orders.add_note(order_id, &entry).await?;
        }
        Ok(())
    }
}

/// A cause from the workflow engine, cut to a length fit for a history note.
fn clip(cause: &str) -> String {
    const MAX: usize = 500;
    match cause.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &cause[..end]),
        None => cause.to_string(),
    }
}

/// Why a job step did not finish.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The transport refused the mail for good: retrying cannot help.
    #[error("{0}")]
    Rejected(String),
    /// The transport is unavailable for now.
    #[error("{0}")]
    Transient(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<MailError> for DeliveryError {
    fn from(e: MailError) -> Self {
        match e {
            MailError::Rejected(m) => Self::Rejected(format!("mail refused: {m}")),
            MailError::Transient(m) => Self::Transient(format!("mail transport unavailable: {m}")),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod step_tests;
