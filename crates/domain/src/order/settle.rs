//! Where an order's money goes: authorizing, capturing, voiding and
//! failing, shared by the checkout, the finalization workflow and the
//! provider's events. The money rules live here once:
//!
//! - an authorization is voided (by payment id, or by the create's
//!   idempotency key when the id is unknown) before an order is failed,
//!   and the history says so;
//! - an order whose payment may exist is never failed on an unknown
//!   outcome: it stays open for the job to find out;
//! - whatever an order held (stock, a promotion use, its quote) is given
//!   back in the same transition that closes it.

use chrono::{DateTime, Utc};

use super::{Actor, HistoryEntry, Order, OrderAlert, OrderStatus, PaymentInfo, PaymentState};
use crate::catalog::StockMovement;
use crate::mail::{
    MailMessage, admin_recipients, mail_context, new_order_notice, order_alert, order_confirmation,
    payment_failed,
};
use crate::money::Money;
use crate::payment::{
    AuthorizeRequest, DEFAULT_AUTHORIZATION_WINDOW, PaymentError, PaymentRecord, PaymentStatus,
    idempotency_key,
};
use crate::settings::ShopSettings;
use std::sync::Arc;

use super::OrderStore;
use crate::account::AccountStore;
use crate::payment::PaymentGateway;
use crate::{Clock, DomainError, IdGenerator};

/// The ports settling an order's money uses: the checkout, the
/// finalization workflow and the provider's events share them.
#[derive(Clone)]
pub struct SettlePorts {
    pub orders: Arc<dyn OrderStore>,
    pub payments: Arc<dyn PaymentGateway>,
    /// Whom the mails greet (the customer) and go to (the active admins).
    pub accounts: Arc<dyn AccountStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

/// What asking for an authorization came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Authorization {
    /// The order moved on: authorized, paid (nothing to charge), or closed
    /// by someone else meanwhile.
    Settled(Box<Order>),
    /// The card was declined: the order ended `payment_failed`.
    Declined { code: String },
    /// No answer: the payment may or may not exist. Nothing was recorded;
    /// the order stays pending for the job to ask again under the same key.
    Unknown(String),
}

/// What voiding an order's authorization came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Void {
    /// Nothing is held on the card any more (voided now, earlier, or never
    /// made); the payment's state as the provider says.
    Released(PaymentState, &'static str),
    /// The provider had captured it after all: the customer paid.
    Captured(PaymentRecord),
}

/// Who hears that a payment failed, besides the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tell {
    /// The customer, by mail (not when the checkout's answer told them).
    pub customer: bool,
    /// The admins, by mail: a person should know why it was given up.
    pub admins: bool,
}

pub(crate) fn authorize_request(order: &Order) -> AuthorizeRequest {
    AuthorizeRequest {
        idempotency_key: idempotency_key(&order.id, "authorize"),
        amount: Money::new(order.total, order.currency.clone()),
        source_id: order.payment_source_id.clone(),
        reference_id: order.number.clone(),
        buyer_email: order.customer_email.clone(),
    }
}

#[tracing::instrument(level = "info", skip_all)]
async fn reload(ports: &SettlePorts, order: &Order) -> Result<Order, DomainError> {
    ports
        .orders
        .get(&order.id)
        .await?
        .ok_or(DomainError::NotFound("order"))
}

