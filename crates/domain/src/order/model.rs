use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::business::{Address, TaxExemption};
use crate::catalog::StockMovement;
use crate::ids::{OrderId, ProductId, QuoteId, UserId};
use crate::jobs::Job;
use crate::mail::MailMessage;
use crate::money::Currency;
use crate::{DomainError, Page, PageRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Authorized,
    Paid,
    Fulfilled,
    PaymentFailed,
    Canceled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [Self; 7] = [
        Self::PendingPayment,
        Self::Authorized,
        Self::Paid,
        Self::Fulfilled,
        Self::PaymentFailed,
        Self::Canceled,
        Self::Refunded,
    ];

    /// The states in which an order holds stock and money may still move.
    pub const OPEN: [Self; 2] = [Self::PendingPayment, Self::Authorized];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Authorized => "authorized",
            Self::Paid => "paid",
            Self::Fulfilled => "fulfilled",
            Self::PaymentFailed => "payment_failed",
            Self::Canceled => "canceled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The transitions the lifecycle allows. `PendingPayment -> Paid` is the
    /// order with nothing to charge (a total of 0).
    pub fn can_become(self, next: Self) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (PendingPayment, Authorized)
                | (PendingPayment, Paid)
                | (PendingPayment, PaymentFailed)
                | (PendingPayment, Canceled)
                | (Authorized, Paid)
                | (Authorized, PaymentFailed)
                | (Authorized, Canceled)
                | (Paid, Fulfilled)
                | (Paid, Refunded)
                | (Fulfilled, Refunded)
        )
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

/// Who takes the order's payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentProvider {
    Square,
    /// Nothing to charge: an order whose total is 0 never reaches a gateway.
    None,
}

