use std::sync::Arc;

use chrono::Duration;

use super::{ClaimedJob, JobKind, NoProbe, StepPoint, StepProbe, WorkflowLauncher, backoff};
use crate::ids::OrderId;
use crate::mail::{
    MailError, MailMessage, OutboxMail, admin_recipients, mail_context, new_order_notice,
    order_confirmation,
};
use crate::order::service::{
    CHECKOUT_GRACE, authorize_order, customer_name, fail_payment, payment_failed_mails,
};
use crate::order::{Actor, HistoryEntry, Order, OrderStatus, PaymentInfo, TransitionEffects};
use crate::payment::{PaymentError, idempotency_key};
use crate::settings::ShopSettings;
use crate::{DomainError, Ports};

/// A job that failed this many times is buried for an admin to look at.
pub const MAX_ATTEMPTS: u32 = 12;
/// How long a worker holds a claimed job before another may take it over.
pub const JOB_LEASE: Duration = Duration::seconds(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Nothing is left to do for the order.
    Done,
    /// Not due yet (the checkout still owns the authorization).
    NotYet(chrono::DateTime<chrono::Utc>),
}

/// What a workflow step left the order in, for the engine that runs the
/// steps (the state machine's Lambda tasks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    pub status: OrderStatus,
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
pub struct FinalizationService {
    ports: Ports,
    settings: Arc<ShopSettings>,
    probe: Arc<dyn StepProbe>,
    launcher: Option<Arc<dyn WorkflowLauncher>>,
    lease: Duration,
    max_attempts: u32,
}

impl FinalizationService {
    pub fn new(ports: Ports, settings: Arc<ShopSettings>) -> Self {
        Self {
            ports,
            settings,
            probe: Arc::new(NoProbe),
            launcher: None,
            lease: JOB_LEASE,
            max_attempts: MAX_ATTEMPTS,
        }
    }

    /// After how many failed attempts a job is buried (default
    /// [`MAX_ATTEMPTS`]; at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
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

    /// The workflow engine's finalize step: [`Self::run`], reporting the
    /// order's status after it. An order the checkout still holds is
    /// `PaymentUnavailable` (retryable), never a status the engine could
    /// mistake for an end.
    pub async fn finalize_step(&self, order_id: &OrderId) -> Result<StepReport, DomainError> {
        if let StepOutcome::NotYet(due) = self.run(order_id).await? {
            return Err(DomainError::PaymentUnavailable(format!(
                "the checkout holds the order until {due}"
            )));
        }
        let status = self.load(order_id).await?.status;
        Ok(StepReport { status })
    }

    /// The workflow engine's last resort after the finalize step failed
    /// for good: ends a still open order in `payment_failed`, releasing its
    /// stock, with the customer's mail when the card had been authorized.
    /// The authorization is voided first; if Square refuses (it may have
    /// been captured after all), the order is left as it is for an admin,
    /// with a note, and this step fails. A closed order is left alone.
    pub async fn fail_step(
        &self,
        order_id: &OrderId,
        cause: &str,
    ) -> Result<StepReport, DomainError> {
        let order = self.load(order_id).await?;
        if !order.status.is_open() {
            return Ok(StepReport {
                status: order.status,
            });
        }
        let voided = match &order.payment.payment_id {
            Some(payment_id) => self.ports.payments.cancel(payment_id).await.map(|_| ()),
            None => {
                self.ports
                    .payments
                    .cancel_by_idempotency_key(&idempotency_key(&order.id, "authorize"))
                    .await
            }
        };
        match voided {
            Ok(()) => {}
            Err(PaymentError::Transient(m)) => return Err(DomainError::PaymentUnavailable(m)),
            Err(PaymentError::Declined { code: why } | PaymentError::Rejected(why)) => {
                let entry = HistoryEntry {
                    status: order.status,
                    at: self.ports.clock.now(),
                    by: Actor::System,
                    note: Some(format!(
                        "finalization failed ({}) and the authorization could not be voided: {why}",
                        clip(cause)
                    )),
                };
                self.ports.orders.add_note(order_id, &entry).await?;
                return Err(DomainError::InvalidState(format!(
                    "the authorization of order {order_id} could not be voided: {why}"
                )));
            }
        }
        let mails = payment_failed_mails(&self.ports, &self.settings, &order).await?;
        let note = format!("finalization failed: {}", clip(cause));
        let failed = fail_payment(
            &self.ports,
            &order,
            "FINALIZATION_FAILED",
            Some(note),
            mails,
        )
        .await?;
        Ok(StepReport {
            status: failed.status,
        })
    }

