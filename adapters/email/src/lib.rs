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
//! # Settings
//!
//! [`SmtpSettings::from_settings`] and [`SesSettings::from_settings`] read
//! the settings of [`SMTP_SETTINGS`] and [`SES_SETTINGS`] from a
//! [`shop_settings::Source`]. The SMTP password is taken as given (spaces
//! included) and never shown by `Debug` or an error.
//!
//! SES credentials come from the standard AWS chain (`AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, web identity, the ECS or EC2
//! instance role).

mod mime;
mod ses;
mod smtp;

pub use ses::{SES_SETTINGS, SesMailer, SesSettings};
pub use smtp::{SMTP_SETTINGS, SmtpCredentials, SmtpMailer, SmtpSecurity, SmtpSettings};