impl PaymentProvider {
    pub const ALL: [Self; 2] = [Self::Square, Self::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Square => "square",
            Self::None => "none",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// Where the order's money stands at the provider, in Square's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentState {
    /// Not authorized yet (or the answer was lost: the job finds out).
    Pending,
    /// Authorized, held on the card until captured or voided.
    Approved,
    Completed,
    /// The authorization was voided: nothing was taken.
    Canceled,
    /// Declined: nothing was taken.
    Failed,
    Refunded,
    /// Nothing to charge.
    NotRequired,
}

impl PaymentState {
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::Approved,
        Self::Completed,
        Self::Canceled,
        Self::Failed,
        Self::Refunded,
        Self::NotRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Approved => "APPROVED",
            Self::Completed => "COMPLETED",
            Self::Canceled => "CANCELED",
            Self::Failed => "FAILED",
            Self::Refunded => "REFUNDED",
            Self::NotRequired => "NOT_REQUIRED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

impl From<crate::payment::PaymentStatus> for PaymentState {
    fn from(status: crate::payment::PaymentStatus) -> Self {
        use crate::payment::PaymentStatus as S;
        match status {
            S::Approved => Self::Approved,
            S::Completed => Self::Completed,
            S::Canceled => Self::Canceled,
            S::Failed => Self::Failed,
        }
    }
}

/// Who caused a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    User(UserId),
    System,
    PaymentProvider,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Self::User(id) => format!("user:{id}"),
            Self::System => "system".into(),
            Self::PaymentProvider => "square".into(),
        }
    }

    /// The actor a [`Self::label`] names.
    pub fn parse(label: &str) -> Option<Self> {
        match label {
            "system" => Some(Self::System),
            "square" => Some(Self::PaymentProvider),
            other => other
                .strip_prefix("user:")
                .filter(|id| !id.is_empty())
                .map(|id| Self::User(UserId::new(id))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub product_id: ProductId,
    /// Snapshots taken at placement: later catalog edits do not change them.
    pub sku: String,
    pub name: String,
    pub unit_price: Decimal,
    pub quantity: u32,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

impl From<&crate::pricing::QuoteLine> for OrderLine {
    /// The snapshot a placed order keeps of a priced line.
    fn from(l: &crate::pricing::QuoteLine) -> Self {
        Self {
            product_id: l.product_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            unit_price: l.unit_price,
            quantity: l.quantity,
            subtotal: l.subtotal,
            discount: l.discount,
            tax: l.tax,
            total: l.total,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInfo {
    pub provider: PaymentProvider,
    pub payment_id: Option<String>,
    pub status: PaymentState,
    /// Square's card-decline code or similar, when there was one.
    pub failure_code: Option<String>,
    /// When an uncaptured authorization lapses at the provider.
    pub authorization_expires_at: Option<DateTime<Utc>>,
}

/// The customer-facing number of the `seq`-th order ("SO-000042"): every
/// store numbers its orders this way.
pub fn order_number(seq: u64) -> String {
    format!("SO-{seq:06}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    /// Human-facing, unique, assigned by the store ("SO-000042").
    pub number: String,
    pub user_id: UserId,
    pub customer_email: crate::account::Email,
    pub quote_id: QuoteId,
    pub status: OrderStatus,
    pub created_at: DateTime<Utc>,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub subtotal: Decimal,
    pub discount_total: Decimal,
    pub tax_total: Decimal,
    pub shipping_total: Decimal,
    pub total: Decimal,
    pub promo_code: Option<String>,
    pub tax_exemption: Option<TaxExemption>,
    pub ship_to: Address,
    /// The card nonce, kept so a lost authorization can be replayed with the
    /// same idempotency key (a nonce is single-use and worthless afterwards).
    pub payment_source_id: String,
    pub payment: PaymentInfo,
    pub history: Vec<HistoryEntry>,
    /// Raised when the workflow keeps failing or stopped; admins were told.
    /// Cleared by the next status change or a requeue.
    pub alert: Option<OrderAlert>,
}

/// Something about an open order a person must look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAlert {
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl Order {
    pub fn is_tax_exempt(&self) -> bool {
        self.tax_exemption.is_some()
    }

    /// The one way to change an order's status: checked against the
    /// lifecycle ([`OrderStatus::can_become`]), from the status this copy of
    /// the order is in (the store applies it only if the order is still
    /// there), with no effect but the history entry (and the alert cleared
    /// when the order closes) until the caller adds some.
    pub fn change_to(
        &self,
        next: OrderStatus,
        by: Actor,
        at: DateTime<Utc>,
        note: Option<String>,
    ) -> Result<StatusChange, DomainError> {
        if !self.status.can_become(next) {
            return Err(DomainError::InvalidOrderState {
                current: self.status.as_str().into(),
                action: next.verb(),
            });
        }
        Ok(StatusChange {
            from: self.status,
            entry: HistoryEntry {
                status: next,
                at,
                by,
                note,
            },
            effects: TransitionEffects::default(),
        })
    }

    /// Whether nothing is left to charge.
    pub fn is_free(&self) -> bool {
        self.total.is_zero()
    }
}

impl OrderStatus {
    /// What moving into this status is called, for error messages.
    pub fn verb(self) -> &'static str {
        match self {
            Self::PendingPayment => "reopen",
            Self::Authorized => "authorize",
            Self::Paid => "mark paid",
            Self::Fulfilled => "fulfill",
            Self::PaymentFailed => "fail",
            Self::Canceled => "cancel",
            Self::Refunded => "refund",
        }
    }
}

/// A checked status change: only [`Order::change_to`] makes one, so every
/// change the stores apply follows the lifecycle. The store moves the order
/// from [`Self::from`] (compare-and-set: `InvalidOrderState` when the order
/// is no longer there), appends [`Self::entry`] and applies
/// [`Self::effects`], all in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    from: OrderStatus,
    entry: HistoryEntry,
    effects: TransitionEffects,
}

impl StatusChange {
    pub fn from(&self) -> OrderStatus {
        self.from
    }

    pub fn to(&self) -> OrderStatus {
        self.entry.status
    }

    pub fn entry(&self) -> &HistoryEntry {
        &self.entry
    }

    pub fn effects(&self) -> &TransitionEffects {
        &self.effects
    }

    pub fn with_payment(mut self, payment: PaymentInfo) -> Self {
        self.effects.payment = Some(payment);
        self
    }

    pub fn with_mails(mut self, mails: Vec<MailMessage>) -> Self {
        self.effects.mails = mails;
        self
    }

    pub fn audited(mut self, entry: crate::audit::AuditEntry) -> Self {
        self.effects.audit.push(entry);
        self
    }

    pub fn waking_the_job(mut self) -> Self {
        self.effects.wake_job = true;
        self
    }

    /// Gives back what the order held: its stock (as `movements`), its
    /// promotion use and its quote.
    pub fn releasing(mut self, movements: Vec<StockMovement>, promo_code: Option<String>) -> Self {
        self.effects.stock = movements;
        self.effects.return_promotion = promo_code;
        self.effects.release_quote = true;
        self
    }
}

/// An order about to be written, without the number the store assigns.
/// Writing it spends its quote: a quote already spent on a live order is
/// refused with [`DomainError::QuoteUsed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub order: Order,
    pub idempotency: Option<IdempotencyRecord>,
    /// The finalization job, written in the same transaction.
    pub job: Job,
    /// The reservation: one negative movement per product, applied only if
    /// no stock goes below zero.
    pub stock: Vec<StockMovement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub user_id: UserId,
    pub key: String,
    /// SHA-256 of the request body as the client meant it.
    pub fingerprint: String,
    pub order_id: OrderId,
}

/// What a transition does besides changing the status and clearing the
/// order's alert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionEffects {
    /// Stock given back, as movements to apply and record.
    pub stock: Vec<StockMovement>,
    /// The promotion whose use is given back (one use fewer, never below 0).
    pub return_promotion: Option<String>,
    /// Unspend the order's quote, so it may be placed again.
    pub release_quote: bool,
    pub payment: Option<PaymentInfo>,
    /// Make the order's finalization job due now.
    pub wake_job: bool,
    /// Mails the change causes, recorded in the outbox (with their delivery
    /// jobs) in the same transaction; ids already recorded are kept.
    pub mails: Vec<MailMessage>,
    /// Audit entries of the change (an admin's), appended in the same
    /// transaction.
    pub audit: Vec<crate::audit::AuditEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub user_id: Option<UserId>,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// In one transaction: reserve every line's quantity (refusing with
    /// [`DomainError::InsufficientStock`] rather than going below zero),
    /// redeem the promotion (refusing with [`DomainError::InvalidPromotion`]
    /// when it is used up), record the idempotency key (refusing with
    /// [`DomainError::IdempotencyKeyReused`] when the (user, key) exists),
    /// assign the number, and write the order, its history and its job.
    async fn create(&self, new: &NewOrder) -> Result<Order, DomainError>;
    async fn get(&self, id: &OrderId) -> Result<Option<Order>, DomainError>;
    async fn find_idempotency(
        &self,
        user_id: &UserId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, DomainError>;
    /// Applies a checked [`StatusChange`]: moves the order from
    /// `change.from()` (compare-and-set: [`DomainError::InvalidOrderState`]
    /// when it is no longer in it), appends the entry, applies the effects
    /// and, when the order leaves the open statuses, clears its alert, all
    /// at once. An order that stays open keeps its alert: the alert may say
    /// its finalization is dead, which a checkout's late authorization does
    /// not mend.
    async fn transition(&self, id: &OrderId, change: &StatusChange) -> Result<Order, DomainError>;
    /// Appends a history entry without a status change (a note for admins,
    /// such as the finalization giving up).
    async fn add_note(&self, id: &OrderId, entry: &HistoryEntry) -> Result<(), DomainError>;
    /// Raises the order's alert unless one is up: sets it, appends `note`
    /// and records `mails`, at once. `false` (and nothing written) when an
    /// alert was already raised.
    async fn raise_alert(
        &self,
        id: &OrderId,
        alert: &OrderAlert,
        note: &HistoryEntry,
        mails: &[MailMessage],
    ) -> Result<bool, DomainError>;
    /// An admin's retry of the finalization, all at once: the job `job.id`
    /// runs again, due at `note.at`, as [`crate::jobs::JobQueue::requeue`]
    /// leaves it (see [`Job::requeued`]; a missing one is inserted as
    /// `job`), the order's alert is cleared, `note` appended and `audit`
    /// recorded. The job as it then stands; `NotFound` (and nothing
    /// written) for a missing order.
    async fn requeue_finalization(
        &self,
        id: &OrderId,
        job: &Job,
        note: &HistoryEntry,
        audit: &[crate::audit::AuditEntry],
    ) -> Result<Job, DomainError>;
    /// Up to `limit` orders in one of `statuses`, oldest first: what the
    /// sweeper looks at.
    async fn list_in(
        &self,
        statuses: &[OrderStatus],
        limit: usize,
    ) -> Result<Vec<Order>, DomainError>;
    /// The order whose payment has this provider id, if any.
    async fn find_by_payment_id(&self, payment_id: &str) -> Result<Option<Order>, DomainError>;
    /// Newest first.
    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError>;
}
