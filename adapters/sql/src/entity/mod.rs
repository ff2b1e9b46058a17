//! sea-orm entities, one per table of `shop-migrations`. They are the
//! adapter's private row types: the ports map them to domain values.

pub mod account_tokens;
pub mod audit_log;
pub mod business_profiles;
pub mod categories;
pub mod contact_messages;
pub mod idempotency_keys;
pub mod jobs;
pub mod login_throttle;
pub mod mail_outbox;
pub mod order_history;
pub mod order_lines;
pub mod order_numbers;
pub mod orders;
pub mod payment_events;
pub mod products;
pub mod promotions;
pub mod quotes;
pub mod refresh_sessions;
pub mod refresh_tokens;
pub mod simulator_creates;
pub mod simulator_payments;
pub mod simulator_refunds;
pub mod stock_movements;
pub mod tax_rates;
pub mod users;
