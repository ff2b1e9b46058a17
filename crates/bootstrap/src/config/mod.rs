//! What a shop process is told: every setting of [`crate::table`], read
//! through [`shop_settings`] from the environment over the optional
//! `SHOP_CONFIG` file. Unset (or empty) means the default, which gives the
//! embedded shape (one process, a SQLite file, the Square simulator, a file
//! mailbox, the worker loop inside the API). A bad value stops start-up with
//! one line naming the setting. The adapters read their own settings; this
//! module picks which adapters and reads the rest.

mod choices;
mod proxy;
mod shop;
#[cfg(test)]
mod tests;

use std::net::ToSocketAddrs;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use shop_domain::Currency;
use shop_domain::account::Email;
use shop_domain::jobs::RetryPolicy;
use shop_domain::money::Rounding;
use shop_settings::{Layers, SettingError, Source};
use shop_square::webhook::WebhookSettings;
use tracing_subscriber::EnvFilter;

pub use choices::{
    AccountsChoice, DatabaseChoice, DatabaseUrl, LogFormat, MailChoice, PaymentsChoice, TokenKeys,
    WorkerMode,
};
pub use proxy::{IpRange, TrustedProxies, canonical as canonical_ip};
pub use shop::AdminBootstrap;
pub use shop_settings::SettingError as ConfigError;

/// Where `npm run build` in apps/web puts the app, relative to the repository root.
pub const DEFAULT_WEB_DIR: &str = "apps/web/dist/shop-web/browser";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    pub login_per_minute: NonZeroU32,
    pub register_per_minute: NonZeroU32,
    pub contact_per_minute: NonZeroU32,
    /// Password changes per minute per user.
    pub password_change_per_minute: NonZeroU32,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The accounts store (`SHOP_ACCOUNTS`).
    pub accounts: AccountsChoice,
    /// The payment gateway (`SHOP_PAYMENTS`).
    pub payments: PaymentsChoice,
    /// Square webhook verification (`None`: every notification is refused).
    pub square_webhook: Option<WebhookSettings>,
    /// The mail transport (`SHOP_MAIL`).
    pub mail: MailChoice,
    pub bind: String,
    pub data_dir: PathBuf,
    pub database: DatabaseChoice,
    pub database_pool: shop_sql::PoolOptions,
    pub currency: Currency,
    pub rounding: Rounding,
    pub shop_name: String,
    pub shop_address: String,
    pub mail_from: Email,
    pub admin_notify: Vec<Email>,
    pub admin: Option<AdminBootstrap>,
    /// Customers verify their address before ordering (`SHOP_REQUIRE_EMAIL_VERIFICATION`).
    pub require_email_verification: bool,
    /// The web app's base URL for links in mails (`SHOP_PUBLIC_URL`).
    pub public_url: String,
    /// Access-token keys (`SHOP_JWT_KEY_DIR`, `SHOP_JWT_JWKS_URL`, `SHOP_JWT_SECRET`).
    pub token_keys: TokenKeys,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_seconds: i64,
    pub quote_ttl_seconds: i64,
    pub rate_limits: RateLimitConfig,
    /// Per-address sign-in back-off.
    pub login_backoff: shop_domain::account::BackoffPolicy,
    /// Concurrent password hashes, and how many may wait.
    pub password_hash_concurrency: usize,
    pub password_hash_queue: usize,
    /// Peers whose `X-Forwarded-For` is believed (`SHOP_TRUST_PROXY`).
    pub trust_proxy: TrustedProxies,
    pub body_limit_bytes: usize,
    pub worker: WorkerMode,
    pub worker_poll: Duration,
    /// How long a worker holds a claimed job before another may take it.
    pub worker_lease: Duration,
    /// Failed attempts after which a job is buried for an admin.
    pub worker_max_attempts: u32,
    /// Retry budgets, alerts and the void margin of the jobs.
    pub retry_policy: RetryPolicy,
    /// How often the worker looks for stranded open orders.
    pub sweep_interval: Duration,
    /// Directory of the built web app served at `/` (absent: not served).
    pub web_dir: PathBuf,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// `SHOP_*` variables that were set but mean nothing to the shop.
    pub unknown_variables: Vec<String>,
}

