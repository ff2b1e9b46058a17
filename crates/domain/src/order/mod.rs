//! Orders: placement from a quote, the payment lifecycle and its history.

mod model;
pub(crate) mod service;
pub(crate) mod settle;

#[cfg(test)]
pub(crate) use model::MockOrderStore;
pub use model::{
    Actor, HistoryEntry, IdempotencyRecord, NewOrder, Order, OrderAlert, OrderFilter, OrderLine,
    OrderStatus, OrderStore, PaymentInfo, PaymentProvider, PaymentState, StatusChange,
    TransitionEffects, order_number,
};
pub use service::{CHECKOUT_GRACE, OrderPorts, OrderService, PlaceOrderRequest, Placed, Placement};
pub use settle::SettlePorts;

#[cfg(test)]
mod tests;
