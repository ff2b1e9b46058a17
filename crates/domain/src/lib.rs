//! The shop's domain: value types, rules, services and the ports (traits) that
//! adapters implement. Nothing here performs I/O; time comes from [`Clock`],
//! ids and secrets from [`IdGenerator`].

pub mod account;
pub mod audit;
pub mod business;
pub mod catalog;
pub mod contact;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod money;
pub mod order;
pub mod page;
pub mod payment;
pub mod pricing;
pub mod settings;
pub mod stores;
pub mod system;

#[cfg(test)]
pub(crate) mod test_support;

pub use error::{DomainError, FieldError, StoreError};
pub use money::{Currency, Money};
pub use page::{Page, PageRequest};
pub use stores::{RelationalStore, Stores};
pub use system::{Clock, IdGenerator};