impl Config {
    /// Reads the process environment (and the `SHOP_CONFIG` file it names).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_layers(&Layers::from_process(&crate::table::all())?)
    }

    /// Reads `layers`, listing the variables no setting has.
    pub fn from_layers(layers: &Layers) -> Result<Self, ConfigError> {
        let mut config = Self::from_lookup(&|name| layers.lookup(name))?;
        // Square's own variables may share the environment (the SDKs and the
        // sandbox tools read SQUARE_*, some wrappers SHOP_SQUARE_*): not typos.
        config.unknown_variables = layers
            .unknown(&crate::table::all())
            .into_iter()
            .filter(|k| !k.starts_with("SHOP_SQUARE_"))
            .collect();
        Ok(config)
    }

    /// Reads the settings through `lookup` (a setting's name to its value).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let src = Source::new(lookup);

        let bind = src.string("SHOP_BIND", "127.0.0.1:8080");
        if !bind
            .to_socket_addrs()
            .is_ok_and(|mut addrs| addrs.next().is_some())
        {
            return Err(SettingError::new(
                "SHOP_BIND",
                format!("{bind:?} is not a host:port address"),
            ));
        }
        let data_dir = PathBuf::from(src.string("SHOP_DATA_DIR", "var"));
        let database = DatabaseChoice::from_settings(&src, &data_dir)?;
        let database_pool = shop_sql::PoolOptions::from_settings(&src)?;
        let accounts = AccountsChoice::from_settings(&src)?;
        let payments = PaymentsChoice::from_settings(&src)?;
        let mail = MailChoice::from_settings(&src)?;
        let square_webhook = WebhookSettings::from_settings(&src)?;
        let worker = WorkerMode::from_settings(&src)?;
        let shop = shop::ShopConfig::from_settings(&src)?;
        let token_keys = TokenKeys::from_settings(&src, &data_dir)?;

        let rate_limits = RateLimitConfig {
            login_per_minute: per_minute(&src, "SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", 10)?,
            register_per_minute: per_minute(&src, "SHOP_RATE_LIMIT_REGISTER_PER_MINUTE", 5)?,
            contact_per_minute: per_minute(&src, "SHOP_RATE_LIMIT_CONTACT_PER_MINUTE", 5)?,
            password_change_per_minute: per_minute(
                &src,
                "SHOP_RATE_LIMIT_PASSWORD_CHANGE_PER_MINUTE",
                5,
            )?,
        };
        let login_backoff = login_backoff(&src)?;
        let cpus = u32::try_from(shop_crypto::cpus())
            .unwrap_or(1024)
            .clamp(1, 1024);
        let default_permits = u32::try_from(shop_crypto::default_hash_permits())
            .unwrap_or(1)
            .clamp(1, 1024);
        let password_hash_concurrency =
            src.count("SHOP_PASSWORD_HASH_CONCURRENCY", default_permits, 1..=1024)? as usize;
        let password_hash_queue =
            src.count("SHOP_PASSWORD_HASH_QUEUE", 4 * cpus, 0..=100_000)? as usize;
        let trust_proxy = TrustedProxies::from_settings(&src)?;
        let body_limit_bytes =
            usize::try_from(src.count("SHOP_BODY_LIMIT_BYTES", 65_536, 1024..=16 * 1024 * 1024)?)
                .map_err(|_| SettingError::new("SHOP_BODY_LIMIT_BYTES", "is too large"))?;

        let worker_poll = src.millis("SHOP_WORKER_POLL_MS", 250, 10..=60_000)?;
        let worker_lease = src.seconds("SHOP_WORKER_LEASE_SECONDS", 60, 1..=3600)?;
        let worker_max_attempts = src.count("SHOP_WORKER_MAX_ATTEMPTS", 12, 1..=100)?;
        let retry_policy = retry_policy(&src, worker_max_attempts)?;
        let sweep_interval = src.seconds("SHOP_SWEEP_INTERVAL_SECONDS", 300, 1..=86_400)?;

        let web_dir = PathBuf::from(src.string("SHOP_WEB_DIR", DEFAULT_WEB_DIR));
        let log_filter = src.string("SHOP_LOG", "info");
        if let Err(e) = EnvFilter::try_new(&log_filter) {
            return Err(SettingError::new(
                "SHOP_LOG",
                format!("{log_filter:?} is not a valid filter: {e}"),
            ));
        }
        let log_format = match src
            .choice("SHOP_LOG_FORMAT", "text", &["text", "json"])?
            .as_str()
        {
            "json" => LogFormat::Json,
            _ => LogFormat::Text,
        };

        Ok(Self {
            accounts,
            payments,
            square_webhook,
            mail,
            bind,
            data_dir,
            database,
            database_pool,
            currency: shop.currency,
            rounding: shop.rounding,
            shop_name: shop.shop_name,
            shop_address: shop.shop_address,
            mail_from: shop.mail_from,
            admin_notify: shop.admin_notify,
            admin: shop.admin,
            require_email_verification: shop.require_email_verification,
            public_url: shop.public_url,
            token_keys,
            jwt_issuer: src.string("SHOP_JWT_ISSUER", "shop"),
            jwt_audience: src.string("SHOP_JWT_AUDIENCE", "shop-api"),
            access_token_ttl_seconds: src.int("SHOP_ACCESS_TOKEN_TTL_SECONDS", 900, 1..=86_400)?,
            refresh_token_ttl_seconds: src.int(
                "SHOP_REFRESH_TOKEN_TTL_SECONDS",
                2_592_000,
                1..=31_536_000,
            )?,
            quote_ttl_seconds: src.int("SHOP_QUOTE_TTL_SECONDS", 900, 1..=86_400)?,
            rate_limits,
            login_backoff,
            password_hash_concurrency,
            password_hash_queue,
            trust_proxy,
            body_limit_bytes,
            worker,
            worker_poll,
            worker_lease,
            worker_max_attempts,
            retry_policy,
            sweep_interval,
            web_dir,
            log_filter,
            log_format,
            unknown_variables: Vec::new(),
        })
    }

    /// The shop-wide settings the domain services take.
    pub fn shop_settings(&self) -> shop_domain::settings::ShopSettings {
        use chrono::Duration as Span;
        shop_domain::settings::ShopSettings {
            shop_name: self.shop_name.clone(),
            shop_address: self.shop_address.clone(),
            currency: self.currency.clone(),
            rounding: self.rounding,
            quote_ttl: Span::seconds(self.quote_ttl_seconds),
            access_token_ttl: Span::seconds(self.access_token_ttl_seconds),
            refresh_token_ttl: Span::seconds(self.refresh_token_ttl_seconds),
            admin_notify: self.admin_notify.clone(),
            mail_from: self.mail_from.clone(),
            login_backoff: self.login_backoff,
            require_email_verification: self.require_email_verification,
            public_url: self.public_url.clone(),
        }
    }
}