/// Authorizes a pending order's card, or replays the authorization made
/// under the same idempotency key (the checkout, then the job after a lost
/// answer). An order with nothing to charge is paid at once, without the
/// gateway.
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn authorize(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
    tell: Tell,
) -> Result<Authorization, DomainError> {
    if order.is_free() {
        return mark_free_order_paid(ports, settings, order)
            .await
            .map(|o| Authorization::Settled(Box::new(o)));
    }
    let now = ports.clock.now();
    match ports.payments.authorize(&authorize_request(order)).await {
        // A replay finds the payment as the provider holds it now: voided
        // or failed meanwhile (its window lapsed, a void by key), nothing is
        // held and the order cannot be paid with it.
        Ok(record)
            if matches!(
                record.status,
                PaymentStatus::Canceled | PaymentStatus::Failed
            ) =>
        {
            let code = format!("PAYMENT_{}", record.status.as_str());
            let note = format!(
                "the payment {} under the order's key is {} at the provider",
                record.payment_id,
                record.status.as_str().to_lowercase()
            );
            let failed = PaymentInfo {
                payment_id: Some(record.payment_id.clone()),
                ..order.payment.clone()
            };
            let order = Order {
                payment: failed,
                ..order.clone()
            };
            fail(
                ports,
                settings,
                &order,
                &code,
                note,
                record.status.into(),
                tell,
            )
            .await?;
            Ok(Authorization::Declined { code })
        }
        Ok(record) => {
            let payment_id = record.payment_id.clone();
            let payment = PaymentInfo {
                payment_id: Some(record.payment_id),
                status: record.status.into(),
                failure_code: None,
                authorization_expires_at: Some(
                    record
                        .delayed_until
                        .unwrap_or(now + DEFAULT_AUTHORIZATION_WINDOW),
                ),
                ..order.payment.clone()
            };
            let change = order
                .change_to(OrderStatus::Authorized, Actor::PaymentProvider, now, None)?
                .with_payment(payment)
                .waking_the_job();
            match ports.orders.transition(&order.id, &change).await {
                Ok(authorized) => Ok(Authorization::Settled(Box::new(authorized))),
                // Someone else (the job, a replay) recorded it first, or the
                // order was closed meanwhile.
                Err(DomainError::InvalidOrderState { .. }) => {
                    let current = reload(ports, order).await?;
                    if matches!(
                        current.status,
                        OrderStatus::Canceled | OrderStatus::PaymentFailed
                    ) {
                        // Nobody will capture it: void it rather than hold the
                        // customer's funds until it lapses.
                        let voided = ports.payments.cancel(&payment_id).await;
                        let note = match &voided {
                            Ok(_) => format!(
                                "authorization {payment_id} made after the order closed; voided"
                            ),
                            Err(e) => format!(
                                "authorization {payment_id} made after the order closed; could not be voided: {e}"
                            ),
                        };
                        let entry = HistoryEntry {
                            status: current.status,
                            at: ports.clock.now(),
                            by: Actor::System,
                            note: Some(note),
                        };
                        ports.orders.add_note(&order.id, &entry).await?;
                    }
                    Ok(Authorization::Settled(Box::new(current)))
                }
                Err(e) => Err(e),
            }
        }
        Err(PaymentError::Declined { code }) => {
            // A declined create leaves a FAILED payment: nothing is held.
            let note = format!("declined: {code}");
            fail(
                ports,
                settings,
                order,
                &code,
                note,
                PaymentState::Failed,
                tell,
            )
            .await?;
            Ok(Authorization::Declined { code })
        }
        Err(PaymentError::Rejected(message)) => {
            // Square refused the request itself; void whatever the key may
            // have made before saying it failed.
            if let Err(e) = ports
                .payments
                .cancel_by_idempotency_key(&idempotency_key(&order.id, "authorize"))
                .await
            {
                return Ok(Authorization::Unknown(format!(
                    "{message}; the void by idempotency key failed too: {e}"
                )));
            }
            let note = format!("payment refused: {message} (voided by idempotency key)");
            fail(
                ports,
                settings,
                order,
                "REJECTED",
                note,
                PaymentState::Canceled,
                tell,
            )
            .await?;
            Ok(Authorization::Declined { code: message })
        }
        Err(PaymentError::Transient(message)) => Ok(Authorization::Unknown(message)),
    }
}

/// An order with a total of 0: paid at once, nothing sent to a gateway.
#[tracing::instrument(level = "info", skip_all)]
async fn mark_free_order_paid(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
) -> Result<Order, DomainError> {
    let now = ports.clock.now();
    let mails = paid_mails(ports, settings, order).await?;
    let change = order
        .change_to(
            OrderStatus::Paid,
            Actor::System,
            now,
            Some("the total is 0: nothing to charge".into()),
        )?
        .with_payment(PaymentInfo {
            provider: super::PaymentProvider::None,
            payment_id: None,
            status: PaymentState::NotRequired,
            failure_code: None,
            authorization_expires_at: None,
        })
        .with_mails(mails)
        .waking_the_job();
    settled(
        ports,
        order,
        ports.orders.transition(&order.id, &change).await,
    )
    .await
}

