//! Request and response bodies, mapped from and to domain types.

pub mod account;
pub mod admin;
pub mod audit;
pub mod business;
pub mod catalog;
pub mod checkout;
pub mod common;
pub mod contact;
pub mod mailbox;
pub mod order;
pub mod outbox;
