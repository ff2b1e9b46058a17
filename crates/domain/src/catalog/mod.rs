//! Categories and products.

mod model;
mod service;

pub use model::{
    CatalogStore, Category, NewCategory, NewProduct, Product, ProductFilter, ProductPatch,
};
pub use service::CatalogService;

#[cfg(test)]
mod tests;
