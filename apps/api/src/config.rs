//! Configuration of the `shop-api` binary, read from environment variables.
//!
//! Every setting is a `SHOP_*` environment variable; unset (or empty) means the
//! default, which gives the embedded shape (one process, a SQLite file, the
//! Square simulator, a file mailbox, the worker loop inside the API). A bad
//! value stops start-up with one line naming the variable. A configuration
//! file is not read (yet): the environment is the only source.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `SHOP_BIND` | `127.0.0.1:8080` | Address to listen on; port `0` picks a free one (the bound address is logged). |
//! | `SHOP_DATA_DIR` | `var` | Directory for local state: the SQLite database (`shop.db`, unless `SHOP_DATABASE_URL` says otherwise), the access-token signing keys (`jwt-keys/`, unless `SHOP_JWT_KEY_DIR` says otherwise) and the file mailbox (`mail/`). Created when missing. |
//! | `SHOP_DATABASE_URL` | unset | The relational store. Unset: a SQLite file `$SHOP_DATA_DIR/shop.db` (WAL journal). `sqlite://PATH` (created when missing), `mysql://USER:PASSWORD@HOST:PORT/DB` (MySQL 8 / MariaDB 10.6+; the database must exist), or `memory:` (in-memory stores, lost on exit: for integrators' tests). Pending migrations are applied at start-up (and by `shop-api migrate`). |
//! | `SHOP_DATABASE_MAX_CONNECTIONS` | `10` | Most pooled database connections (1..=1000). |
//! | `SHOP_DATABASE_MIN_CONNECTIONS` | `1` | Pooled connections kept open when idle (0..=1000, at most the maximum). |
//! | `SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS` | `10` | Time to establish one database connection (1..=600). |
//! | `SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS` | `10` | Time a request waits for a free pooled connection (1..=600). |
//! | `SHOP_SQLITE_BUSY_TIMEOUT_MS` | `5000` | SQLite only: how long a writer waits for the write lock, in milliseconds (0..=600000). |
//! | `SHOP_ACCOUNTS` | `sql` | Accounts store (users and refresh sessions): `sql` (the relational store of `SHOP_DATABASE_URL`) or `dynamodb` (two DynamoDB tables, settings `SHOP_DYNAMODB_*` below; every other store stays in `SHOP_DATABASE_URL`). AWS credentials come from the AWS default chain (`AWS_ACCESS_KEY_ID`..., profile, role). |
//! | `SHOP_DYNAMODB_ENDPOINT_URL` | unset: AWS itself | With `SHOP_ACCOUNTS=dynamodb`: another endpoint (`http(s)://...`), such as moto server or DynamoDB Local. |
//! | `SHOP_DYNAMODB_REGION` | unset: the AWS chain (`AWS_REGION`, the profile...) | With `SHOP_ACCOUNTS=dynamodb`: the AWS region. |
//! | `SHOP_DYNAMODB_TABLE_PREFIX` | `shop` | With `SHOP_ACCOUNTS=dynamodb`: the tables are `<prefix>-accounts` and `<prefix>-sessions` (1 to 200 of `A-Za-z0-9_.-`). |
//! | `SHOP_DYNAMODB_CREATE_TABLES` | `false` | With `SHOP_ACCOUNTS=dynamodb`: `true` creates missing tables at start-up (local setups; in production the tables come from infrastructure code). |
//! | `SHOP_PAYMENTS` | `simulator` | Payment gateway: `simulator` (the built-in Square sandbox simulator) or `square` (Square's Payments API v2 over HTTPS, `Square-Version: 2025-08-20`; needs the three `SHOP_SQUARE_*` settings below). |
//! | `SHOP_SQUARE_BASE_URL` | unset | With `SHOP_PAYMENTS=square`: Square's API host, `https://connect.squareupsandbox.com` (sandbox) or `https://connect.squareup.com` (production), or a test double's URL. |
//! | `SHOP_SQUARE_ACCESS_TOKEN` | unset | With `SHOP_PAYMENTS=square`: the access token (never logged). |
//! | `SHOP_SQUARE_LOCATION_ID` | unset | With `SHOP_PAYMENTS=square`: the location payments are taken for. |
//! | `SHOP_SQUARE_TIMEOUT_SECONDS` | `20` | With `SHOP_PAYMENTS=square`: the longest one Square request may take (1..=300). |
//! | `SHOP_MAIL` | `file` | Mail transport: `file` (a mailbox under `$SHOP_DATA_DIR/mail`, listed at `GET /api/v1/admin/mailbox`), `smtp` (an SMTP relay, `SHOP_SMTP_*` below) or `ses` (Amazon SES v2, `SHOP_SES_*` below; credentials from the standard AWS chain). With `smtp` or `ses` the admin mailbox endpoint answers 404. |
//! | `SHOP_SMTP_HOST` | required with `smtp` | Host name of the SMTP relay (also the name its TLS certificate must carry). |
//! | `SHOP_SMTP_SECURITY` | `starttls` | `starttls` (plain connection upgraded with STARTTLS, which is required), `tls` (TLS from the first byte, "SMTPS") or `plain` (no encryption: local relays and tests only). |
//! | `SHOP_SMTP_PORT` | `587` for `starttls`, `465` for `tls`, `25` for `plain` | TCP port of the relay, 1 to 65535. |
//! | `SHOP_SMTP_USERNAME` | unset | User name for SMTP AUTH; set together with `SHOP_SMTP_PASSWORD` or not at all. |
//! | `SHOP_SMTP_PASSWORD` | unset | Password for SMTP AUTH; never logged or shown in `Debug`. |
//! | `SHOP_SMTP_TIMEOUT_SECONDS` | `10` | Limit for one whole send (connecting, the SMTP dialogue, the data), 1 to 300 seconds. |
//! | `SHOP_SES_REGION` | the AWS chain (`AWS_REGION`, then the profile) | AWS region of SES, e.g. `eu-west-1`. |
//! | `SHOP_SES_ENDPOINT_URL` | the region's SES endpoint | Another endpoint, e.g. a local emulator (`http://127.0.0.1:5005`). |
//! | `SHOP_SES_CONFIGURATION_SET` | unset | SES configuration set that every message is sent with (event publishing, dedicated IPs). |
//! | `SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY` | unset | The signature key of the Square webhook subscription. With it (and `SHOP_SQUARE_WEBHOOK_URL`, both or neither), `POST /api/v1/webhooks/square` accepts notifications whose `x-square-hmacsha256-signature` is base64(HMAC-SHA256(key, URL + raw body)); unset: every notification is answered 401 `invalid_signature`. |
//! | `SHOP_SQUARE_WEBHOOK_URL` | unset | The notification URL exactly as registered with Square (`http(s)://...`, e.g. `https://shop.example.com/api/v1/webhooks/square`): part of what Square signs. |
//! | `SHOP_CURRENCY` | `USD` | ISO-4217 currency of the shop. |
//! | `SHOP_ROUNDING` | `half_even` | Rounding to the minor unit: `half_even` or `half_up`. |
//! | `SHOP_NAME` | `Shop` | Shop name used in mails. |
//! | `SHOP_ADDRESS` | empty | Shop postal address used in mail footers. |
//! | `SHOP_MAIL_FROM` | `shop@localhost` | Sender address of outgoing mail. |
//! | `SHOP_ADMIN_NOTIFY` | empty | Comma-separated addresses that receive new-order notices; empty means every active admin. |
//! | `SHOP_ADMIN_EMAIL` | unset | With `SHOP_ADMIN_PASSWORD` (both or neither): the admin account ensured at start-up (created, or promoted and re-activated). |
//! | `SHOP_ADMIN_PASSWORD` | unset | Password of that admin when it is created (10..=128 characters, not a common one). |
//! | `SHOP_JWT_KEY_DIR` | `$SHOP_DATA_DIR` | Access tokens are EdDSA (Ed25519) JWTs with a `kid`: signed with the active key of `<dir>/jwt-keys/` (a first key is generated there, mode 0600), verified with every key there. `shop-api jwt-rotate` adds a new active key (restart the processes sharing the directory); the public keys are served at `GET /.well-known/jwks.json`. |
//! | `SHOP_JWT_JWKS_URL` | unset | Also accept access tokens signed by another service (such as the auth Lambda): the `http(s)://` URL of its JWKS document (`.../.well-known/jwks.json`), fetched at start-up, every 10 minutes, and again (at most once a minute) when a token names an unknown `kid`. Not with `SHOP_JWT_SECRET`. |
//! | `SHOP_JWT_SECRET` | unset | Legacy: HS256 access tokens with this shared key (at least 32 bytes) instead of EdDSA; `SHOP_JWT_KEY_DIR` and the JWKS then play no part. Only for deployments that already rely on it. |
//! | `SHOP_JWT_ISSUER` | `shop` | `iss` claim of access tokens. |
//! | `SHOP_JWT_AUDIENCE` | `shop-api` | `aud` claim of access tokens. |
//! | `SHOP_ACCESS_TOKEN_TTL_SECONDS` | `900` | Access token lifetime (1..=86400). |
//! | `SHOP_REFRESH_TOKEN_TTL_SECONDS` | `2592000` | Refresh token lifetime (1..=31536000). |
//! | `SHOP_QUOTE_TTL_SECONDS` | `900` | Checkout quote lifetime (1..=86400). |
//! | `SHOP_RATE_LIMIT_LOGIN_PER_MINUTE` | `10` | Login attempts per minute, per client IP and per client IP + e-mail. |
//! | `SHOP_RATE_LIMIT_REGISTER_PER_MINUTE` | `5` | Registrations per minute per client IP. |
//! | `SHOP_RATE_LIMIT_CONTACT_PER_MINUTE` | `5` | Contact messages per minute per client IP. |
//! | `SHOP_TRUST_PROXY` | `false` | `true`: the client IP is the last address of `X-Forwarded-For` (set by your proxy); otherwise the peer address. |
//! | `SHOP_BODY_LIMIT_BYTES` | `65536` | Largest JSON request body (1024..=16777216); larger is 413 `payload_too_large`. |
//! | `SHOP_WORKER` | `embedded` | Order finalization worker: `embedded` (a loop inside this process), `off` (run `shop-worker` processes instead), or `stepfunctions` (the loop inside this process hands each order's finalization to the AWS Step Functions state machine of `deploy/aws`, whose Lambda steps do the work; mail jobs still run in the loop; needs `SHOP_SFN_STATE_MACHINE_ARN`). |
//! | `SHOP_SFN_STATE_MACHINE_ARN` | unset | With `SHOP_WORKER=stepfunctions`: the ARN of the finalization state machine (`arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`). Region and credentials come from the AWS default chain (`AWS_REGION`, `AWS_ACCESS_KEY_ID` ..., an instance or task role). |
//! | `SHOP_SFN_ENDPOINT_URL` | unset | With `SHOP_WORKER=stepfunctions`: a Step Functions endpoint other than AWS's (`http(s)://...`, an emulator such as moto). |
//! | `SHOP_WORKER_POLL_MS` | `250` | Worker sleep when no job is due, in milliseconds (10..=60000). |
//! | `SHOP_WORKER_LEASE_SECONDS` | `60` | How long a worker holds a claimed job (1..=3600): after a worker dies, its job is taken over once the lease lapses. Keep it above the longest step (a Square call with its timeout). |
//! | `SHOP_WORKER_MAX_ATTEMPTS` | `12` | Quick retries (1..=100), backing off 1 s, 2 s, 4 s ... up to `SHOP_WORKER_BACKOFF_MAX_MS`, with jitter. A finalization failing for another reason than the payment provider (the store, a bug) stops after them: `dead` in `GET /api/v1/admin/orders`, the order alerted (admins mailed) and requeueable. A capture the provider cannot take yet is not counted against them: it is retried until `SHOP_PAYMENT_VOID_MARGIN_SECONDS` before the authorization lapses. A mail past them moves to the slow retry (`SHOP_MAIL_SLOW_RETRY_SECONDS`); one the transport refuses for good (SMTP 5xx, SES rejection) stops at once. |
//! | `SHOP_WORKER_BACKOFF_MAX_MS` | `600000` | The longest pause between two quick retries, in milliseconds (100..=3600000). |
//! | `SHOP_PAYMENT_ALERT_AFTER` | `10` | Failed captures (1..=1000) after which the order is flagged in the admin list and the admins are mailed, once; retries go on. |
//! | `SHOP_PAYMENT_VOID_MARGIN_SECONDS` | `21600` | How long before a card authorization lapses (Square: 7 days) the shop stops retrying its capture, voids it, fails the order (stock, promotion use and quote given back) and mails the customer and the admins (1..=518400). |
//! | `SHOP_MAIL_SLOW_RETRY_SECONDS` | `3600` | The pause between attempts of a mail past its quick retries (1..=86400). |
//! | `SHOP_MAIL_GIVE_UP_AFTER_HOURS` | `168` | How long after it was recorded a mail is still tried (72..=720); after that it is `dead` in `GET /api/v1/admin/mail`, where an admin can resend it. |
//! | `SHOP_SWEEP_INTERVAL_SECONDS` | `300` | How often the worker looks for open orders without a live finalization (a lost job, a stopped workflow past its deadline) and requeues them (1..=86400). |
//! | `SHOP_WORKER_CRASH_AT` | unset | Test hook, read by `shop-worker` only (with `SHOP_WORKER_CRASH_DIR`): a step boundary (`before_capture`, `after_capture`, `before_mark_paid`, `after_mark_paid`, `before_mail`, `after_mail`) at which the worker kills itself with SIGKILL, once per order or mail. Never set it in production. |
//! | `SHOP_WORKER_CRASH_DIR` | unset | Test hook: where `shop-worker` remembers which crashes happened, so each order or mail crashes once. |
//! | `SHOP_WEB_DIR` | `apps/web/dist/shop-web/browser` | Directory of the built web app (apps/web), served at `/` with an SPA fallback to `index.html`; relative to the working directory. Missing: the API runs without it and `/` answers 404. |
//! | `SHOP_LOG` | `info` | Log filter, `RUST_LOG` syntax (e.g. `info,shop_api=debug`). |
//! | `SHOP_LOG_FORMAT` | `text` | Log format: `text` or `json`. |