    async fn load(&self, order_id: &OrderId) -> Result<Order, DomainError> {
        self.ports
            .orders
            .get(order_id)
            .await?
            .ok_or(DomainError::NotFound("order"))
    }

    /// Starts the external workflow of an order the checkout no longer
    /// holds.
    async fn launch(
        &self,
        launcher: &dyn WorkflowLauncher,
        order_id: &OrderId,
    ) -> Result<StepOutcome, DomainError> {
        let order = self.load(order_id).await?;
        if order.status == OrderStatus::PendingPayment {
            let due = order.created_at + CHECKOUT_GRACE;
            if self.ports.clock.now() < due {
                return Ok(StepOutcome::NotYet(due));
            }
        }
        launcher.start_finalization(order_id).await?;
        Ok(StepOutcome::Done)
    }

    pub async fn run(&self, order_id: &OrderId) -> Result<StepOutcome, DomainError> {
        loop {
            let order = self
                .ports
                .orders
                .get(order_id)
                .await?
                .ok_or(DomainError::NotFound("order"))?;
            match order.status {
                OrderStatus::PendingPayment => {
                    let due = order.created_at + CHECKOUT_GRACE;
                    if self.ports.clock.now() < due {
                        return Ok(StepOutcome::NotYet(due));
                    }
                    match authorize_order(&self.ports, &order).await {
                        Ok(_) | Err(DomainError::PaymentDeclined { .. }) => continue,
                        Err(e) => return Err(e),
                    }
                }
                OrderStatus::Authorized => self.capture(&order).await?,
                OrderStatus::Paid
                | OrderStatus::Fulfilled
                | OrderStatus::Refunded
                | OrderStatus::PaymentFailed
                | OrderStatus::Canceled => return Ok(StepOutcome::Done),
            }
        }
    }

