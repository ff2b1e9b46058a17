//! The stock ledger: every change of a product's stock is a movement (how
//! many, why, by whom, when), applied and recorded at once, so the
//! movements of a product sum to its stock and nothing ever overwrites a
//! count that orders have moved.

use chrono::{DateTime, Utc};

use super::MAX_STOCK;
use crate::error::Validator;
use crate::ids::{OrderId, ProductId, StockMovementId};
use crate::order::{Actor, Order};
use crate::{DomainError, IdGenerator};

/// Why the stock moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StockMovementKind {
    /// The count a product was created with (or had when the ledger began).
    Initial,
    /// An admin's correction: goods received, damaged, counted.
    Adjustment,
    /// Held for an order at placement.
    OrderReserved,
    /// Given back by an order that was canceled or whose payment failed.
    OrderReleased,
}

impl StockMovementKind {
    pub const ALL: [Self; 4] = [
        Self::Initial,
        Self::Adjustment,
        Self::OrderReserved,
        Self::OrderReleased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Adjustment => "adjustment",
            Self::OrderReserved => "order_reserved",
            Self::OrderReleased => "order_released",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// One change of one product's stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockMovement {
    /// Time-ordered, so newest first is largest id first.
    pub id: StockMovementId,
    pub product_id: ProductId,
    /// Units added (positive) or taken (negative); never 0.
    pub delta: i64,
    pub kind: StockMovementKind,
    /// An admin's words for an adjustment.
    pub reason: Option<String>,
    pub order_id: Option<OrderId>,
    pub by: Actor,
    pub at: DateTime<Utc>,
    /// The stock once applied; set by the store.
    pub stock_after: Option<u32>,
}

/// The largest adjustment one request may make, either way.
pub const MAX_STOCK_DELTA: i64 = MAX_STOCK as i64;

/// An admin's request to correct a product's stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAdjustment {
    pub delta: i64,
    pub reason: String,
}

impl StockAdjustment {
    pub fn validated(&self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        v.check(
            self.delta != 0 && self.delta.abs() <= MAX_STOCK_DELTA,
            "delta",
            "must be a whole number of units other than 0, at most 1000000000 either way",
        );
        let reason = self.reason.trim().to_string();
        v.check(
            !reason.is_empty()
                && reason.chars().count() <= 200
                && !reason.chars().any(char::is_control),
            "reason",
            "must be 1..=200 characters without control characters",
        );
        v.finish()?;
        Ok(Self {
            delta: self.delta,
            reason,
        })
    }
}

impl StockMovement {
    /// The movements that hold (or, with `give_back`, release) an order's
    /// quantities: one per product, in product order.
    pub fn for_order(
        order: &Order,
        give_back: bool,
        by: Actor,
        at: DateTime<Utc>,
        ids: &dyn IdGenerator,
    ) -> Vec<Self> {
        let mut per_product: std::collections::BTreeMap<&ProductId, i64> = Default::default();
        for line in &order.lines {
            *per_product.entry(&line.product_id).or_default() += i64::from(line.quantity);
        }
        per_product
            .into_iter()
            .map(|(product_id, quantity)| Self {
                id: StockMovementId::new(ids.new_id()),
                product_id: product_id.clone(),
                delta: if give_back { quantity } else { -quantity },
                kind: if give_back {
                    StockMovementKind::OrderReleased
                } else {
                    StockMovementKind::OrderReserved
                },
                reason: None,
                order_id: Some(order.id.clone()),
                by: by.clone(),
                at,
                stock_after: None,
            })
            .collect()
    }

    /// The stock after applying this movement to `stock`, if allowed: the
    /// rule every store applies. Never below zero; an admin's movement never
    /// above [`MAX_STOCK`], while stock an order gives back always returns.
    pub fn apply_to(&self, stock: u32) -> Option<u32> {
        let next = u32::try_from(i64::from(stock).checked_add(self.delta)?).ok()?;
        self.max_after()
            .is_none_or(|max| next <= max)
            .then_some(next)
    }

    /// The most stock this movement may leave (`None`: no limit but the
    /// counter's), for stores that apply it as one conditional update.
    pub fn max_after(&self) -> Option<u32> {
        let capped = matches!(
            self.kind,
            StockMovementKind::Initial | StockMovementKind::Adjustment
        );
        (capped && self.delta > 0).then_some(MAX_STOCK)
    }
}