use std::collections::HashMap;
use std::net::ToSocketAddrs;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Duration as ChronoDuration;
use shop_domain::Currency;
use shop_domain::account::{Email, Password};
use shop_domain::jobs::RetryPolicy;
use shop_domain::money::Rounding;
use shop_domain::settings::ShopSettings;
use tracing_subscriber::EnvFilter;

/// Where `npm run build` in apps/web puts the app, relative to the repository root.
pub const DEFAULT_WEB_DIR: &str = "apps/web/dist/shop-web/browser";

/// Every variable this binary reads; others starting with `SHOP_` draw a warning.
pub const KNOWN_VARIABLES: &[&str] = &[
    "SHOP_BIND",
    "SHOP_DATA_DIR",
    "SHOP_DATABASE_URL",
    "SHOP_DATABASE_MAX_CONNECTIONS",
    "SHOP_DATABASE_MIN_CONNECTIONS",
    "SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS",
    "SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS",
    "SHOP_SQLITE_BUSY_TIMEOUT_MS",
    "SHOP_ACCOUNTS",
    "SHOP_DYNAMODB_ENDPOINT_URL",
    "SHOP_DYNAMODB_REGION",
    "SHOP_DYNAMODB_TABLE_PREFIX",
    "SHOP_DYNAMODB_CREATE_TABLES",
    "SHOP_PAYMENTS",
    "SHOP_MAIL",
    "SHOP_SMTP_HOST",
    "SHOP_SMTP_SECURITY",
    "SHOP_SMTP_PORT",
    "SHOP_SMTP_USERNAME",
    "SHOP_SMTP_PASSWORD",
    "SHOP_SMTP_TIMEOUT_SECONDS",
    "SHOP_SES_REGION",
    "SHOP_SES_ENDPOINT_URL",
    "SHOP_SES_CONFIGURATION_SET",
    "SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY",
    "SHOP_SQUARE_WEBHOOK_URL",
    "SHOP_SQUARE_BASE_URL",
    "SHOP_SQUARE_ACCESS_TOKEN",
    "SHOP_SQUARE_LOCATION_ID",
    "SHOP_SQUARE_TIMEOUT_SECONDS",
    "SHOP_CURRENCY",
    "SHOP_ROUNDING",
    "SHOP_NAME",
    "SHOP_ADDRESS",
    "SHOP_MAIL_FROM",
    "SHOP_ADMIN_NOTIFY",
    "SHOP_ADMIN_EMAIL",
    "SHOP_ADMIN_PASSWORD",
    "SHOP_JWT_KEY_DIR",
    "SHOP_JWT_JWKS_URL",
    "SHOP_JWT_SECRET",
    "SHOP_JWT_ISSUER",
    "SHOP_JWT_AUDIENCE",
    "SHOP_ACCESS_TOKEN_TTL_SECONDS",
    "SHOP_REFRESH_TOKEN_TTL_SECONDS",
    "SHOP_QUOTE_TTL_SECONDS",
    "SHOP_RATE_LIMIT_LOGIN_PER_MINUTE",
    "SHOP_RATE_LIMIT_REGISTER_PER_MINUTE",
    "SHOP_RATE_LIMIT_CONTACT_PER_MINUTE",
    "SHOP_TRUST_PROXY",
    "SHOP_BODY_LIMIT_BYTES",
    "SHOP_WORKER",
    "SHOP_WORKER_POLL_MS",
    "SHOP_WORKER_LEASE_SECONDS",
    "SHOP_WORKER_MAX_ATTEMPTS",
    "SHOP_WORKER_BACKOFF_MAX_MS",
    "SHOP_PAYMENT_ALERT_AFTER",
    "SHOP_PAYMENT_VOID_MARGIN_SECONDS",
    "SHOP_MAIL_SLOW_RETRY_SECONDS",
    "SHOP_MAIL_GIVE_UP_AFTER_HOURS",
    "SHOP_SWEEP_INTERVAL_SECONDS",
    "SHOP_WORKER_CRASH_AT",
    "SHOP_WORKER_CRASH_DIR",
    "SHOP_SFN_STATE_MACHINE_ARN",
    "SHOP_SFN_ENDPOINT_URL",
    "SHOP_WEB_DIR",
    "SHOP_LOG",
    "SHOP_LOG_FORMAT",
];

