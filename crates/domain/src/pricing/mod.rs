//! Server-side pricing: quotes from carts, promotions and the tax table.

mod model;
mod price;
mod service;

pub use model::{
    CartLine, NewPromotion, Promotion, PromotionKind, PromotionRefusal, PromotionStore, Quote,
    QuoteLine, QuoteStore, TaxRate, TaxRateStore, normalise_code,
};
#[cfg(test)]
pub(crate) use model::{MockPromotionStore, MockQuoteStore, MockTaxRateStore};
pub use price::{PricedCart, PricingInput, price_cart};
pub use service::{PricingPorts, PricingService, QuoteRequest};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
