//! Mail transports for the domain's [`Mailer`](shop_domain::mail::Mailer)
//! port: [`SmtpMailer`] (any SMTP relay, through lettre) and [`SesMailer`]
//! (Amazon SES v2).
//!
//! Both send the same MIME message, built in one place: `From`, `To`, `Subject`, `Date`, the message's
//! deterministic `Message-ID` exactly as given, and a `multipart/alternative`
//! body with the text part first and the HTML part second. SES gets it as
//! raw content because its simple content cannot carry a `Message-ID`.
//!
//! Every failure is a [`MailError`](shop_domain::mail::MailError):
//! `Transient` when a later retry may succeed (server down, timeout, SMTP 4xx,
//! SES throttling or a 5xx), `Rejected` when it cannot (SMTP 5xx, SES
//! `MessageRejected` and the like, an address lettre cannot encode).
//!
//! # Settings from the environment
//!
//! [`SmtpSettings::from_env`] and [`SesSettings::from_env`] read these
//! variables through a lookup function (normally `std::env::var(name).ok()`).
//! A variable set to an empty string counts as unset.
//!
//! | Variable | Transport | Default | Meaning |
//! |---|---|---|---|
//! | `SHOP_SMTP_HOST` | smtp | required | Host name of the SMTP relay (also the name its TLS certificate must carry). |
//! | `SHOP_SMTP_SECURITY` | smtp | `starttls` | `starttls` (plain connection upgraded with STARTTLS, which is required), `tls` (TLS from the first byte, "SMTPS") or `plain` (no encryption: local relays and tests only). |
//! | `SHOP_SMTP_PORT` | smtp | `587` for `starttls`, `465` for `tls`, `25` for `plain` | TCP port of the relay, 1 to 65535. |
//! | `SHOP_SMTP_USERNAME` | smtp | none | User name for SMTP AUTH; set together with `SHOP_SMTP_PASSWORD` or not at all. |
//! | `SHOP_SMTP_PASSWORD` | smtp | none | Password for SMTP AUTH; never logged or shown in `Debug`. |
//! | `SHOP_SMTP_TIMEOUT_SECONDS` | smtp | `10` | Limit for one whole send (connecting, the SMTP dialogue, the data), 1 to 300 seconds. |
//! | `SHOP_SES_REGION` | ses | the AWS chain (`AWS_REGION`, then the profile) | AWS region of SES, e.g. `eu-west-1`. |
//! | `SHOP_SES_ENDPOINT_URL` | ses | the region's SES endpoint | Another endpoint, e.g. a local emulator (`http://127.0.0.1:5005`). |
//! | `SHOP_SES_CONFIGURATION_SET` | ses | none | SES configuration set that every message is sent with (event publishing, dedicated IPs). |
//!
//! SES credentials come from the standard AWS chain (`AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, web identity, the ECS or EC2
//! instance role).

mod mime;
mod ses;
mod settings;
mod smtp;

pub use ses::{SesMailer, SesSettings};
pub use settings::SettingsError;
pub use smtp::{SmtpCredentials, SmtpMailer, SmtpSecurity, SmtpSettings};