/// A setting that cannot be used, reported as `SETTING: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        Self {
            setting,
            problem: problem.into(),
        }
    }
}

/// A secret value whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A database URL, whose `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", shop_sql::redact(&self.0))
    }
}

/// The relational store (`SHOP_DATABASE_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseChoice {
    /// `sqlite://...` or `mysql://...`.
    Sql(DatabaseUrl),
    /// `memory:`: the in-memory store.
    Memory,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerMode {
    Embedded,
    Off,
    /// The embedded loop hands finalizations to Step Functions.
    StepFunctions(StepFunctionsSettings),
}

/// `SHOP_SFN_STATE_MACHINE_ARN` and `SHOP_SFN_ENDPOINT_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFunctionsSettings {
    pub state_machine_arn: String,
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The accounts store (`SHOP_ACCOUNTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountsChoice {
    /// The relational store of `SHOP_DATABASE_URL`.
    Sql,
    /// DynamoDB tables (`SHOP_DYNAMODB_*`).
    DynamoDb(shop_dynamodb::DynamoSettings),
}

/// How access tokens are signed and verified (`SHOP_JWT_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKeys {
    /// EdDSA with the key ring of `dir/jwt-keys/`, and optionally the keys
    /// of another service's JWKS document.
    KeyRing {
        dir: PathBuf,
        jwks_url: Option<String>,
    },
    /// Legacy HS256 with a shared secret (`SHOP_JWT_SECRET`).
    Hs256(Secret),
}

/// The payment gateway (`SHOP_PAYMENTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentsChoice {
    /// The built-in Square sandbox simulator.
    Simulator,
    /// Square's Payments API.
    Square(SquareSettings),
}

/// The mail transport (`SHOP_MAIL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailChoice {
    /// The file mailbox under `$SHOP_DATA_DIR/mail`.
    File,
    /// An SMTP relay (`SHOP_SMTP_*`); the password never shows in `Debug`.
    Smtp(shop_email::SmtpSettings),
    /// Amazon SES v2 (`SHOP_SES_*`).
    Ses(shop_email::SesSettings),
}

/// The adapters' settings errors name their variable too.
impl From<shop_settings::SettingError> for ConfigError {
    fn from(error: shop_settings::SettingError) -> Self {
        ConfigError::new(error.setting, error.problem)
    }
}

/// `SHOP_SQUARE_BASE_URL`, `_ACCESS_TOKEN`, `_LOCATION_ID`, `_TIMEOUT_SECONDS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SquareSettings {
    pub base_url: String,
    pub access_token: Secret,
    pub location_id: String,
    pub timeout: Duration,
}

/// `SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY` and `SHOP_SQUARE_WEBHOOK_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SquareWebhookConfig {
    pub signature_key: Secret,
    pub notification_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    pub login_per_minute: NonZeroU32,
    pub register_per_minute: NonZeroU32,
    pub contact_per_minute: NonZeroU32,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The accounts store (`SHOP_ACCOUNTS`).
    pub accounts: AccountsChoice,
    /// The payment gateway (`SHOP_PAYMENTS`).
    pub payments: PaymentsChoice,
    /// Square webhook verification (`None`: every notification is refused).
    pub square_webhook: Option<SquareWebhookConfig>,
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
    /// Access-token keys (`SHOP_JWT_KEY_DIR`, `SHOP_JWT_JWKS_URL`, `SHOP_JWT_SECRET`).
    pub token_keys: TokenKeys,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_seconds: i64,
    pub quote_ttl_seconds: i64,
    pub rate_limits: RateLimitConfig,
    pub trust_proxy: bool,
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
    /// `SHOP_*` variables that were set but mean nothing to this binary.
    pub unknown_variables: Vec<String>,
}

/// Reads variables by name; empty values count as unset.
struct Source<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Source<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_string())
    }

    fn int(
        &self,
        name: &'static str,
        default: i64,
        min: i64,
        max: i64,
    ) -> Result<i64, ConfigError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        let value: i64 = raw
            .parse()
            .map_err(|_| ConfigError::new(name, format!("{raw:?} is not a whole number")))?;
        if value < min || value > max {
            return Err(ConfigError::new(
                name,
                format!("{value} is out of range (allowed {min}..={max})"),
            ));
        }
        Ok(value)
    }

    fn per_minute(&self, name: &'static str, default: i64) -> Result<NonZeroU32, ConfigError> {
        let value = self.int(name, default, 1, 100_000)?;
        u32::try_from(value)
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or_else(|| ConfigError::new(name, "must be between 1 and 100000"))
    }

    fn choice<'c>(
        &self,
        name: &'static str,
        default: &'c str,
        available: &[&'c str],
        unavailable: &[&str],
    ) -> Result<String, ConfigError> {
        let value = self.string(name, default).to_ascii_lowercase();
        if available.contains(&value.as_str()) {
            return Ok(value);
        }
        if unavailable.contains(&value.as_str()) {
            return Err(ConfigError::new(
                name,
                format!("{value:?} is not available in this build"),
            ));
        }
        let mut all: Vec<&str> = available.to_vec();
        all.extend_from_slice(unavailable);
        Err(ConfigError::new(
            name,
            format!("{value:?} is not one of {}", all.join(", ")),
        ))
    }

    fn boolean(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some("false" | "0" | "no" | "off") => Ok(false),
            Some(other) => Err(ConfigError::new(
                name,
                format!("{other:?} is not a boolean (true or false)"),
            )),
        }
    }

    fn email(&self, name: &'static str, raw: &str) -> Result<Email, ConfigError> {
        Email::parse(raw)
            .map_err(|_| ConfigError::new(name, format!("{raw:?} is not a valid e-mail address")))
    }

    /// An address the operator supplies for outgoing mail: a valid e-mail
    /// address, or one at a single-label host such as `shop@localhost`.
    fn mail_address(&self, name: &'static str, raw: &str) -> Result<Email, ConfigError> {
        match Email::parse(raw) {
            Ok(email) => Ok(email),
            Err(_) if !raw.ends_with('.') && Email::parse(&format!("{raw}.invalid")).is_ok() => {
                Ok(Email::trusted(raw.trim()))
            }
            Err(_) => Err(ConfigError::new(
                name,
                format!("{raw:?} is not a valid e-mail address"),
            )),
        }
    }
}

