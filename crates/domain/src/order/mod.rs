//! Orders: placement from a quote, the payment lifecycle and its history.

mod model;
pub(crate) mod service;

pub use model::{
    Actor, HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderFilter, OrderLine, OrderStatus,
    OrderStore, PaymentInfo, TransitionEffects,
};
pub use service::{CHECKOUT_GRACE, OrderService, PlaceOrderRequest};

#[cfg(test)]
mod tests;