/// `SHOP_LOGIN_FAILURES_BEFORE_BACKOFF`, `SHOP_LOGIN_BACKOFF_BASE_SECONDS`
/// and `SHOP_LOGIN_BACKOFF_MAX_SECONDS`.
pub fn login_backoff(
    src: &Source<'_>,
) -> Result<shop_domain::account::BackoffPolicy, SettingError> {
    let failures = src.count("SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", 5, 1..=1000)?;
    let base = src.int("SHOP_LOGIN_BACKOFF_BASE_SECONDS", 1, 1..=3600)?;
    let max = src.int("SHOP_LOGIN_BACKOFF_MAX_SECONDS", 900, 1..=86_400)?;
    if max < base {
        return Err(SettingError::new(
            "SHOP_LOGIN_BACKOFF_MAX_SECONDS",
            format!("{max} is below SHOP_LOGIN_BACKOFF_BASE_SECONDS ({base})"),
        ));
    }
    Ok(shop_domain::account::BackoffPolicy {
        failures_before_backoff: failures,
        base_delay: chrono::Duration::seconds(base),
        max_delay: chrono::Duration::seconds(max),
    })
}

fn per_minute(
    src: &Source<'_>,
    name: &'static str,
    default: u32,
) -> Result<NonZeroU32, SettingError> {
    NonZeroU32::new(src.count(name, default, 1..=100_000)?)
        .ok_or_else(|| SettingError::new(name, "must be between 1 and 100000"))
}

fn retry_policy(src: &Source<'_>, max_attempts: u32) -> Result<RetryPolicy, SettingError> {
    use chrono::Duration as Span;
    Ok(RetryPolicy {
        max_attempts,
        backoff_cap: Span::milliseconds(src.int(
            "SHOP_WORKER_BACKOFF_MAX_MS",
            600_000,
            100..=3_600_000,
        )?),
        alert_after: src.count("SHOP_PAYMENT_ALERT_AFTER", 10, 1..=1000)?,
        void_margin: Span::seconds(src.int(
            "SHOP_PAYMENT_VOID_MARGIN_SECONDS",
            21_600,
            1..=518_400,
        )?),
        mail_slow_retry: Span::seconds(src.int(
            "SHOP_MAIL_SLOW_RETRY_SECONDS",
            3600,
            1..=86_400,
        )?),
        mail_give_up_after: Span::hours(src.int("SHOP_MAIL_GIVE_UP_AFTER_HOURS", 168, 72..=720)?),
    })
}