/// Marks a captured order paid, with the confirmation and the admins'
/// notices in the same transaction.
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn mark_paid(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
    record: &PaymentRecord,
    note: Option<String>,
) -> Result<Order, DomainError> {
    let mails = paid_mails(ports, settings, order).await?;
    let change = order
        .change_to(OrderStatus::Paid, Actor::System, ports.clock.now(), note)?
        .with_payment(PaymentInfo {
            status: record.status.into(),
            ..order.payment.clone()
        })
        .with_mails(mails);
    settled(
        ports,
        order,
        ports.orders.transition(&order.id, &change).await,
    )
    .await
}

/// The order after a transition that may have lost its race: whoever won
/// moved it on, which is as good.
#[tracing::instrument(level = "info", skip_all)]
async fn settled(
    ports: &SettlePorts,
    order: &Order,
    result: Result<Order, DomainError>,
) -> Result<Order, DomainError> {
    match result {
        Err(DomainError::InvalidOrderState { .. }) => reload(ports, order).await,
        other => other,
    }
}

/// Ends an open order in `payment_failed`: stock, promotion use and quote
/// given back, the mails `tell` asks for recorded, at once. The caller has
/// made sure nothing is held on the card.
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn fail(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
    code: &str,
    note: String,
    state: PaymentState,
    tell: Tell,
) -> Result<Order, DomainError> {
    let now = ports.clock.now();
    let mut mails = Vec::new();
    if tell.customer {
        let name = customer_name(ports, order).await?;
        mails.push(payment_failed(
            &mail_context(settings),
            order,
            &order.customer_email,
            &name,
        ));
    }
    if tell.admins {
        mails.extend(admin_alert_mails(ports, settings, order, "failed", &note).await?);
    }
    let change = order
        .change_to(
            OrderStatus::PaymentFailed,
            Actor::PaymentProvider,
            now,
            Some(note),
        )?
        .with_payment(PaymentInfo {
            status: state,
            failure_code: Some(code.to_string()),
            ..order.payment.clone()
        })
        .with_mails(mails)
        .releasing(
            StockMovement::for_order(order, true, Actor::System, now, ports.ids.as_ref()),
            order.promo_code.clone(),
        );
    settled(
        ports,
        order,
        ports.orders.transition(&order.id, &change).await,
    )
    .await
}

