use chrono::Duration;

use crate::account::{BackoffPolicy, Email};
use crate::money::{Currency, Rounding};

/// Shop-wide settings the services need; built by the composition root from
/// configuration.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    pub shop_name: String,
    pub shop_address: String,
    pub currency: Currency,
    pub rounding: Rounding,
    pub quote_ttl: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Who receives the new-order notice; empty means the active admins.
    pub admin_notify: Vec<Email>,
    pub mail_from: Email,
    /// How failed sign-ins of one address back off.
    pub login_backoff: BackoffPolicy,
    /// Customers must verify their address before ordering or submitting a
    /// business profile.
    pub require_email_verification: bool,
    /// The web app's base URL (no trailing slash), for links in mails.
    pub public_url: String,
}

impl ShopSettings {
    pub fn embedded_defaults() -> Self {
        Self {
            shop_name: "Shop".into(),
            shop_address: String::new(),
            currency: Currency::usd(),
            rounding: Rounding::HalfEven,
            quote_ttl: Duration::minutes(15),
            access_token_ttl: Duration::minutes(15),
            refresh_token_ttl: Duration::days(30),
            admin_notify: Vec::new(),
            mail_from: Email::trusted("shop@localhost"),
            login_backoff: BackoffPolicy::default(),
            require_email_verification: true,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}
