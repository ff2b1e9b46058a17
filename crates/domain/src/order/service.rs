use std::sync::Arc;

use chrono::Duration;

use super::{
    Actor, HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderFilter, OrderLine, OrderStatus,
    PaymentInfo, TransitionEffects,
};
use crate::account::Principal;
use crate::account::service::sha256_hex;
use crate::ids::{OrderId, QuoteId};
use crate::jobs::Job;
use crate::mail::{MailMessage, mail_context, payment_failed};
use crate::money::Money;
use crate::payment::{AuthorizeRequest, PaymentError, idempotency_key};
use crate::pricing::PricingService;
use crate::settings::ShopSettings;
use crate::{DomainError, Page, PageRequest, Ports};

/// How long the finalization job waits for the checkout to record the
/// authorization before it takes over (a crashed request, a lost answer).
pub const CHECKOUT_GRACE: Duration = Duration::minutes(2);

#[derive(Debug, Clone)]
pub struct PlaceOrderRequest {
    pub quote_id: QuoteId,
    pub payment_source_id: String,
    pub idempotency_key: Option<String>,
}

pub struct OrderService {
    ports: Ports,
    settings: Arc<ShopSettings>,
    pricing: PricingService,
}

fn check_idempotency_key(key: &str) -> Result<(), DomainError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(DomainError::invalid(
            "Idempotency-Key",
            "must be 1..=255 visible ASCII characters",
        ));
    }
    Ok(())
}

impl OrderService {
    pub fn new(ports: Ports, settings: Arc<ShopSettings>) -> Self {
        let pricing = PricingService::new(ports.clone(), settings.clone());
        Self {
            ports,
            settings,
            pricing,
        }
    }

    /// Places an order from a quote: re-prices it, reserves stock, then
    /// authorizes the card. Returns the order and whether it was created by
    /// this call (false for an idempotent replay).
    pub async fn place(
        &self,
        principal: &Principal,
        request: &PlaceOrderRequest,
    ) -> Result<(Order, bool), DomainError> {
        let source = request.payment_source_id.trim();
        if source.is_empty() || source.len() > 255 {
            return Err(DomainError::invalid(
                "payment_source_id",
                "must be 1..=255 characters",
            ));
        }
        let fingerprint = sha256_hex(&format!("{}\n{}", request.quote_id, source));
        if let Some(key) = &request.idempotency_key {
            check_idempotency_key(key)?;
            if let Some(order) = self.replay(principal, key, &fingerprint).await? {
                return Ok((order, false));
            }
        }
        let now = self.ports.clock.now();
        let quote = self
            .ports
            .quotes
            .get(&request.quote_id)
            .await?
            .filter(|q| q.user_id == principal.user_id)
            .ok_or(DomainError::NotFound("quote"))?;
        if quote.expires_at <= now {
            return Err(DomainError::QuoteExpired);
        }
        let (priced, exemption, _) = self
            .pricing
            .price(
                &principal.user_id,
                &quote.items,
                quote.promo_code.as_deref(),
                &quote.ship_to,
                now,
            )
            .await?;
        // Names may be edited after the quote; only amounts must match.
        let amounts = |l: &crate::pricing::QuoteLine| {
            (
                l.product_id.clone(),
                l.unit_price,
                l.quantity,
                l.discount,
                l.tax,
                l.total,
            )
        };
        if priced
            .lines
            .iter()
            .map(amounts)
            .ne(quote.lines.iter().map(amounts))
            || priced.total != quote.total
            || exemption.is_some() != quote.tax_exemption.is_some()
        {
            return Err(DomainError::PriceChanged);
        }
        let order_id = OrderId::new(self.ports.ids.new_id());
        let order = Order {
            id: order_id.clone(),
            number: String::new(),
            user_id: principal.user_id.clone(),
            customer_email: principal.email.clone(),
            quote_id: quote.id.clone(),
            status: OrderStatus::PendingPayment,
            created_at: now,
            currency: quote.currency.clone(),
            lines: priced.lines.iter().map(OrderLine::from).collect(),
            subtotal: priced.subtotal,
            discount_total: priced.discount_total,
            tax_total: priced.tax_total,
            shipping_total: priced.shipping_total,
            total: priced.total,
            promo_code: quote.promo_code.clone(),
            tax_exemption: exemption,
            ship_to: quote.ship_to.clone(),
            payment_source_id: source.to_string(),
            payment: PaymentInfo {
                provider: "square".into(),
                payment_id: None,
                status: "PENDING".into(),
                failure_code: None,
                authorization_expires_at: None,
            },
            history: vec![HistoryEntry {
                status: OrderStatus::PendingPayment,
                at: now,
                by: Actor::User(principal.user_id.clone()),
                note: None,
            }],
        };
        let new = NewOrder {
            idempotency: request
                .idempotency_key
                .as_ref()
                .map(|key| IdempotencyRecord {
                    user_id: principal.user_id.clone(),
                    key: key.clone(),
                    fingerprint: fingerprint.clone(),
                    order_id: order_id.clone(),
                }),
            job: Job::finalize_order(&order_id, now + CHECKOUT_GRACE),
            order,
        };
        let created = match self.ports.orders.create(&new).await {
            Ok(order) => order,
            Err(DomainError::IdempotencyKeyReused) => {
                // A concurrent request with the same key won the race.
                let key = request.idempotency_key.as_deref().unwrap_or_default();
                return match self.replay(principal, key, &fingerprint).await? {
                    Some(order) => Ok((order, false)),
                    None => Err(DomainError::IdempotencyKeyReused),
                };
            }
            Err(e) => return Err(e),
        };
        let order = authorize_order(&self.ports, &created).await?;
        Ok((order, true))
    }

