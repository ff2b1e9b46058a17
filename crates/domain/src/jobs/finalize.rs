use std::sync::Arc;

use chrono::Duration;

use super::{ClaimedJob, JobKind, backoff};
use crate::account::Email;
use crate::ids::OrderId;
use crate::mail::{MailContext, new_order_notice, order_confirmation};
use crate::order::service::{CHECKOUT_GRACE, authorize_order, fail_payment};
use crate::order::{Actor, HistoryEntry, Order, OrderStatus, PaymentInfo, TransitionEffects};
use crate::payment::PaymentError;
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

/// The order finalization workflow: complete the payment, mark the order
/// paid, mail the customer and the admins. Every step looks at the stored
/// state first, so running it again after a crash at any point repeats no
/// effect: the capture is keyed on the order, and each mail is marked sent.
pub struct FinalizationService {
    ports: Ports,
    settings: Arc<ShopSettings>,
}

impl FinalizationService {
    pub fn new(ports: Ports, settings: Arc<ShopSettings>) -> Self {
        Self { ports, settings }
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
                OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::Refunded => {
                    self.notify(&order).await?;
                    return Ok(StepOutcome::Done);
                }
                OrderStatus::PaymentFailed | OrderStatus::Canceled => {
                    return Ok(StepOutcome::Done);
                }
            }
        }
    }

    async fn capture(&self, order: &Order) -> Result<(), DomainError> {
        let Some(payment_id) = order.payment.payment_id.clone() else {
            return Err(DomainError::Internal(
                "authorized order without a payment id".into(),
            ));
        };
        match self.ports.payments.complete(&payment_id).await {
            Ok(record) => {
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
                        },
                    )
                    .await;
                match result {
                    Ok(_) | Err(DomainError::InvalidOrderState { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(PaymentError::Declined { code }) => fail_payment(
                &self.ports,
                order,
                &code,
                Some(format!("capture declined: {code}")),
            )
            .await
            .map(|_| ()),
            Err(PaymentError::Rejected(message)) => fail_payment(
                &self.ports,
                order,
                "CAPTURE_REJECTED",
                Some(format!("capture refused: {message}")),
            )
            .await
            .map(|_| ()),
            Err(PaymentError::Transient(m)) => Err(DomainError::PaymentUnavailable(m)),
        }
    }

    fn mail_context(&self) -> MailContext {
        MailContext {
            shop_name: self.settings.shop_name.clone(),
            shop_address: self.settings.shop_address.clone(),
            from: self.settings.mail_from.clone(),
        }
    }

    async fn admin_recipients(&self) -> Result<Vec<Email>, DomainError> {
        if !self.settings.admin_notify.is_empty() {
            return Ok(self.settings.admin_notify.clone());
        }
        Ok(self
            .ports
            .accounts
            .list_active_admins()
            .await?
            .into_iter()
            .map(|u| u.email)
            .collect())
    }

    async fn notify(&self, order: &Order) -> Result<(), DomainError> {
        let ctx = self.mail_context();
        if !order.customer_notified {
            let name = self
                .ports
                .accounts
                .get(&order.user_id)
                .await?
                .map(|u| u.name.as_str().to_string())
                .unwrap_or_default();
            let mail = order_confirmation(&ctx, order, &order.customer_email, &name);
            self.ports.mailer.send(&mail).await?;
            self.ports.orders.mark_customer_notified(&order.id).await?;
        }
        if !order.admins_notified {
            for admin in self.admin_recipients().await? {
                let mail = new_order_notice(&ctx, order, &admin, &order.customer_email);
                self.ports.mailer.send(&mail).await?;
            }
            self.ports.orders.mark_admins_notified(&order.id).await?;
        }
        Ok(())
    }

    /// Claims one due job and runs it. `Ok(false)` when none was due.
    /// `jitter` in [0, 1) spreads the retries of many workers.
    pub async fn work_once(&self, claim_token: &str, jitter: f64) -> Result<bool, DomainError> {
        let now = self.ports.clock.now();
        let Some(claim) = self.ports.jobs.claim(now, JOB_LEASE, claim_token).await? else {
            return Ok(false);
        };
        self.execute(&claim, jitter).await?;
        Ok(true)
    }

    async fn execute(&self, claim: &ClaimedJob, jitter: f64) -> Result<(), DomainError> {
        let JobKind::FinalizeOrder(order_id) = &claim.job.kind;
        match self.run(order_id).await {
            Ok(StepOutcome::Done) => self.ports.jobs.complete(claim).await,
            Ok(StepOutcome::NotYet(due)) => {
                self.ports
                    .jobs
                    .retry(claim, due, "waiting for the checkout")
                    .await
            }
            Err(e) if claim.job.attempts >= MAX_ATTEMPTS => {
                tracing::error!(order_id = %order_id, error = %e, "finalization job buried");
                self.ports.jobs.bury(claim, &e.to_string()).await
            }
            Err(e) => {
                tracing::warn!(order_id = %order_id, attempt = claim.job.attempts, error = %e, "finalization step failed, will retry");
                let at = self.ports.clock.now() + backoff(claim.job.attempts, jitter);
                self.ports.jobs.retry(claim, at, &e.to_string()).await
            }
        }
    }
}

#[cfg(test)]
mod tests;
