//! Server-side pricing: quotes from carts, promotions and the tax table.

mod model;
mod price;
mod service;

pub use model::{
    CartLine, NewPromotion, Promotion, PromotionKind, PromotionStore, Quote, QuoteLine, QuoteStore,
    TaxRate, TaxRateStore,
};
pub use price::{PricedCart, PricingInput, price_cart};
pub use service::{PricingPorts, PricingService, QuoteRequest};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
