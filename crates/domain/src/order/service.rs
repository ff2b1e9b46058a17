use std::sync::Arc;

use chrono::Duration;

use super::settle::SettlePorts;
use super::settle::{self, Authorization, Tell, Void};
use super::{
    Actor, IdempotencyRecord, NewOrder, Order, OrderFilter, OrderLine, OrderStatus, PaymentInfo,
    PaymentProvider, PaymentState,
};
use crate::account::Principal;
use crate::account::service::sha256_hex;
use crate::audit::{AuditAction, AuditEntry};
use crate::catalog::StockMovement;
use crate::ids::{OrderId, QuoteId};
use crate::jobs::Job;
use crate::jobs::JobQueue;
use crate::money::Money;
use crate::payment::{PaymentError, idempotency_key};
use crate::pricing::PricingService;
use crate::pricing::QuoteStore;
use crate::settings::ShopSettings;
use crate::{DomainError, Page, PageRequest};

/// How long a new order's finalization job waits before it takes over
/// from the checkout (a crashed request); the checkout hands it over at
/// once when it cannot learn the payment's outcome.
pub const CHECKOUT_GRACE: Duration = Duration::minutes(2);

#[derive(Debug, Clone)]
pub struct PlaceOrderRequest {
    pub quote_id: QuoteId,
    pub payment_source_id: String,
    pub idempotency_key: Option<String>,
}

/// How a placement ended, for the transport to answer accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A new order, authorized (or paid, with nothing to charge).
    Created,
    /// The order an earlier request with the same key made.
    Replayed,
    /// A new (or replayed) order whose payment outcome is not known yet:
    /// it stays `pending_payment` and the workflow finds out. The customer
    /// must be told it is being processed, never that it failed.
    Accepted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order: Order,
    pub placement: Placement,
}

/// The ports the order service uses.
#[derive(Clone)]
pub struct OrderPorts {
    pub settle: SettlePorts,
    pub quotes: Arc<dyn QuoteStore>,
    pub jobs: Arc<dyn JobQueue>,
}

pub struct OrderService {
    ports: OrderPorts,
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

/// The checkout answered the decline itself: no mail to the customer.
const AT_CHECKOUT: Tell = Tell {
    customer: false,
    admins: false,
};

impl OrderService {
    /// `pricing` re-prices a quote at checkout.
    pub fn new(ports: OrderPorts, pricing: PricingService, settings: Arc<ShopSettings>) -> Self {
        Self {
            ports,
            settings,
            pricing,
        }
    }