/// The state machine `SHOP_WORKER=stepfunctions` starts, and where.
fn step_functions_settings(src: &Source<'_>) -> Result<StepFunctionsSettings, ConfigError> {
    let state_machine_arn = src.get("SHOP_SFN_STATE_MACHINE_ARN").ok_or_else(|| {
        ConfigError::new(
            "SHOP_SFN_STATE_MACHINE_ARN",
            "must be set when SHOP_WORKER=stepfunctions",
        )
    })?;
    if !state_machine_arn.starts_with("arn:")
        || !state_machine_arn.contains(":states:")
        || !state_machine_arn.contains(":stateMachine:")
        || state_machine_arn.chars().any(char::is_whitespace)
    {
        return Err(ConfigError::new(
            "SHOP_SFN_STATE_MACHINE_ARN",
            format!(
                "{state_machine_arn:?} is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)"
            ),
        ));
    }
    let endpoint_url = src.get("SHOP_SFN_ENDPOINT_URL");
    if let Some(url) = &endpoint_url
        && (!(url.starts_with("https://") || url.starts_with("http://"))
            || url.chars().any(char::is_whitespace))
    {
        return Err(ConfigError::new(
            "SHOP_SFN_ENDPOINT_URL",
            format!("{url:?} is not an http(s) URL"),
        ));
    }
    Ok(StepFunctionsSettings {
        state_machine_arn,
        endpoint_url,
    })
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("SHOP_"))
            .collect();
        // A variable that is not valid UTF-8 is refused rather than ignored.
        for (key, value) in std::env::vars_os() {
            if let Some(key) = key.to_str()
                && key.starts_with("SHOP_")
                && value.to_str().is_none()
            {
                let setting = KNOWN_VARIABLES
                    .iter()
                    .find(|known| **known == key)
                    .copied()
                    .unwrap_or("SHOP_*");
                return Err(ConfigError::new(setting, "is not valid UTF-8"));
            }
        }
        let mut config = Self::from_lookup(&|name| vars.get(name).cloned())?;
        let mut unknown: Vec<String> = vars
            .keys()
            .filter(|k| !KNOWN_VARIABLES.contains(&k.as_str()) && !k.starts_with("SHOP_SQUARE_"))
            .cloned()
            .collect();
        unknown.sort();
        config.unknown_variables = unknown;
        Ok(config)
    }

    /// Reads the settings through `lookup` (a variable name to its value).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let src = Source { lookup };

        let bind = src.string("SHOP_BIND", "127.0.0.1:8080");
        if !bind
            .to_socket_addrs()
            .is_ok_and(|mut addrs| addrs.next().is_some())
        {
            return Err(ConfigError::new(
                "SHOP_BIND",
                format!("{bind:?} is not a host:port address"),
            ));
        }

        let accounts = match src
            .choice("SHOP_ACCOUNTS", "sql", &["sql", "dynamodb"], &[])?
            .as_str()
        {
            "dynamodb" => AccountsChoice::DynamoDb(
                shop_dynamodb::DynamoSettings::from_settings(&shop_settings::Source::new(lookup))
                    .map_err(|e| ConfigError::new(e.setting, e.problem))?,
            ),
            _ => AccountsChoice::Sql,
        };
        let payments = match src
            .choice("SHOP_PAYMENTS", "simulator", &["simulator", "square"], &[])?
            .as_str()
        {
            "square" => {
                let required = |name: &'static str| {
                    src.get(name).ok_or_else(|| {
                        ConfigError::new(name, "must be set when SHOP_PAYMENTS=square")
                    })
                };
                let base_url = required("SHOP_SQUARE_BASE_URL")?;
                if !(base_url.starts_with("https://") || base_url.starts_with("http://"))
                    || base_url.chars().any(char::is_whitespace)
                {
                    return Err(ConfigError::new(
                        "SHOP_SQUARE_BASE_URL",
                        format!("{base_url:?} is not an http(s) URL"),
                    ));
                }
                let access_token = Secret(required("SHOP_SQUARE_ACCESS_TOKEN")?);
                let location_id = required("SHOP_SQUARE_LOCATION_ID")?;
                let timeout = src.int("SHOP_SQUARE_TIMEOUT_SECONDS", 20, 1, 300)?;
                PaymentsChoice::Square(SquareSettings {
                    base_url,
                    access_token,
                    location_id,
                    timeout: Duration::from_secs(timeout.unsigned_abs()),
                })
            }
            _ => PaymentsChoice::Simulator,
        };
        let mail = match src
            .choice("SHOP_MAIL", "file", &["file", "smtp", "ses"], &[])?
            .as_str()
        {
            "smtp" => MailChoice::Smtp(shop_email::SmtpSettings::from_settings(
                &shop_settings::Source::new(src.lookup),
            )?),
            "ses" => MailChoice::Ses(shop_email::SesSettings::from_settings(
                &shop_settings::Source::new(src.lookup),
            )?),
            _ => MailChoice::File,
        };
        let square_webhook = match (
            src.get("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY"),
            src.get("SHOP_SQUARE_WEBHOOK_URL"),
        ) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "SHOP_SQUARE_WEBHOOK_URL",
                    "must be set with SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY (the notification URL Square signs)",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY",
                    "must be set with SHOP_SQUARE_WEBHOOK_URL",
                ));
            }
            (Some(key), Some(url)) => {
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.chars().any(char::is_whitespace)
                {
                    return Err(ConfigError::new(
                        "SHOP_SQUARE_WEBHOOK_URL",
                        format!("{url:?} is not an http(s) URL"),
                    ));
                }
                Some(SquareWebhookConfig {
                    signature_key: Secret(key),
                    notification_url: url,
                })
            }
        };
        let worker = match src
            .choice(
                "SHOP_WORKER",
                "embedded",
                &["embedded", "off", "stepfunctions"],
                &[],
            )?
            .as_str()
        {
            "off" => WorkerMode::Off,
            "stepfunctions" => WorkerMode::StepFunctions(step_functions_settings(&src)?),
            _ => WorkerMode::Embedded,
        };

        let data_dir = PathBuf::from(src.string("SHOP_DATA_DIR", "var"));
        let database = match src.get("SHOP_DATABASE_URL") {
            None => DatabaseChoice::Sql(DatabaseUrl(format!(
                "sqlite://{}",
                data_dir.join("shop.db").display()
            ))),
            Some(url) if url.eq_ignore_ascii_case("memory:") => DatabaseChoice::Memory,
            Some(url)
                if (url.starts_with("sqlite://") && url.len() > "sqlite://".len())
                    || (url.starts_with("mysql://") && url.len() > "mysql://".len()) =>
            {
                DatabaseChoice::Sql(DatabaseUrl(url))
            }
            Some(url) => {
                return Err(ConfigError::new(
                    "SHOP_DATABASE_URL",
                    format!(
                        "{:?} is not sqlite://PATH, mysql://USER:PASSWORD@HOST/DB or memory:",
                        shop_sql::redact(&url)
                    ),
                ));
            }
        };
        let max_connections = src.int("SHOP_DATABASE_MAX_CONNECTIONS", 10, 1, 1000)?;
        let min_connections = src.int("SHOP_DATABASE_MIN_CONNECTIONS", 1, 0, 1000)?;
        if min_connections > max_connections {
            return Err(ConfigError::new(
                "SHOP_DATABASE_MIN_CONNECTIONS",
                format!(
                    "{min_connections} is more than SHOP_DATABASE_MAX_CONNECTIONS ({max_connections})"
                ),
            ));
        }
        let connect_timeout = src.int("SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS", 10, 1, 600)?;
        let acquire_timeout = src.int("SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS", 10, 1, 600)?;
        let busy_timeout = src.int("SHOP_SQLITE_BUSY_TIMEOUT_MS", 5000, 0, 600_000)?;
        let database_pool = shop_sql::PoolOptions {
            max_connections: u32::try_from(max_connections).unwrap_or(10),
            min_connections: u32::try_from(min_connections).unwrap_or(1),
            connect_timeout: Duration::from_secs(connect_timeout.unsigned_abs()),
            acquire_timeout: Duration::from_secs(acquire_timeout.unsigned_abs()),
            busy_timeout: Duration::from_millis(busy_timeout.unsigned_abs()),
            ..shop_sql::PoolOptions::default()
        };
        let web_dir = PathBuf::from(src.string("SHOP_WEB_DIR", DEFAULT_WEB_DIR));

        let raw_currency = src.string("SHOP_CURRENCY", "USD");
        let currency = Currency::parse(&raw_currency).map_err(|_| {
            ConfigError::new(
                "SHOP_CURRENCY",
                format!("{raw_currency:?} is not a three-letter ISO-4217 code"),
            )
        })?;
        let rounding = match src
            .choice("SHOP_ROUNDING", "half_even", &["half_even", "half_up"], &[])?
            .as_str()
        {
            "half_up" => Rounding::HalfUp,
            _ => Rounding::HalfEven,
        };

        let shop_name = src.string("SHOP_NAME", "Shop");
        if shop_name.chars().any(char::is_control) || shop_name.chars().count() > 200 {
            return Err(ConfigError::new(
                "SHOP_NAME",
                "must be at most 200 characters without control characters",
            ));
        }
        let shop_address = src.string("SHOP_ADDRESS", "");
        if shop_address.chars().count() > 500 {
            return Err(ConfigError::new(
                "SHOP_ADDRESS",
                "must be at most 500 characters",
            ));
        }
        let mail_from = src.mail_address(
            "SHOP_MAIL_FROM",
            &src.string("SHOP_MAIL_FROM", "shop@localhost"),
        )?;
        let admin_notify = src
            .string("SHOP_ADMIN_NOTIFY", "")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| src.mail_address("SHOP_ADMIN_NOTIFY", s))
            .collect::<Result<Vec<_>, _>>()?;

        let admin = match (
            src.get("SHOP_ADMIN_EMAIL"),
            (lookup)("SHOP_ADMIN_PASSWORD").filter(|p| !p.is_empty()),
        ) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "SHOP_ADMIN_PASSWORD",
                    "must be set when SHOP_ADMIN_EMAIL is",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "SHOP_ADMIN_EMAIL",
                    "must be set when SHOP_ADMIN_PASSWORD is",
                ));
            }
            (Some(email), Some(password)) => {
                src.email("SHOP_ADMIN_EMAIL", &email)?;
                if let Err(e) = Password::parse(&password) {
                    let why = match e {
                        shop_domain::DomainError::Validation(errs) => errs
                            .into_iter()
                            .map(|f| f.message)
                            .collect::<Vec<_>>()
                            .join("; "),
                        other => other.to_string(),
                    };
                    return Err(ConfigError::new("SHOP_ADMIN_PASSWORD", why));
                }
                Some(AdminBootstrap {
                    email,
                    password: Secret(password),
                })
            }
        };

        let jwt_secret = match (lookup)("SHOP_JWT_SECRET").filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if s.len() < 32 => {
                return Err(ConfigError::new(
                    "SHOP_JWT_SECRET",
                    format!("must be at least 32 bytes (it has {})", s.len()),
                ));
            }
            Some(s) => Some(Secret(s)),
        };
        let jwks_url = src.get("SHOP_JWT_JWKS_URL");
        if let Some(url) = &jwks_url
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.chars().any(char::is_whitespace))
        {
            return Err(ConfigError::new(
                "SHOP_JWT_JWKS_URL",
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        let token_keys = match jwt_secret {
            Some(_) if jwks_url.is_some() => {
                return Err(ConfigError::new(
                    "SHOP_JWT_JWKS_URL",
                    "cannot be used with SHOP_JWT_SECRET (legacy HS256 tokens): unset one of them",
                ));
            }
            Some(secret) => TokenKeys::Hs256(secret),
            None => TokenKeys::KeyRing {
                dir: src
                    .get("SHOP_JWT_KEY_DIR")
                    .map_or_else(|| data_dir.clone(), PathBuf::from),
                jwks_url,
            },
        };
        let jwt_issuer = src.string("SHOP_JWT_ISSUER", "shop");
        let jwt_audience = src.string("SHOP_JWT_AUDIENCE", "shop-api");

        let access_token_ttl_seconds = src.int("SHOP_ACCESS_TOKEN_TTL_SECONDS", 900, 1, 86_400)?;
        let refresh_token_ttl_seconds =
            src.int("SHOP_REFRESH_TOKEN_TTL_SECONDS", 2_592_000, 1, 31_536_000)?;
        let quote_ttl_seconds = src.int("SHOP_QUOTE_TTL_SECONDS", 900, 1, 86_400)?;

        let rate_limits = RateLimitConfig {
            login_per_minute: src.per_minute("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", 10)?,
            register_per_minute: src.per_minute("SHOP_RATE_LIMIT_REGISTER_PER_MINUTE", 5)?,
            contact_per_minute: src.per_minute("SHOP_RATE_LIMIT_CONTACT_PER_MINUTE", 5)?,
        };
        let trust_proxy = src.boolean("SHOP_TRUST_PROXY", false)?;
        let body_limit_bytes = src.int("SHOP_BODY_LIMIT_BYTES", 65_536, 1024, 16 * 1024 * 1024)?;
        let body_limit_bytes = usize::try_from(body_limit_bytes)
            .map_err(|_| ConfigError::new("SHOP_BODY_LIMIT_BYTES", "is too large"))?;
        let worker_poll_ms = src.int("SHOP_WORKER_POLL_MS", 250, 10, 60_000)?;
        let worker_poll = Duration::from_millis(worker_poll_ms.unsigned_abs());
        let worker_lease_s = src.int("SHOP_WORKER_LEASE_SECONDS", 60, 1, 3600)?;
        let worker_lease = Duration::from_secs(worker_lease_s.unsigned_abs());
        let worker_max_attempts =
            u32::try_from(src.int("SHOP_WORKER_MAX_ATTEMPTS", 12, 1, 100)?)
                .map_err(|_| ConfigError::new("SHOP_WORKER_MAX_ATTEMPTS", "is out of range"))?;
        let count = |name: &'static str, value: i64| {
            u32::try_from(value).map_err(|_| ConfigError::new(name, "is out of range"))
        };
        let retry_policy = RetryPolicy {
            max_attempts: worker_max_attempts,
            backoff_cap: ChronoDuration::milliseconds(src.int(
                "SHOP_WORKER_BACKOFF_MAX_MS",
                600_000,
                100,
                3_600_000,
            )?),
            alert_after: count(
                "SHOP_PAYMENT_ALERT_AFTER",
                src.int("SHOP_PAYMENT_ALERT_AFTER", 10, 1, 1000)?,
            )?,
            void_margin: ChronoDuration::seconds(src.int(
                "SHOP_PAYMENT_VOID_MARGIN_SECONDS",
                21_600,
                1,
                518_400,
            )?),
            mail_slow_retry: ChronoDuration::seconds(src.int(
                "SHOP_MAIL_SLOW_RETRY_SECONDS",
                3600,
                1,
                86_400,
            )?),
            mail_give_up_after: ChronoDuration::hours(src.int(
                "SHOP_MAIL_GIVE_UP_AFTER_HOURS",
                168,
                72,
                720,
            )?),
        };
        let sweep_interval = Duration::from_secs(
            src.int("SHOP_SWEEP_INTERVAL_SECONDS", 300, 1, 86_400)?
                .unsigned_abs(),
        );

        let log_filter = src.string("SHOP_LOG", "info");
        if let Err(e) = EnvFilter::try_new(&log_filter) {
            return Err(ConfigError::new(
                "SHOP_LOG",
                format!("{log_filter:?} is not a valid filter: {e}"),
            ));
        }
        let log_format = match src
            .choice("SHOP_LOG_FORMAT", "text", &["text", "json"], &[])?
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
            currency,
            rounding,
            shop_name,
            shop_address,
            mail_from,
            admin_notify,
            admin,
            token_keys,
            jwt_issuer,
            jwt_audience,
            access_token_ttl_seconds,
            refresh_token_ttl_seconds,
            quote_ttl_seconds,
            rate_limits,
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
    pub fn shop_settings(&self) -> ShopSettings {
        ShopSettings {
            shop_name: self.shop_name.clone(),
            shop_address: self.shop_address.clone(),
            currency: self.currency.clone(),
            rounding: self.rounding,
            quote_ttl: ChronoDuration::seconds(self.quote_ttl_seconds),
            access_token_ttl: ChronoDuration::seconds(self.access_token_ttl_seconds),
            refresh_token_ttl: ChronoDuration::seconds(self.refresh_token_ttl_seconds),
            admin_notify: self.admin_notify.clone(),
            mail_from: self.mail_from.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        Config::from_lookup(&|name| map.get(name).cloned())
    }

    fn error_of(vars: &[(&str, &str)]) -> ConfigError {
        match parse(vars) {
            Ok(_) => panic!("{vars:?} should be refused"),
            Err(e) => e,
        }
    }

    #[test]
    fn defaults_give_the_embedded_shape() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("var"));
        assert_eq!(c.currency.code(), "USD");
        assert_eq!(c.body_limit_bytes, 65_536);
        assert_eq!(c.worker, WorkerMode::Embedded);
        assert_eq!(c.worker_poll, Duration::from_millis(250));
        assert_eq!(c.worker_lease, Duration::from_secs(60));
        assert_eq!(c.worker_max_attempts, 12);
        assert_eq!(c.retry_policy, RetryPolicy::default());
        assert_eq!(c.sweep_interval, Duration::from_secs(300));
        assert_eq!(c.rate_limits.login_per_minute.get(), 10);
        assert_eq!(c.rate_limits.register_per_minute.get(), 5);
        assert_eq!(c.rate_limits.contact_per_minute.get(), 5);
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(c.admin.is_none() && !c.trust_proxy);
        assert_eq!(c.accounts, AccountsChoice::Sql);
        assert_eq!(
            c.token_keys,
            TokenKeys::KeyRing {
                dir: PathBuf::from("var"),
                jwks_url: None
            }
        );
        let s = c.shop_settings();
        assert_eq!(s.access_token_ttl.num_seconds(), 900);
        assert_eq!(s.refresh_token_ttl.num_seconds(), 2_592_000);
        assert_eq!(s.quote_ttl.num_seconds(), 900);
        assert_eq!(s.mail_from.as_str(), "shop@localhost");
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("SHOP_BIND", "nowhere")], "SHOP_BIND"),
            (
                &[("SHOP_DATABASE_URL", "postgres://x")],
                "SHOP_DATABASE_URL",
            ),
            (&[("SHOP_DATABASE_URL", "sqlite://")], "SHOP_DATABASE_URL"),
            (
                &[("SHOP_DATABASE_MAX_CONNECTIONS", "0")],
                "SHOP_DATABASE_MAX_CONNECTIONS",
            ),
            (
                &[
                    ("SHOP_DATABASE_MAX_CONNECTIONS", "2"),
                    ("SHOP_DATABASE_MIN_CONNECTIONS", "3"),
                ],
                "SHOP_DATABASE_MIN_CONNECTIONS",
            ),
            (
                &[("SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS", "x")],
                "SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS",
            ),
            (
                &[("SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS", "0")],
                "SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS",
            ),
            (
                &[("SHOP_SQLITE_BUSY_TIMEOUT_MS", "-1")],
                "SHOP_SQLITE_BUSY_TIMEOUT_MS",
            ),
            (&[("SHOP_ACCOUNTS", "mongo")], "SHOP_ACCOUNTS"),
            (
                &[
                    ("SHOP_ACCOUNTS", "dynamodb"),
                    ("SHOP_DYNAMODB_CREATE_TABLES", "yes"),
                ],
                "SHOP_DYNAMODB_CREATE_TABLES",
            ),
            (
                &[
                    ("SHOP_ACCOUNTS", "dynamodb"),
                    ("SHOP_DYNAMODB_TABLE_PREFIX", "shop tables"),
                ],
                "SHOP_DYNAMODB_TABLE_PREFIX",
            ),
            (
                &[
                    ("SHOP_ACCOUNTS", "dynamodb"),
                    ("SHOP_DYNAMODB_ENDPOINT_URL", "127.0.0.1:5005"),
                ],
                "SHOP_DYNAMODB_ENDPOINT_URL",
            ),
            (
                &[("SHOP_JWT_JWKS_URL", "auth.example.com/jwks.json")],
                "SHOP_JWT_JWKS_URL",
            ),
            (
                &[
                    ("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                    ("SHOP_JWT_JWKS_URL", "https://auth.example.com/jwks.json"),
                ],
                "SHOP_JWT_JWKS_URL",
            ),
            (
                &[("SHOP_WORKER", "stepfunctions")],
                "SHOP_SFN_STATE_MACHINE_ARN",
            ),
            (
                &[
                    ("SHOP_WORKER", "stepfunctions"),
                    ("SHOP_SFN_STATE_MACHINE_ARN", "my-machine"),
                ],
                "SHOP_SFN_STATE_MACHINE_ARN",
            ),
            (
                &[
                    ("SHOP_WORKER", "stepfunctions"),
                    (
                        "SHOP_SFN_STATE_MACHINE_ARN",
                        "arn:aws:states:us-east-1:123456789012:stateMachine:finalize",
                    ),
                    ("SHOP_SFN_ENDPOINT_URL", "localhost:5006"),
                ],
                "SHOP_SFN_ENDPOINT_URL",
            ),
            (&[("SHOP_PAYMENTS", "square")], "SHOP_SQUARE_BASE_URL"),
            (
                &[
                    ("SHOP_PAYMENTS", "square"),
                    ("SHOP_SQUARE_BASE_URL", "connect.squareup.com"),
                ],
                "SHOP_SQUARE_BASE_URL",
            ),
            (
                &[
                    ("SHOP_PAYMENTS", "square"),
                    (
                        "SHOP_SQUARE_BASE_URL",
                        "https://connect.squareupsandbox.com",
                    ),
                ],
                "SHOP_SQUARE_ACCESS_TOKEN",
            ),
            (
                &[
                    ("SHOP_PAYMENTS", "square"),
                    (
                        "SHOP_SQUARE_BASE_URL",
                        "https://connect.squareupsandbox.com",
                    ),
                    ("SHOP_SQUARE_ACCESS_TOKEN", "t"),
                ],
                "SHOP_SQUARE_LOCATION_ID",
            ),
            (&[("SHOP_PAYMENTS", "stripe")], "SHOP_PAYMENTS"),
            (&[("SHOP_MAIL", "smtp")], "SHOP_SMTP_HOST"),
            (&[("SHOP_MAIL", "pigeon")], "SHOP_MAIL"),
            (&[("SHOP_WORKER", "lambda")], "SHOP_WORKER"),
            (&[("SHOP_CURRENCY", "dollars")], "SHOP_CURRENCY"),
            (&[("SHOP_MAIL_FROM", "not-an-address")], "SHOP_MAIL_FROM"),
            (
                &[("SHOP_ADMIN_NOTIFY", "a@example.com, nope")],
                "SHOP_ADMIN_NOTIFY",
            ),
            (
                &[("SHOP_ADMIN_EMAIL", "admin@example.com")],
                "SHOP_ADMIN_PASSWORD",
            ),
            (
                &[("SHOP_ADMIN_PASSWORD", "long-enough-pw-1")],
                "SHOP_ADMIN_EMAIL",
            ),
            (
                &[
                    ("SHOP_ADMIN_EMAIL", "admin@example.com"),
                    ("SHOP_ADMIN_PASSWORD", "short"),
                ],
                "SHOP_ADMIN_PASSWORD",
            ),
            (&[("SHOP_JWT_SECRET", "too-short")], "SHOP_JWT_SECRET"),
            (
                &[("SHOP_ACCESS_TOKEN_TTL_SECONDS", "0")],
                "SHOP_ACCESS_TOKEN_TTL_SECONDS",
            ),
            (
                &[("SHOP_REFRESH_TOKEN_TTL_SECONDS", "x")],
                "SHOP_REFRESH_TOKEN_TTL_SECONDS",
            ),
            (
                &[("SHOP_QUOTE_TTL_SECONDS", "-5")],
                "SHOP_QUOTE_TTL_SECONDS",
            ),
            (
                &[("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "0")],
                "SHOP_RATE_LIMIT_LOGIN_PER_MINUTE",
            ),
            (
                &[("SHOP_RATE_LIMIT_CONTACT_PER_MINUTE", "many")],
                "SHOP_RATE_LIMIT_CONTACT_PER_MINUTE",
            ),
            (&[("SHOP_TRUST_PROXY", "maybe")], "SHOP_TRUST_PROXY"),
            (&[("SHOP_BODY_LIMIT_BYTES", "12")], "SHOP_BODY_LIMIT_BYTES"),
            (&[("SHOP_WORKER_POLL_MS", "1.5")], "SHOP_WORKER_POLL_MS"),
            (
                &[("SHOP_WORKER_LEASE_SECONDS", "0")],
                "SHOP_WORKER_LEASE_SECONDS",
            ),
            (
                &[("SHOP_WORKER_BACKOFF_MAX_MS", "99")],
                "SHOP_WORKER_BACKOFF_MAX_MS",
            ),
            (
                &[("SHOP_PAYMENT_ALERT_AFTER", "0")],
                "SHOP_PAYMENT_ALERT_AFTER",
            ),
            (
                &[("SHOP_PAYMENT_VOID_MARGIN_SECONDS", "604800")],
                "SHOP_PAYMENT_VOID_MARGIN_SECONDS",
            ),
            (
                &[("SHOP_MAIL_SLOW_RETRY_SECONDS", "0")],
                "SHOP_MAIL_SLOW_RETRY_SECONDS",
            ),
            (
                &[("SHOP_MAIL_GIVE_UP_AFTER_HOURS", "71")],
                "SHOP_MAIL_GIVE_UP_AFTER_HOURS",
            ),
            (
                &[("SHOP_SWEEP_INTERVAL_SECONDS", "x")],
                "SHOP_SWEEP_INTERVAL_SECONDS",
            ),
            (
                &[("SHOP_WORKER_MAX_ATTEMPTS", "101")],
                "SHOP_WORKER_MAX_ATTEMPTS",
            ),
            (&[("SHOP_LOG", "info,[[")], "SHOP_LOG"),
            (&[("SHOP_LOG_FORMAT", "xml")], "SHOP_LOG_FORMAT"),
            (
                &[("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", "k")],
                "SHOP_SQUARE_WEBHOOK_URL",
            ),
            (
                &[(
                    "SHOP_SQUARE_WEBHOOK_URL",
                    "https://shop.test/api/v1/webhooks/square",
                )],
                "SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY",
            ),
            (
                &[
                    ("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", "k"),
                    ("SHOP_SQUARE_WEBHOOK_URL", "shop.test/hook"),
                ],
                "SHOP_SQUARE_WEBHOOK_URL",
            ),
        ];
        for (vars, setting) in cases {
            let e = error_of(vars);
            assert_eq!(e.setting, *setting, "{vars:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn token_keys_default_to_the_data_dir_key_ring() {
        let c = parse(&[("SHOP_DATA_DIR", "/srv/shop")]).unwrap();
        assert_eq!(
            c.token_keys,
            TokenKeys::KeyRing {
                dir: PathBuf::from("/srv/shop"),
                jwks_url: None
            }
        );
        let c = parse(&[
            ("SHOP_DATA_DIR", "/srv/shop"),
            ("SHOP_JWT_KEY_DIR", "/run/secrets/shop"),
            (
                "SHOP_JWT_JWKS_URL",
                "https://auth.example.com/.well-known/jwks.json",
            ),
        ])
        .unwrap();
        assert_eq!(
            c.token_keys,
            TokenKeys::KeyRing {
                dir: PathBuf::from("/run/secrets/shop"),
                jwks_url: Some("https://auth.example.com/.well-known/jwks.json".into())
            }
        );
    }

    #[test]
    fn an_explicit_secret_keeps_legacy_hs256() {
        let c = parse(&[
            ("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef-legacy"),
            ("SHOP_JWT_KEY_DIR", "/ignored"),
        ])
        .unwrap();
        let TokenKeys::Hs256(secret) = &c.token_keys else {
            panic!("HS256 expected: {:?}", c.token_keys);
        };
        assert_eq!(secret.expose(), "0123456789abcdef0123456789abcdef-legacy");
        assert!(!format!("{c:?}").contains("abcdef-legacy"));
    }

    #[test]
    fn dynamodb_accounts_read_their_settings() {
        let c = parse(&[
            ("SHOP_ACCOUNTS", "DynamoDB"),
            ("SHOP_DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:5005"),
            ("SHOP_DYNAMODB_REGION", "eu-west-1"),
            ("SHOP_DYNAMODB_TABLE_PREFIX", "staging"),
            ("SHOP_DYNAMODB_CREATE_TABLES", "true"),
        ])
        .unwrap();
        let AccountsChoice::DynamoDb(settings) = &c.accounts else {
            panic!("dynamodb expected: {:?}", c.accounts);
        };
        assert_eq!(
            settings.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5005")
        );
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        assert_eq!(settings.tables().accounts, "staging-accounts");
        assert!(settings.create_tables);
        // The DynamoDB settings are only read when DynamoDB is chosen.
        let c = parse(&[("SHOP_DYNAMODB_CREATE_TABLES", "yes")]).unwrap();
        assert_eq!(c.accounts, AccountsChoice::Sql);
    }

    #[test]
    fn new_variables_are_known() {
        for name in [
            "SHOP_JWT_KEY_DIR",
            "SHOP_JWT_JWKS_URL",
            "SHOP_DYNAMODB_ENDPOINT_URL",
            "SHOP_DYNAMODB_REGION",
            "SHOP_DYNAMODB_TABLE_PREFIX",
            "SHOP_DYNAMODB_CREATE_TABLES",
        ] {
            assert!(KNOWN_VARIABLES.contains(&name), "{name}");
        }
    }

    #[test]
    fn mail_transports_are_configured() {
        assert_eq!(parse(&[]).unwrap().mail, MailChoice::File);
        let c = parse(&[
            ("SHOP_MAIL", "SMTP"),
            ("SHOP_SMTP_HOST", "smtp.example.com"),
            ("SHOP_SMTP_SECURITY", "tls"),
            ("SHOP_SMTP_USERNAME", "shop"),
            ("SHOP_SMTP_PASSWORD", "smtp-hunter2"),
            ("SHOP_SMTP_TIMEOUT_SECONDS", "7"),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("smtp-hunter2"));
        let MailChoice::Smtp(smtp) = c.mail else {
            panic!("smtp expected");
        };
        assert_eq!(smtp.host, "smtp.example.com");
        assert_eq!(smtp.port, 465);
        assert_eq!(smtp.security, shop_email::SmtpSecurity::Tls);
        assert_eq!(smtp.timeout, Duration::from_secs(7));
        assert_eq!(
            smtp.credentials.as_ref().map(|c| c.username()),
            Some("shop")
        );
        let c = parse(&[
            ("SHOP_MAIL", "ses"),
            ("SHOP_SES_REGION", "eu-west-1"),
            ("SHOP_SES_ENDPOINT_URL", "http://127.0.0.1:5005"),
        ])
        .unwrap();
        assert_eq!(
            c.mail,
            MailChoice::Ses(shop_email::SesSettings {
                region: Some("eu-west-1".into()),
                endpoint_url: Some("http://127.0.0.1:5005".into()),
                configuration_set: None,
            })
        );
        // The transport's variables mean nothing with the file mailbox.
        assert_eq!(
            parse(&[("SHOP_SMTP_PORT", "nope")]).unwrap().mail,
            MailChoice::File
        );
    }

    #[test]
    fn mail_settings_errors_name_their_variable() {
        let smtp = |extra: &[(&'static str, &'static str)]| {
            let mut vars = vec![("SHOP_MAIL", "smtp"), ("SHOP_SMTP_HOST", "127.0.0.1")];
            vars.extend_from_slice(extra);
            error_of(&vars)
        };
        let cases = [
            (error_of(&[("SHOP_MAIL", "smtp")]), "SHOP_SMTP_HOST"),
            (
                smtp(&[("SHOP_SMTP_SECURITY", "ssl3")]),
                "SHOP_SMTP_SECURITY",
            ),
            (smtp(&[("SHOP_SMTP_PORT", "0")]), "SHOP_SMTP_PORT"),
            (smtp(&[("SHOP_SMTP_PORT", "65536")]), "SHOP_SMTP_PORT"),
            (
                smtp(&[("SHOP_SMTP_TIMEOUT_SECONDS", "301")]),
                "SHOP_SMTP_TIMEOUT_SECONDS",
            ),
            (
                smtp(&[("SHOP_SMTP_USERNAME", "shop")]),
                "SHOP_SMTP_PASSWORD",
            ),
            (
                smtp(&[("SHOP_SMTP_PASSWORD", "smtp-hunter2")]),
                "SHOP_SMTP_USERNAME",
            ),
            (
                error_of(&[("SHOP_MAIL", "ses"), ("SHOP_SES_REGION", "EU WEST")]),
                "SHOP_SES_REGION",
            ),
            (
                error_of(&[("SHOP_MAIL", "ses"), ("SHOP_SES_ENDPOINT_URL", "moto:5005")]),
                "SHOP_SES_ENDPOINT_URL",
            ),
        ];
        for (e, setting) in cases {
            assert_eq!(e.setting, setting, "{e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
            assert!(!e.to_string().contains("smtp-hunter2"), "{e}");
        }
    }

    #[test]
    fn step_functions_worker_is_configured() {
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:shop-finalize";
        let c = parse(&[
            ("SHOP_WORKER", "stepfunctions"),
            ("SHOP_SFN_STATE_MACHINE_ARN", arn),
        ])
        .unwrap();
        assert_eq!(
            c.worker,
            WorkerMode::StepFunctions(StepFunctionsSettings {
                state_machine_arn: arn.into(),
                endpoint_url: None,
            })
        );
        let c = parse(&[
            ("SHOP_WORKER", "StepFunctions"),
            ("SHOP_SFN_STATE_MACHINE_ARN", arn),
            ("SHOP_SFN_ENDPOINT_URL", "http://127.0.0.1:5006"),
        ])
        .unwrap();
        let WorkerMode::StepFunctions(sfn) = c.worker else {
            panic!("{:?}", c.worker);
        };
        assert_eq!(sfn.endpoint_url.as_deref(), Some("http://127.0.0.1:5006"));
        // The SFN settings mean nothing to the other modes.
        let c = parse(&[("SHOP_SFN_STATE_MACHINE_ARN", "nonsense")]).unwrap();
        assert_eq!(c.worker, WorkerMode::Embedded);
    }

    #[test]
    fn square_payments_are_configured() {
        let c = parse(&[
            ("SHOP_PAYMENTS", "square"),
            (
                "SHOP_SQUARE_BASE_URL",
                "https://connect.squareupsandbox.com",
            ),
            ("SHOP_SQUARE_ACCESS_TOKEN", "EAAA-secret-token"),
            ("SHOP_SQUARE_LOCATION_ID", "L1"),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("EAAA-secret-token"));
        let PaymentsChoice::Square(square) = c.payments else {
            panic!("square expected");
        };
        assert_eq!(square.base_url, "https://connect.squareupsandbox.com");
        assert_eq!(square.access_token.expose(), "EAAA-secret-token");
        assert_eq!(square.location_id, "L1");
        assert_eq!(square.timeout, Duration::from_secs(20));
        assert_eq!(parse(&[]).unwrap().payments, PaymentsChoice::Simulator);
    }

    #[test]
    fn database_urls() {
        let c = parse(&[("SHOP_DATA_DIR", "/srv/shop")]).unwrap();
        assert_eq!(
            c.database,
            DatabaseChoice::Sql(DatabaseUrl("sqlite:///srv/shop/shop.db".into()))
        );
        assert_eq!(c.database_pool.max_connections, 10);
        assert_eq!(c.database_pool.busy_timeout, Duration::from_secs(5));
        let c = parse(&[("SHOP_DATABASE_URL", "memory:")]).unwrap();
        assert_eq!(c.database, DatabaseChoice::Memory);
        let c = parse(&[
            ("SHOP_DATABASE_URL", "mysql://shop:hunter2@db:3306/shop"),
            ("SHOP_DATABASE_MAX_CONNECTIONS", "32"),
            ("SHOP_DATABASE_MIN_CONNECTIONS", "0"),
            ("SHOP_DATABASE_CONNECT_TIMEOUT_SECONDS", "3"),
            ("SHOP_DATABASE_ACQUIRE_TIMEOUT_SECONDS", "4"),
            ("SHOP_SQLITE_BUSY_TIMEOUT_MS", "250"),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.database_pool.max_connections, 32);
        assert_eq!(c.database_pool.min_connections, 0);
        assert_eq!(c.database_pool.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.database_pool.acquire_timeout, Duration::from_secs(4));
        assert_eq!(c.database_pool.busy_timeout, Duration::from_millis(250));
        let e = error_of(&[("SHOP_DATABASE_URL", "postgres://shop:hunter2@db/shop")]);
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let c = parse(&[
            ("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef-secret"),
            ("SHOP_ADMIN_EMAIL", "Admin@Example.com"),
            ("SHOP_ADMIN_PASSWORD", "a-long-admin-password"),
            ("SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY", "webhook-signature-key"),
            (
                "SHOP_SQUARE_WEBHOOK_URL",
                "https://shop.test/api/v1/webhooks/square",
            ),
        ])
        .unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("abcdef-secret"));
        assert!(!debug.contains("a-long-admin-password"));
        assert!(!debug.contains("webhook-signature-key"));
        let webhook = c.square_webhook.unwrap();
        assert_eq!(webhook.signature_key.expose(), "webhook-signature-key");
        assert_eq!(
            webhook.notification_url,
            "https://shop.test/api/v1/webhooks/square"
        );
    }

    #[test]
    fn values_are_parsed() {
        let c = parse(&[
            ("SHOP_BIND", "127.0.0.1:0"),
            ("SHOP_WORKER", "off"),
            ("SHOP_LOG_FORMAT", "json"),
            ("SHOP_TRUST_PROXY", "true"),
            ("SHOP_ADMIN_NOTIFY", "a@example.com, b@example.com"),
            ("SHOP_CURRENCY", "eur"),
            ("SHOP_RATE_LIMIT_LOGIN_PER_MINUTE", "1000"),
        ])
        .unwrap();
        assert_eq!(c.worker, WorkerMode::Off);
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(c.trust_proxy);
        assert_eq!(c.admin_notify.len(), 2);
        assert_eq!(c.currency.code(), "EUR");
        assert_eq!(c.rate_limits.login_per_minute.get(), 1000);
    }
}