    /// The order an earlier request with this key made, carried on where it
    /// stopped; a different request under the same key is a conflict.
    async fn replay(
        &self,
        principal: &Principal,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<Order>, DomainError> {
        let Some(record) = self
            .ports
            .orders
            .find_idempotency(&principal.user_id, key)
            .await?
        else {
            return Ok(None);
        };
        if record.fingerprint != fingerprint {
            return Err(DomainError::IdempotencyKeyReused);
        }
        let order = self.load(&record.order_id).await?;
        match order.status {
            OrderStatus::PendingPayment => authorize_order(&self.ports, &order).await.map(Some),
            OrderStatus::PaymentFailed => Err(DomainError::PaymentDeclined {
                reason: order
                    .payment
                    .failure_code
                    .clone()
                    .unwrap_or_else(|| "declined".into()),
            }),
            _ => Ok(Some(order)),
        }
    }

    async fn load(&self, id: &OrderId) -> Result<Order, DomainError> {
        self.ports
            .orders
            .get(id)
            .await?
            .ok_or(DomainError::NotFound("order"))
    }

    async fn load_own(&self, principal: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        let order = self.load(id).await?;
        if order.user_id != principal.user_id {
            return Err(DomainError::NotFound("order"));
        }
        Ok(order)
    }

    pub async fn get(&self, principal: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        self.load_own(principal, id).await
    }

    pub async fn list(
        &self,
        principal: &Principal,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        let filter = OrderFilter {
            user_id: Some(principal.user_id.clone()),
            status: None,
        };
        self.ports.orders.list(&filter, page).await
    }

    /// Cancels an order that is not yet paid: voids the authorization, then
    /// releases the stock.
    pub async fn cancel(&self, principal: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        let order = self.load_own(principal, id).await?;
        if !order.status.is_open() {
            return Err(DomainError::InvalidOrderState {
                current: order.status.as_str().into(),
                action: "cancel",
            });
        }
        let payment_status = match &order.payment.payment_id {
            Some(payment_id) => self
                .ports
                .payments
                .cancel(payment_id)
                .await
                .map(|r| r.status.as_str().to_string())
                .map_err(|e| cancel_error(&order, e))?,
            None => {
                // The authorization may exist without our knowing: void
                // whatever the create with our key made.
                self.ports
                    .payments
                    .cancel_by_idempotency_key(&idempotency_key(&order.id, "authorize"))
                    .await
                    .map_err(|e| cancel_error(&order, e))?;
                "CANCELED".to_string()
            }
        };
        self.ports
            .orders
            .transition(
                id,
                &[OrderStatus::PendingPayment, OrderStatus::Authorized],
                &HistoryEntry {
                    status: OrderStatus::Canceled,
                    at: self.ports.clock.now(),
                    by: Actor::User(principal.user_id.clone()),
                    note: None,
                },
                &TransitionEffects {
                    release_stock: true,
                    payment: Some(PaymentInfo {
                        status: payment_status,
                        ..order.payment.clone()
                    }),
                    wake_job: false,
                    mails: Vec::new(),
                },
            )
            .await
    }

    pub async fn admin_list(
        &self,
        admin: &Principal,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        admin.require_admin()?;
        self.ports.orders.list(filter, page).await
    }

    /// Each order's finalization job (`None` where there is none), for the
    /// admins to see a workflow that is stuck or gave up.
    pub async fn admin_finalization(
        &self,
        admin: &Principal,
        orders: &[Order],
    ) -> Result<Vec<Option<Job>>, DomainError> {
        admin.require_admin()?;
        let mut jobs = Vec::with_capacity(orders.len());
        for order in orders {
            jobs.push(
                self.ports
                    .jobs
                    .get(&Job::finalize_order_id(&order.id))
                    .await?,
            );
        }
        Ok(jobs)
    }

    pub async fn admin_get(&self, admin: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        admin.require_admin()?;
        self.load(id).await
    }

    pub async fn fulfill(&self, admin: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        admin.require_admin()?;
        let order = self.load(id).await?;
        self.ports
            .orders
            .transition(
                id,
                &[OrderStatus::Paid],
                &HistoryEntry {
                    status: OrderStatus::Fulfilled,
                    at: self.ports.clock.now(),
                    by: Actor::User(admin.user_id.clone()),
                    note: None,
                },
                &TransitionEffects::default(),
            )
            .await
            .map_err(|e| state_error(e, &order, "fulfill"))
    }

    /// Refunds a paid or fulfilled order in full.
    pub async fn refund(&self, admin: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        admin.require_admin()?;
        let order = self.load(id).await?;
        if !matches!(order.status, OrderStatus::Paid | OrderStatus::Fulfilled) {
            return Err(DomainError::InvalidOrderState {
                current: order.status.as_str().into(),
                action: "refund",
            });
        }
        let payment_id = order
            .payment
            .payment_id
            .clone()
            .ok_or_else(|| DomainError::Internal("paid order without a payment id".into()))?;
        let amount = Money::new(order.total, order.currency.clone());
        self.ports
            .payments
            .refund(&payment_id, &amount, &idempotency_key(&order.id, "refund"))
            .await
            .map_err(|e| match e {
                PaymentError::Transient(m) => DomainError::PaymentUnavailable(m),
                PaymentError::Declined { code } | PaymentError::Rejected(code) => {
                    DomainError::InvalidState(format!("the refund was refused: {code}"))
                }
            })?;
        self.ports
            .orders
            .transition(
                id,
                &[OrderStatus::Paid, OrderStatus::Fulfilled],
                &HistoryEntry {
                    status: OrderStatus::Refunded,
                    at: self.ports.clock.now(),
                    by: Actor::User(admin.user_id.clone()),
                    note: None,
                },
                &TransitionEffects {
                    release_stock: false,
                    payment: Some(PaymentInfo {
                        status: "REFUNDED".into(),
                        ..order.payment.clone()
                    }),
                    wake_job: false,
                    mails: Vec::new(),
                },
            )
            .await
            .map_err(|e| state_error(e, &order, "refund"))
    }

    pub fn settings(&self) -> &ShopSettings {
        &self.settings
    }
}

fn state_error(e: DomainError, order: &Order, action: &'static str) -> DomainError {
    match e {
        DomainError::InvalidOrderState { current, .. } => {
            DomainError::InvalidOrderState { current, action }
        }
        DomainError::NotFound(_) => DomainError::InvalidOrderState {
            current: order.status.as_str().into(),
            action,
        },
        other => other,
    }
}

fn cancel_error(order: &Order, e: PaymentError) -> DomainError {
    match e {
        PaymentError::Transient(m) => DomainError::PaymentUnavailable(m),
        PaymentError::Declined { .. } | PaymentError::Rejected(_) => {
            DomainError::InvalidOrderState {
                current: order.status.as_str().into(),
                action: "cancel",
            }
        }
    }
}

/// Authorizes a pending order's card (or replays the authorization made
/// under the same idempotency key) and records the outcome. Used by the
/// checkout and, after a crash or a lost answer, by the finalization job.
pub(crate) async fn authorize_order(ports: &Ports, order: &Order) -> Result<Order, DomainError> {
    let request = AuthorizeRequest {
        idempotency_key: idempotency_key(&order.id, "authorize"),
        amount: Money::new(order.total, order.currency.clone()),
        source_id: order.payment_source_id.clone(),
        reference_id: order.number.clone(),
        buyer_email: order.customer_email.clone(),
    };
    let now = ports.clock.now();
    match ports.payments.authorize(&request).await {
        Ok(record) => {
            let payment_id = record.payment_id.clone();
            let payment = PaymentInfo {
                provider: "square".into(),
                payment_id: Some(record.payment_id),
                status: record.status.as_str().into(),
                failure_code: None,
                authorization_expires_at: record.delayed_until,
            };
            let result = ports
                .orders
                .transition(
                    &order.id,
                    &[OrderStatus::PendingPayment],
                    &HistoryEntry {
                        status: OrderStatus::Authorized,
                        at: now,
                        by: Actor::PaymentProvider,
                        note: None,
                    },
                    &TransitionEffects {
                        release_stock: false,
                        payment: Some(payment),
                        wake_job: true,
                        mails: Vec::new(),
                    },
                )
                .await;
            match result {
                Ok(o) => Ok(o),
                // Someone else (the job, a replay) recorded it first, or the
                // order was canceled or failed meanwhile.
                Err(DomainError::InvalidOrderState { .. }) => {
                    let current = ports
                        .orders
                        .get(&order.id)
                        .await?
                        .ok_or(DomainError::NotFound("order"))?;
                    if matches!(
                        current.status,
                        OrderStatus::Canceled | OrderStatus::PaymentFailed
                    ) {
                        // Nobody will capture it: void it rather than hold the
                        // customer's funds until it lapses.
                        if let Err(e) = ports.payments.cancel(&payment_id).await {
                            tracing::warn!(order_id = %order.id, error = %e,
                                "authorization of a closed order not voided");
                        }
                    }
                    Ok(current)
                }
                Err(e) => Err(e),
            }
        }
        Err(PaymentError::Declined { code }) => {
            fail_payment(ports, order, &code, None, Vec::new()).await?;
            Err(DomainError::PaymentDeclined { reason: code })
        }
        Err(PaymentError::Rejected(message)) => {
            fail_payment(ports, order, "REJECTED", Some(message.clone()), Vec::new()).await?;
            Err(DomainError::PaymentDeclined { reason: message })
        }
        Err(PaymentError::Transient(message)) => Err(DomainError::PaymentUnavailable(message)),
    }
}

/// Ends an open order in `payment_failed`, gives its stock back and records
/// `mails` with it. Only from the status `order` was read in, so the mails
/// chosen for that status go out only if that is the change that happened.
pub(crate) async fn fail_payment(
    ports: &Ports,
    order: &Order,
    code: &str,
    note: Option<String>,
    mails: Vec<MailMessage>,
) -> Result<Order, DomainError> {
    let result = ports
        .orders
        .transition(
            &order.id,
            &[order.status],
            &HistoryEntry {
                status: OrderStatus::PaymentFailed,
                at: ports.clock.now(),
                by: Actor::PaymentProvider,
                note: note.or_else(|| Some(code.to_string())),
            },
            &TransitionEffects {
                release_stock: true,
                payment: Some(PaymentInfo {
                    status: "FAILED".into(),
                    failure_code: Some(code.to_string()),
                    ..order.payment.clone()
                }),
                wake_job: false,
                mails,
            },
        )
        .await;
    match result {
        Err(DomainError::InvalidOrderState { .. }) => ports
            .orders
            .get(&order.id)
            .await?
            .ok_or(DomainError::NotFound("order")),
        other => other,
    }
}

/// The customer's mail when an authorized payment cannot be taken. An
/// order declined at checkout gets none: the checkout answered with the
/// decline already.
pub(crate) async fn payment_failed_mails(
    ports: &Ports,
    settings: &ShopSettings,
    order: &Order,
) -> Result<Vec<MailMessage>, DomainError> {
    if order.status != OrderStatus::Authorized {
        return Ok(Vec::new());
    }
    let name = customer_name(ports, order).await?;
    Ok(vec![payment_failed(
        &mail_context(settings),
        order,
        &order.customer_email,
        &name,
    )])
}

/// The name to greet the customer with; empty if the account is gone.
pub(crate) async fn customer_name(ports: &Ports, order: &Order) -> Result<String, DomainError> {
    Ok(ports
        .accounts
        .get(&order.user_id)
        .await?
        .map(|u| u.name.as_str().to_string())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests;