/// Voids whatever the order holds on the card: by payment id, or by the
/// create's idempotency key when the id was never learned. `Err` with
/// `PaymentUnavailable` when the provider cannot be reached (try again),
/// or `InvalidState` when it refuses and the payment is not where a void
/// leaves it (a person must look).
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn void(
    ports: &SettlePorts,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<Void, DomainError> {
    if order.payment.status == PaymentState::NotRequired {
        return Ok(Void::Released(PaymentState::NotRequired, "nothing to void"));
    }
    if order
        .payment
        .authorization_expires_at
        .is_some_and(|expires| now >= expires)
    {
        // Square voids an authorization it was not asked to capture in time.
        return Ok(Void::Released(
            PaymentState::Canceled,
            "the authorization lapsed at the provider",
        ));
    }
    let Some(payment_id) = order.payment.payment_id.as_deref() else {
        return match ports
            .payments
            .cancel_by_idempotency_key(&idempotency_key(&order.id, "authorize"))
            .await
        {
            Ok(()) => Ok(Void::Released(
                PaymentState::Canceled,
                "voided by idempotency key",
            )),
            Err(PaymentError::Transient(m)) => Err(DomainError::PaymentUnavailable(m)),
            Err(PaymentError::Declined { code: why } | PaymentError::Rejected(why)) => {
                Err(DomainError::InvalidState(format!(
                    "the payment made under the order's key could not be voided: {why}"
                )))
            }
        };
    };
    let refused = match ports.payments.cancel(payment_id).await {
        Ok(record) => {
            return Ok(Void::Released(record.status.into(), "authorization voided"));
        }
        Err(PaymentError::Transient(m)) => return Err(DomainError::PaymentUnavailable(m)),
        Err(PaymentError::Declined { code: why } | PaymentError::Rejected(why)) => why,
    };
    match ports.payments.status(payment_id).await {
        Ok(record) => match record.status {
            PaymentStatus::Completed => Ok(Void::Captured(record)),
            PaymentStatus::Canceled => Ok(Void::Released(
                PaymentState::Canceled,
                "the authorization was already voided",
            )),
            PaymentStatus::Failed => Ok(Void::Released(
                PaymentState::Failed,
                "the payment had already failed",
            )),
            PaymentStatus::Approved => Err(DomainError::InvalidState(format!(
                "payment {payment_id} could not be voided: {refused}"
            ))),
        },
        Err(PaymentError::Transient(m)) => Err(DomainError::PaymentUnavailable(m)),
        Err(e) => Err(DomainError::InvalidState(format!(
            "payment {payment_id} could not be voided ({refused}) nor read ({e})"
        ))),
    }
}

/// Gives up on an open order: voids its authorization, then fails it
/// (customer and admins told), or marks it paid if the provider had
/// captured it after all. Errors as [`void`].
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn give_up(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
    code: &str,
    why: &str,
) -> Result<Order, DomainError> {
    match void(ports, order, ports.clock.now()).await? {
        Void::Released(state, how) => {
            let note = format!("{why} ({how})");
            fail(
                ports,
                settings,
                order,
                code,
                note,
                state,
                Tell {
                    customer: true,
                    admins: true,
                },
            )
            .await
        }
        // Only an authorized order has a payment id to read back.
        Void::Captured(record) => {
            let note = format!("{why}; but the provider had captured the payment: marked paid");
            mark_paid(ports, settings, order, &record, Some(note)).await
        }
    }
}

/// Raises an alert on an open order unless one is up: a history note and
/// a mail to each admin, once.
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn raise_alert(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
    reason: &str,
) -> Result<bool, DomainError> {
    if order.alert.is_some() {
        return Ok(false);
    }
    let at = ports.clock.now();
    let event = format!("alert-{}", at.timestamp_millis());
    let mails = admin_alert_mails(ports, settings, order, &event, reason).await?;
    let alert = OrderAlert {
        at,
        reason: reason.to_string(),
    };
    let note = HistoryEntry {
        status: order.status,
        at,
        by: Actor::System,
        note: Some(format!("admins alerted: {reason}")),
    };
    ports
        .orders
        .raise_alert(&order.id, &alert, &note, &mails)
        .await
}

#[tracing::instrument(level = "info", skip_all)]
async fn admin_alert_mails(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
    event: &str,
    reason: &str,
) -> Result<Vec<MailMessage>, DomainError> {
    let ctx = mail_context(settings);
    Ok(admin_recipients(ports.accounts.as_ref(), settings)
        .await?
        .iter()
        .map(|admin| order_alert(&ctx, order, admin, event, reason))
        .collect())
}

/// The confirmation to the customer and a notice to each admin.
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn paid_mails(
    ports: &SettlePorts,
    settings: &ShopSettings,
    order: &Order,
) -> Result<Vec<MailMessage>, DomainError> {
    let ctx = mail_context(settings);
    let name = customer_name(ports, order).await?;
    let mut mails = vec![order_confirmation(
        &ctx,
        order,
        &order.customer_email,
        &name,
    )];
    for admin in admin_recipients(ports.accounts.as_ref(), settings).await? {
        mails.push(new_order_notice(&ctx, order, &admin, &order.customer_email));
    }
    Ok(mails)
}

/// The name to greet the customer with; empty if the account is gone.
#[tracing::instrument(level = "info", skip_all)]
pub(crate) async fn customer_name(
    ports: &SettlePorts,
    order: &Order,
) -> Result<String, DomainError> {
    Ok(ports
        .accounts
        .get(&order.user_id)
        .await?
        .map(|u| u.name.as_str().to_string())
        .unwrap_or_default())
}
