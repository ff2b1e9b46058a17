//! Categories and products.

mod model;
mod service;
mod stock;

#[cfg(test)]
pub(crate) use model::MockCatalogStore;
pub use model::{
    CatalogStore, Category, MAX_STOCK, NewCategory, NewProduct, Product, ProductFilter,
    ProductPatch,
};
pub use service::{CatalogPorts, CatalogService};
pub use stock::{MAX_STOCK_DELTA, StockAdjustment, StockMovement, StockMovementKind};

#[cfg(test)]
mod tests;
