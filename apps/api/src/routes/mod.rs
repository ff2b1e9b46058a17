//! HTTP routes, one module per area. Handlers only translate: request DTO ->
//! service call -> response DTO; every rule lives in the domain.

use actix_web::web;

use crate::state::AppState;

pub mod account_links;
pub mod admin_audit;
pub mod admin_businesses;
pub mod admin_catalog;
pub mod admin_contact;
pub mod admin_mail;
pub mod admin_mailbox;
pub mod admin_orders;
pub mod admin_pricing;
pub mod admin_simulator;
pub mod admin_users;
pub mod auth;
pub mod business;
pub mod catalog;
pub mod checkout;
pub mod contact;
pub mod health;
pub mod jwks;
pub mod me;
pub mod orders;
pub mod webhooks;

pub type State = web::Data<AppState>;

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    jwks::configure(cfg);
    auth::configure(cfg);
    account_links::configure(cfg);
    me::configure(cfg);
    business::configure(cfg);
    catalog::configure(cfg);
    checkout::configure(cfg);
    orders::configure(cfg);
    contact::configure(cfg);
    webhooks::configure(cfg);
    admin_users::configure(cfg);
    admin_businesses::configure(cfg);
    admin_catalog::configure(cfg);
    admin_pricing::configure(cfg);
    admin_orders::configure(cfg);
    admin_contact::configure(cfg);
    admin_audit::configure(cfg);
    admin_mail::configure(cfg);
    admin_mailbox::configure(cfg);
    admin_simulator::configure(cfg);
}