    async fn capture(&self, order: &Order) -> Result<(), DomainError> {
        let Some(payment_id) = order.payment.payment_id.clone() else {
            return Err(DomainError::Internal(
                "authorized order without a payment id".into(),
            ));
        };
        let entity = order.id.as_str();
        self.probe.reached(StepPoint::BeforeCapture, entity);
        let completed = self.ports.payments.complete(&payment_id).await;
        self.probe.reached(StepPoint::AfterCapture, entity);
        match completed {
            Ok(record) => {
                let mails = self.paid_mails(order).await?;
                self.probe.reached(StepPoint::BeforeMarkPaid, entity);
                let result = self
                    .ports
                    .orders
                    .transition(
                        &order.id,
                        &[OrderStatus::Authorized],
                        &HistoryEntry {
                            status: OrderStatus::Paid,
                            at: self.ports.clock.now(),
                            by: Actor::System,
                            note: None,
                        },
                        &TransitionEffects {
                            release_stock: false,
                            payment: Some(PaymentInfo {
                                status: record.status.as_str().into(),
                                ..order.payment.clone()
                            }),
                            wake_job: false,
                            mails,
                        },
                    )
                    .await;
                self.probe.reached(StepPoint::AfterMarkPaid, entity);
                match result {
                    Ok(_) | Err(DomainError::InvalidOrderState { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(PaymentError::Declined { code }) => {
                let mails = payment_failed_mails(&self.ports, &self.settings, order).await?;
                let note = format!("capture declined: {code}");
                fail_payment(&self.ports, order, &code, Some(note), mails)
                    .await
                    .map(|_| ())
            }
            Err(PaymentError::Rejected(message)) => {
                let mails = payment_failed_mails(&self.ports, &self.settings, order).await?;
                let note = format!("capture refused: {message}");
                fail_payment(&self.ports, order, "CAPTURE_REJECTED", Some(note), mails)
                    .await
                    .map(|_| ())
            }
            Err(PaymentError::Transient(m)) => Err(DomainError::PaymentUnavailable(m)),
        }
    }

    /// The confirmation to the customer and a notice to each admin.
    async fn paid_mails(&self, order: &Order) -> Result<Vec<MailMessage>, DomainError> {
        let ctx = mail_context(&self.settings);
        let name = customer_name(&self.ports, order).await?;
        let mut mails = vec![order_confirmation(
            &ctx,
            order,
            &order.customer_email,
            &name,
        )];
        for admin in admin_recipients(&self.ports, &self.settings).await? {
            mails.push(new_order_notice(&ctx, order, &admin, &order.customer_email));
        }
        Ok(mails)
    }

    /// Up to `limit` unsent outbox mails, oldest first: the batch a
    /// delivery sweep outside the job queue hands to [`Self::deliver`].
    pub async fn unsent_mails(&self, limit: usize) -> Result<Vec<OutboxMail>, DomainError> {
        self.ports.outbox.unsent(limit).await
    }

    /// Hands one outbox mail to the transport and records that it went.
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
            .mark_sent(message_id, self.ports.clock.now())
            .await?;
        Ok(())
    }

    /// Claims one due job and runs it. `Ok(false)` when none was due.
    /// `jitter` in [0, 1) spreads the retries of many workers.
    pub async fn work_once(&self, claim_token: &str, jitter: f64) -> Result<bool, DomainError> {
        let now = self.ports.clock.now();
        let Some(claim) = self.ports.jobs.claim(now, self.lease, claim_token).await? else {
            return Ok(false);
        };
        self.execute(&claim, jitter).await?;
        Ok(true)
    }

    async fn execute(&self, claim: &ClaimedJob, jitter: f64) -> Result<(), DomainError> {
        let failure = match &claim.job.kind {
            JobKind::FinalizeOrder(order_id) => match self.finalize_job(order_id).await {
                Ok(StepOutcome::Done) => return self.ports.jobs.complete(claim).await,
                Ok(StepOutcome::NotYet(due)) => {
                    return self
                        .ports
                        .jobs
                        .retry(claim, due, "waiting for the checkout")
                        .await;
                }
                Err(e) => DeliveryError::Domain(e),
            },
            JobKind::DeliverMail(message_id) => match self.deliver(message_id).await {
                Ok(()) => return self.ports.jobs.complete(claim).await,
                Err(e) => e,
            },
        };
        let subject = self.subject(claim);
        let error = failure.to_string();
        let give_up = matches!(failure, DeliveryError::Rejected(_))
            || claim.job.attempts >= self.max_attempts;
        if give_up {
            tracing::error!(job = %claim.job.id, %subject, attempts = claim.job.attempts, error = %error, "job buried");
            self.ports.jobs.bury(claim, &error).await?;
            if let JobKind::FinalizeOrder(order_id) = &claim.job.kind {
                self.note_buried(order_id, claim.job.attempts, &error)
                    .await?;
            }
            return Ok(());
        }
        tracing::warn!(job = %claim.job.id, %subject, attempt = claim.job.attempts, error = %error, "job step failed, will retry");
        let at = self.ports.clock.now() + backoff(claim.job.attempts, jitter);
        self.ports.jobs.retry(claim, at, &error).await
    }

    async fn finalize_job(&self, order_id: &OrderId) -> Result<StepOutcome, DomainError> {
        match &self.launcher {
            Some(launcher) => self.launch(launcher.as_ref(), order_id).await,
            None => self.run(order_id).await,
        }
    }

    fn subject(&self, claim: &ClaimedJob) -> String {
        match &claim.job.kind {
            JobKind::FinalizeOrder(order_id) => format!("order {order_id}"),
            JobKind::DeliverMail(message_id) => format!("mail {message_id}"),
        }
    }

    /// Tells the admins, in the order's history, that finalization stopped.
    async fn note_buried(
        &self,
        order_id: &OrderId,
        attempts: u32,
        error: &str,
    ) -> Result<(), DomainError> {
        let Some(order) = self.ports.orders.get(order_id).await? else {
            return Ok(());
        };
        let entry = HistoryEntry {
            status: order.status,
            at: self.ports.clock.now(),
            by: Actor::System,
            note: Some(format!(
                "finalization stopped after {attempts} attempts: {error}"
            )),
        };
        self.ports.orders.add_note(order_id, &entry).await
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