    /// Places an order from a quote: re-prices it, spends the quote,
    /// reserves the stock, then authorizes the card.
    #[tracing::instrument(level = "info", skip_all)]
    pub async fn place(
        &self,
        principal: &Principal,
        request: &PlaceOrderRequest,
    ) -> Result<Placed, DomainError> {
        if self.settings.require_email_verification && !principal.email_verified {
            return Err(DomainError::EmailUnverified);
        }
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
            if let Some(placed) = self.replay(principal, key, &fingerprint).await? {
                return Ok(placed);
            }
        }
        let now = self.ports.settle.clock.now();
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
        let order_id = OrderId::new(self.ports.settle.ids.new_id());
        let by = Actor::User(principal.user_id.clone());
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
                provider: if priced.total.is_zero() {
                    PaymentProvider::None
                } else {
                    PaymentProvider::Square
                },
                payment_id: None,
                status: PaymentState::Pending,
                failure_code: None,
                authorization_expires_at: None,
            },
            history: vec![super::HistoryEntry {
                status: OrderStatus::PendingPayment,
                at: now,
                by: by.clone(),
                note: None,
            }],
            alert: None,
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
            stock: StockMovement::for_order(&order, false, by, now, self.ports.settle.ids.as_ref()),
            order,
        };
        let created = match self.ports.settle.orders.create(&new).await {
            Ok(order) => order,
            Err(DomainError::IdempotencyKeyReused) => {
                // A concurrent request with the same key won the race.
                let key = request.idempotency_key.as_deref().unwrap_or_default();
                return match self.replay(principal, key, &fingerprint).await? {
                    Some(placed) => Ok(placed),
                    None => Err(DomainError::IdempotencyKeyReused),
                };
            }
            Err(e) => return Err(e),
        };
        self.take_payment(created, Placement::Created).await
    }

    /// Asks for the payment of a pending order and says how the placement
    /// ended. An unknown outcome hands the order to the workflow at once.
    async fn take_payment(
        &self,
        order: Order,
        placement: Placement,
    ) -> Result<Placed, DomainError> {
        match settle::authorize(&self.ports.settle, &self.settings, &order, AT_CHECKOUT).await? {
            Authorization::Settled(order) => Ok(Placed {
                order: *order,
                placement,
            }),
            Authorization::Declined { code } => Err(DomainError::PaymentDeclined { reason: code }),
            Authorization::Unknown(cause) => {
                tracing::warn!(order_id = %order.id, error = %cause,
                    "payment outcome unknown at checkout; the workflow takes over");
                self.ports
                    .jobs
                    .wake(
                        &Job::finalize_order_id(&order.id),
                        self.ports.settle.clock.now(),
                    )
                    .await?;
                Ok(Placed {
                    order,
                    placement: Placement::Accepted,
                })
            }
        }
    }

    /// The order an earlier request with this key made, carried on where it
    /// stopped; a different request under the same key is a conflict.
    async fn replay(
        &self,
        principal: &Principal,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<Placed>, DomainError> {
        let Some(record) = self
            .ports
            .settle
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
            OrderStatus::PendingPayment => self
                .take_payment(order, Placement::Replayed)
                .await
                .map(Some),
            OrderStatus::PaymentFailed => Err(DomainError::PaymentDeclined {
                reason: order
                    .payment
                    .failure_code
                    .clone()
                    .unwrap_or_else(|| "declined".into()),
            }),
            _ => Ok(Some(Placed {
                order,
                placement: Placement::Replayed,
            })),
        }
    }

    async fn load(&self, id: &OrderId) -> Result<Order, DomainError> {
        self.ports
            .settle
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

    #[tracing::instrument(level = "info", skip_all, fields(order_id = %id))]
    pub async fn get(&self, principal: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        self.load_own(principal, id).await
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn list(
        &self,
        principal: &Principal,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        let filter = OrderFilter {
            user_id: Some(principal.user_id.clone()),
            status: None,
        };
        self.ports.settle.orders.list(&filter, page).await
    }

    /// Cancels an order that is not yet paid: voids the authorization,
    /// then gives back its stock, promotion use and quote.
    #[tracing::instrument(level = "info", skip_all, fields(order_id = %id))]
    pub async fn cancel(&self, principal: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        let mut order = self.load_own(principal, id).await?;
        // The workflow may move the order between our read and our write;
        // each round reads it again and voids what it then holds.
        for _ in 0..3 {
            if !order.status.is_open() {
                break;
            }
            let now = self.ports.settle.clock.now();
            let (state, how) = match settle::void(&self.ports.settle, &order, now).await {
                Ok(Void::Released(state, how)) => (state, how),
                Ok(Void::Captured(_)) => {
                    return Err(DomainError::InvalidOrderState {
                        current: OrderStatus::Paid.as_str().into(),
                        action: "cancel",
                    });
                }
                Err(DomainError::InvalidState(_)) => {
                    return Err(DomainError::InvalidOrderState {
                        current: order.status.as_str().into(),
                        action: "cancel",
                    });
                }
                Err(e) => return Err(e),
            };
            let change = order
                .change_to(
                    OrderStatus::Canceled,
                    Actor::User(principal.user_id.clone()),
                    now,
                    Some(how.to_string()),
                )?
                .with_payment(PaymentInfo {
                    status: state,
                    ..order.payment.clone()
                })
                .releasing(
                    StockMovement::for_order(
                        &order,
                        true,
                        Actor::User(principal.user_id.clone()),
                        now,
                        self.ports.settle.ids.as_ref(),
                    ),
                    order.promo_code.clone(),
                );
            match self.ports.settle.orders.transition(id, &change).await {
                Ok(canceled) => return Ok(canceled),
                Err(DomainError::InvalidOrderState { .. }) => order = self.load(id).await?,
                Err(e) => return Err(e),
            }
        }
        Err(DomainError::InvalidOrderState {
            current: order.status.as_str().into(),
            action: "cancel",
        })
    }

    #[tracing::instrument(level = "info", skip_all)]
    pub async fn admin_list(
        &self,
        admin: &Principal,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        admin.require_admin()?;
        self.ports.settle.orders.list(filter, page).await
    }

    /// Each order's finalization job (`None` where there is none), for the
    /// admins to see a workflow that is stuck or gave up.
    #[tracing::instrument(level = "info", skip_all)]
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

    #[tracing::instrument(level = "info", skip_all, fields(order_id = %id))]
    pub async fn admin_get(&self, admin: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        admin.require_admin()?;
        self.load(id).await
    }

    #[tracing::instrument(level = "info", skip_all, fields(order_id = %id))]
    pub async fn fulfill(&self, admin: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        admin.require_admin()?;
        let order = self.load(id).await?;
        let change = order
            .change_to(
                OrderStatus::Fulfilled,
                Actor::User(admin.user_id.clone()),
                self.ports.settle.clock.now(),
                None,
            )?
            .audited(self.status_audit(
                admin,
                AuditAction::OrderFulfill,
                &order,
                OrderStatus::Fulfilled,
            ));
        self.ports
            .settle
            .orders
            .transition(id, &change)
            .await
            .map_err(|e| state_error(e, &order, "fulfill"))
    }

    /// Refunds a paid or fulfilled order in full.
    #[tracing::instrument(level = "info", skip_all, fields(order_id = %id))]
    pub async fn refund(&self, admin: &Principal, id: &OrderId) -> Result<Order, DomainError> {
        admin.require_admin()?;
        let order = self.load(id).await?;
        let change = order
            .change_to(
                OrderStatus::Refunded,
                Actor::User(admin.user_id.clone()),
                self.ports.settle.clock.now(),
                None,
            )?
            .audited(self.status_audit(
                admin,
                AuditAction::OrderRefund,
                &order,
                OrderStatus::Refunded,
            ));
        if order.payment.provider == PaymentProvider::Square {
            let payment_id =
                order.payment.payment_id.clone().ok_or_else(|| {
                    DomainError::Internal("paid order without a payment id".into())
                })?;
            let amount = Money::new(order.total, order.currency.clone());
            self.ports
                .settle
                .payments
                .refund(&payment_id, &amount, &idempotency_key(&order.id, "refund"))
                .await
                .map_err(|e| match e {
                    PaymentError::Transient(m) => DomainError::PaymentUnavailable(m),
                    PaymentError::Declined { code } | PaymentError::Rejected(code) => {
                        DomainError::InvalidState(format!("the refund was refused: {code}"))
                    }
                })?;
        }
        let change = change.with_payment(PaymentInfo {
            status: PaymentState::Refunded,
            ..order.payment.clone()
        });
        self.ports
            .settle
            .orders
            .transition(id, &change)
            .await
            .map_err(|e| state_error(e, &order, "refund"))
    }

    fn status_audit(
        &self,
        admin: &Principal,
        action: AuditAction,
        order: &Order,
        to: OrderStatus,
    ) -> AuditEntry {
        AuditEntry::by(
            admin,
            self.ports.settle.ids.as_ref(),
            self.ports.settle.clock.now(),
            action,
            "order",
            &order.id,
        )
        .field("status", Some(order.status.as_str()), Some(to.as_str()))
    }

    /// Puts an open order's finalization back in the queue, due now (an
    /// admin, after an alert or a workflow that stopped): a finished job
    /// runs again as a new generation. Clears the order's alert. The
    /// requeue, the cleared alert, the order's note and the audit entry
    /// (`order.retry_finalization`) are written at once.
    #[tracing::instrument(level = "info", skip_all, fields(order_id = %id))]
    pub async fn retry_finalization(
        &self,
        admin: &Principal,
        id: &OrderId,
    ) -> Result<Order, DomainError> {
        admin.require_admin()?;
        let order = self.load(id).await?;
        if !order.status.is_open() {
            return Err(DomainError::InvalidOrderState {
                current: order.status.as_str().into(),
                action: "retry the finalization of",
            });
        }
        let now = self.ports.settle.clock.now();
        let fresh = Job::finalize_order(id, now);
        let before = self.ports.jobs.get(&fresh.id).await?;
        let after = before.as_ref().map_or(fresh.clone(), |j| j.requeued(now));
        let entry = AuditEntry::by(
            admin,
            self.ports.settle.ids.as_ref(),
            now,
            AuditAction::OrderRetryFinalization,
            "order",
            id,
        )
        .field(
            "finalization",
            before.as_ref().map(|j| j.state.as_str()),
            Some(after.state.as_str()),
        )
        .field(
            "finalization_generation",
            before.as_ref().map(|j| j.generation),
            Some(after.generation),
        )
        .field(
            "finalization_due",
            before.as_ref().map(|j| j.run_after.to_rfc3339()),
            Some(after.run_after.to_rfc3339()),
        )
        .field(
            "alert",
            order.alert.as_ref().map(|a| a.reason.clone()),
            None::<String>,
        );
        let note = super::HistoryEntry {
            status: order.status,
            at: now,
            by: Actor::User(admin.user_id.clone()),
            note: Some("finalization requeued by an admin".into()),
        };
        self.ports
            .settle
            .orders
            .requeue_finalization(id, &fresh, &note, &[entry])
            .await?;
        self.load(id).await
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

#[cfg(test)]
mod tests;
