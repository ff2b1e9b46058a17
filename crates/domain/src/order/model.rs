use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::business::{Address, TaxExemption};
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

    /// The transitions the lifecycle allows.
    pub fn can_become(self, next: Self) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (PendingPayment, Authorized)
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

    /// States in which the order holds stock and money may still move.
    pub fn is_open(self) -> bool {
        matches!(self, Self::PendingPayment | Self::Authorized)
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
    pub provider: String,
    pub payment_id: Option<String>,
    /// The provider's own status word (APPROVED, COMPLETED, ...).
    pub status: String,
    /// Square's card-decline code or similar, when there was one.
    pub failure_code: Option<String>,
    /// When an uncaptured authorization lapses at the provider.
    pub authorization_expires_at: Option<DateTime<Utc>>,
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
}

impl Order {
    pub fn is_tax_exempt(&self) -> bool {
        self.tax_exemption.is_some()
    }
}

/// An order about to be written, without the number the store assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub order: Order,
    pub idempotency: Option<IdempotencyRecord>,
    /// The finalization job, written in the same transaction.
    pub job: Job,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub user_id: UserId,
    pub key: String,
    /// SHA-256 of the request body as the client meant it.
    pub fingerprint: String,
    pub order_id: OrderId,
}

/// What a transition does besides changing the status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionEffects {
    /// Give the reserved quantities back to stock.
    pub release_stock: bool,
    pub payment: Option<PaymentInfo>,
    /// Make the order's finalization job due now.
    pub wake_job: bool,
    /// Mails the change causes, recorded in the outbox (with their delivery
    /// jobs) in the same transaction; ids already recorded are kept.
    pub mails: Vec<MailMessage>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub user_id: Option<UserId>,
}

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
    /// Compare-and-set on the status: moves the order from one of `from` to
    /// `entry.status`, appends `entry` and applies `effects`, all at once.
    /// Fails with [`DomainError::InvalidOrderState`] when the order is in no
    /// state of `from`.
    async fn transition(
        &self,
        id: &OrderId,
        from: &[OrderStatus],
        entry: &HistoryEntry,
        effects: &TransitionEffects,
    ) -> Result<Order, DomainError>;
    /// Records the payment details without a status change.
    async fn set_payment(&self, id: &OrderId, payment: &PaymentInfo) -> Result<(), DomainError>;
    /// Appends a history entry without a status change (a note for admins,
    /// such as the finalization giving up).
    async fn add_note(&self, id: &OrderId, entry: &HistoryEntry) -> Result<(), DomainError>;
    /// The order whose payment has this provider id, if any.
    async fn find_by_payment_id(&self, payment_id: &str) -> Result<Option<Order>, DomainError>;
    /// Newest first.
    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, DomainError>;
}
