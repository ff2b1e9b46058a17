//! Orders, their payment and their history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shop_domain::jobs::{Job, JobState};
use shop_domain::order::{HistoryEntry, Order, OrderAlert, OrderStatus, PaymentInfo};
use utoipa::{IntoParams, ToSchema};

use super::checkout::LineDto;
use super::common::{AddressDto, MoneyDto, list_response, money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusDto {
    PendingPayment,
    Authorized,
    Paid,
    Fulfilled,
    PaymentFailed,
    Canceled,
    Refunded,
}

impl From<OrderStatus> for OrderStatusDto {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::PendingPayment => Self::PendingPayment,
            OrderStatus::Authorized => Self::Authorized,
            OrderStatus::Paid => Self::Paid,
            OrderStatus::Fulfilled => Self::Fulfilled,
            OrderStatus::PaymentFailed => Self::PaymentFailed,
            OrderStatus::Canceled => Self::Canceled,
            OrderStatus::Refunded => Self::Refunded,
        }
    }
}

impl From<OrderStatusDto> for OrderStatus {
    fn from(s: OrderStatusDto) -> Self {
        match s {
            OrderStatusDto::PendingPayment => Self::PendingPayment,
            OrderStatusDto::Authorized => Self::Authorized,
            OrderStatusDto::Paid => Self::Paid,
            OrderStatusDto::Fulfilled => Self::Fulfilled,
            OrderStatusDto::PaymentFailed => Self::PaymentFailed,
            OrderStatusDto::Canceled => Self::Canceled,
            OrderStatusDto::Refunded => Self::Refunded,
        }
    }
}

/// Who takes the payment: `none` for an order with nothing to charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProviderDto {
    Square,
    None,
}

/// Where the money stands, in Square's words: `PENDING` (not authorized
/// yet, or its outcome still unknown), `APPROVED` (authorized, held on the
/// card), `COMPLETED` (captured), `CANCELED` (the authorization was voided:
/// nothing taken), `FAILED` (declined: nothing taken), `REFUNDED`,
/// `NOT_REQUIRED` (a total of 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatusDto {
    Pending,
    Approved,
    Completed,
    Canceled,
    Failed,
    Refunded,
    NotRequired,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentDto {
    pub provider: PaymentProviderDto,
    pub payment_id: Option<String>,
    #[schema(example = "COMPLETED")]
    pub status: PaymentStatusDto,
}

impl From<PaymentInfo> for PaymentDto {
    fn from(p: PaymentInfo) -> Self {
        use shop_domain::order::{PaymentProvider as P, PaymentState as S};
        Self {
            provider: match p.provider {
                P::Square => PaymentProviderDto::Square,
                P::None => PaymentProviderDto::None,
            },
            payment_id: p.payment_id,
            status: match p.status {
                S::Pending => PaymentStatusDto::Pending,
                S::Approved => PaymentStatusDto::Approved,
                S::Completed => PaymentStatusDto::Completed,
                S::Canceled => PaymentStatusDto::Canceled,
                S::Failed => PaymentStatusDto::Failed,
                S::Refunded => PaymentStatusDto::Refunded,
                S::NotRequired => PaymentStatusDto::NotRequired,
            },
        }
    }
}

