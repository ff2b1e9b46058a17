//! Server-side pricing: quotes from carts, promotions and the tax table.

mod model;
mod price;
mod service;

pub use model::{
    CartLine, NewPromotion, PromotionKind, Promotion, PromotionStore, Quote, QuoteLine, QuoteStore,
    TaxRate, TaxRateStore,
};
pub use price::{price_cart, PricingInput, PricedCart};
pub use service::{PricingService, QuoteRequest};
