//! Categories and products.

mod model;
mod service;
mod stock;

pub use model::{
    CatalogStore, Category, MAX_STOCK, NewCategory, NewProduct, Product, ProductFilter,
    ProductPatch,
};
pub use service::{CatalogPorts, CatalogService};
pub use stock::{MAX_STOCK_DELTA, StockAdjustment, StockMovement, StockMovementKind};

#[cfg(test)]
mod tests;