/// One status change: when, and by whom (`user:<id>`, `system` or `square`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryDto {
    pub status: OrderStatusDto,
    pub at: DateTime<Utc>,
    #[schema(example = "system")]
    pub by: String,
    /// Admin views only: why (a decline code, the workflow giving up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<HistoryEntry> for HistoryDto {
    /// Without the note: notes can carry provider errors meant for admins.
    fn from(h: HistoryEntry) -> Self {
        Self {
            status: h.status.into(),
            at: h.at,
            by: h.by.label(),
            note: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: String,
    #[schema(example = "SO-000042")]
    pub number: String,
    pub user_id: String,
    pub status: OrderStatusDto,
    pub created_at: DateTime<Utc>,
    #[schema(example = "USD")]
    pub currency: String,
    pub lines: Vec<LineDto>,
    pub subtotal: MoneyDto,
    pub discount_total: MoneyDto,
    pub tax_total: MoneyDto,
    pub shipping_total: MoneyDto,
    pub total: MoneyDto,
    pub tax_exempt: bool,
    pub promo_code: Option<String>,
    pub ship_to: AddressDto,
    pub payment: PaymentDto,
    pub history: Vec<HistoryDto>,
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        let tax_exempt = o.is_tax_exempt();
        let c = &o.currency;
        Self {
            id: o.id.to_string(),
            number: o.number,
            user_id: o.user_id.to_string(),
            status: o.status.into(),
            created_at: o.created_at,
            currency: c.code().to_string(),
            lines: o
                .lines
                .into_iter()
                .map(|l| LineDto::from_order(l, c))
                .collect(),
            subtotal: money(o.subtotal, c),
            discount_total: money(o.discount_total, c),
            tax_total: money(o.tax_total, c),
            shipping_total: money(o.shipping_total, c),
            total: money(o.total, c),
            tax_exempt,
            promo_code: o.promo_code,
            ship_to: o.ship_to.into(),
            payment: o.payment.into(),
            history: o.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// `{order}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderEnvelope {
    pub order: OrderDto,
}

impl From<Order> for OrderEnvelope {
    fn from(o: Order) -> Self {
        Self { order: o.into() }
    }
}

list_response!(
    /// A page of orders, newest first.
    OrderList,
    OrderDto
);

/// Where an order's finalization workflow stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FinalizationDto {
    /// `queued`, `running`, `done`, or `dead`: it gave up and needs an admin.
    #[schema(example = "done")]
    pub state: String,
    pub attempts: u32,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When a queued job runs next.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<Job> for FinalizationDto {
    fn from(job: Job) -> Self {
        Self {
            state: job.state.as_str().to_string(),
            attempts: job.attempts,
            last_error: job.last_error,
            next_attempt_at: (job.state == JobState::Queued).then_some(job.run_after),
        }
    }
}

/// Something about an open order a person must look at: its capture keeps
/// failing, or its workflow stopped. The admins were mailed; the next
/// status change or a requeue clears it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertDto {
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl From<OrderAlert> for AlertDto {
    fn from(a: OrderAlert) -> Self {
        Self {
            at: a.at,
            reason: a.reason,
        }
    }
}

/// An order as admins see it: with its finalization workflow and alert.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminOrderDto {
    #[serde(flatten)]
    pub order: OrderDto,
    /// `null` for an order that never had a finalization job.
    pub finalization: Option<FinalizationDto>,
    /// `null` unless the order needs a person (see `AlertDto`).
    pub alert: Option<AlertDto>,
}

impl AdminOrderDto {
    pub fn new(order: Order, job: Option<Job>) -> Self {
        let notes: Vec<Option<String>> = order.history.iter().map(|h| h.note.clone()).collect();
        let alert = order.alert.clone().map(Into::into);
        let mut order = OrderDto::from(order);
        for (entry, note) in order.history.iter_mut().zip(notes) {
            entry.note = note;
        }
        Self {
            order,
            finalization: job.map(Into::into),
            alert,
        }
    }
}

/// `{order}` for admins.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminOrderEnvelope {
    pub order: AdminOrderDto,
}

list_response!(
    /// A page of orders as admins see them, newest first.
    AdminOrderList,
    AdminOrderDto
);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    pub quote_id: String,
    /// A Square card nonce (the simulator honours Square's sandbox test nonces,
    /// e.g. `cnon:card-nonce-ok`).
    #[schema(example = "cnon:card-nonce-ok")]
    pub payment_source_id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminOrderQuery {
    pub status: Option<OrderStatusDto>,
    pub user_id: Option<String>,
    /// Page size, 1..=100 (default 20; larger values are clamped to 100).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
