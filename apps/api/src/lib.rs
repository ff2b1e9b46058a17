//! `shop-api`: the shop's REST API (actix-web). Wiring and transport only:
//! every rule lives in `shop-domain`.

pub mod app;
pub mod auth;
pub mod dto;
pub mod openapi;
pub mod payload;
pub mod problem;
pub mod ratelimit;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod webapp;

pub use app::Application;
pub use shop_bootstrap::{Config, StartupError, config};
