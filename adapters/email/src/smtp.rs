//! Mail through an SMTP relay.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use shop_domain::mail::{MailError, MailMessage, Mailer};
use shop_settings::{Setting, SettingError, Source};

use crate::mime::mime_message;

const HOST: &str = "SHOP_SMTP_HOST";
const PORT: &str = "SHOP_SMTP_PORT";
const SECURITY: &str = "SHOP_SMTP_SECURITY";
const USERNAME: &str = "SHOP_SMTP_USERNAME";
const PASSWORD: &str = "SHOP_SMTP_PASSWORD";
const TIMEOUT_SECONDS: &str = "SHOP_SMTP_TIMEOUT_SECONDS";

const DEFAULT_TIMEOUT_SECONDS: u64 = 10;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(DEFAULT_TIMEOUT_SECONDS);
const MAX_TIMEOUT_SECONDS: u64 = 300;

/// The settings [`SmtpSettings::from_settings`] reads, as the README lists them.
pub const SMTP_SETTINGS: &[Setting] = &[
    Setting {
        name: HOST,
        default: "required with `smtp`",
        meaning: "Host name of the SMTP relay (also the name its TLS certificate must carry).",
    },
    Setting {
        name: SECURITY,
        default: "`starttls`",
        meaning: "`starttls` (plain connection upgraded with STARTTLS, which is required), `tls` (TLS from the first byte, \"SMTPS\") or `plain` (no encryption: local relays and tests only).",
    },
    Setting {
        name: PORT,
        default: "`587` for `starttls`, `465` for `tls`, `25` for `plain`",
        meaning: "TCP port of the relay, 1 to 65535.",
    },
    Setting {
        name: USERNAME,
        default: "unset",
        meaning: "User name for SMTP AUTH; set together with `SHOP_SMTP_PASSWORD` or not at all.",
    },
    Setting {
        name: PASSWORD,
        default: "unset",
        meaning: "Password for SMTP AUTH; never logged or shown in `Debug`.",
    },
    Setting {
        name: TIMEOUT_SECONDS,
        default: "`10`",
        meaning: "Limit for one whole send (connecting, the SMTP dialogue, the data), 1 to 300 seconds.",
    },
];

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// A plain connection upgraded with STARTTLS; a relay that does not
    /// offer it is refused rather than spoken to in the clear.
    StartTls,
    /// TLS from the first byte ("SMTPS", "implicit TLS").
    Tls,
    /// No encryption at all: for a relay on the same host or a test sink.
    Plain,
}

impl SmtpSecurity {
    /// The port this kind of relay listens on by convention.
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::Plain => 25,
        }
    }
}

/// SMTP AUTH user name and password. `Debug` shows the user name only.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    username: String,
    password: String,
}

impl SmtpCredentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    pub fn username(&self) -> &str {
        &self.username
    }
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where and how to reach the SMTP relay.
///
/// User name and password are one optional value, so settings can never
/// hold one without the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<SmtpCredentials>,
    /// Limit for one whole send: connecting, the SMTP dialogue and the data.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Settings for `host` with the conventional port of `security`, no
    /// authentication and the default timeout.
    pub fn new(host: impl Into<String>, security: SmtpSecurity) -> Self {
        Self {
            host: host.into(),
            port: security.default_port(),
            security,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Reads the `SHOP_SMTP_*` settings of `src` (see [`SMTP_SETTINGS`]).
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let host = src.required(HOST, "when SHOP_MAIL=smtp")?;
        let security = match src
            .choice(SECURITY, "starttls", &["starttls", "tls", "plain"])?
            .as_str()
        {
            "tls" => SmtpSecurity::Tls,
            "plain" => SmtpSecurity::Plain,
            _ => SmtpSecurity::StartTls,
        };
        let port = src.count(PORT, u32::from(security.default_port()), 1..=65_535)?;
        let port = u16::try_from(port).map_err(|_| SettingError::new(PORT, "is out of range"))?;
        // The pair is checked on trimmed values like every other pair, but
        // the password is taken as given: its spaces may be part of it.
        let credentials = src.pair(USERNAME, PASSWORD)?.and_then(|(username, _)| {
            src.raw(PASSWORD)
                .map(|password| SmtpCredentials::new(username, password))
        });
        let timeout = src.seconds(
            TIMEOUT_SECONDS,
            DEFAULT_TIMEOUT_SECONDS,
            1..=MAX_TIMEOUT_SECONDS,
        )?;
        Ok(Self {
            host,
            port,
            security,
            credentials,
            timeout,
        })
    }
}

/// Sends each message in its own SMTP session with the relay of its
/// settings: a connection per message keeps nothing stale between sends
/// and suits the volume of a shop's notices.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    relay: String,
    timeout: Duration,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The transport holds the credentials: never shown.
        f.debug_struct("SmtpMailer")
            .field("relay", &self.relay)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the relay of `settings`. Connects only when sending;
    /// fails only on a host name that TLS cannot verify a certificate for.
    pub fn new(settings: &SmtpSettings) -> Result<Self, SettingError> {
        let tls_host = |e: lettre::transport::smtp::Error| {
            SettingError::new(HOST, format!("cannot be used for TLS: {e}"))
        };
        let builder = match settings.security {
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(tls_host)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(tls_host)?
            }
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let Some(credentials) = &settings.credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            relay: format!("{}:{}", settings.host, settings.port),
            timeout: settings.timeout,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    #[tracing::instrument(level = "debug", skip_all, fields(mail_id = %shop_domain::mail::outbox_id(&message.message_id)))]
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let mime = mime_message(message)?;
        // lettre's own timeout covers connecting only; a relay that accepts
        // and then stalls would hold the send for ever.
        match tokio::time::timeout(self.timeout, self.transport.send(mime)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(classify(&self.relay, &e)),
            Err(_elapsed) => Err(MailError::Transient(format!(
                "SMTP relay {}: no answer within {:?}",
                self.relay, self.timeout
            ))),
        }
    }
}

/// A permanent (5xx) reply rejects the message for good; everything else
/// (a 4xx, a refused or dropped connection, a timeout, a TLS failure, a
/// garbled reply) may pass on a later try.
fn classify(relay: &str, e: &lettre::transport::smtp::Error) -> MailError {
    let detail = format!("SMTP relay {relay}: {e}");
    if e.is_permanent() {
        MailError::Rejected(detail)
    } else {
        MailError::Transient(detail)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<SmtpSettings, SettingError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = |name: &str| vars.get(name).cloned();
        SmtpSettings::from_settings(&Source::new(&lookup))
    }

    #[test]
    fn the_table_lists_the_smtp_settings() {
        let names: Vec<&str> = SMTP_SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "SHOP_SMTP_HOST",
                "SHOP_SMTP_SECURITY",
                "SHOP_SMTP_PORT",
                "SHOP_SMTP_USERNAME",
                "SHOP_SMTP_PASSWORD",
                "SHOP_SMTP_TIMEOUT_SECONDS",
            ]
        );
    }

    #[test]
    fn only_the_host_is_required() {
        let missing = SettingError::new(HOST, "must be set when SHOP_MAIL=smtp");
        assert_eq!(parse(&[]), Err(missing.clone()));
        assert_eq!(parse(&[(HOST, "  ")]), Err(missing));
        assert_eq!(
            parse(&[(HOST, " mail.example.com ")]),
            Ok(SmtpSettings::new(
                "mail.example.com",
                SmtpSecurity::StartTls
            ))
        );
    }

    #[test]
    fn the_default_port_follows_the_security() {
        let port = |security: &str| parse(&[(HOST, "h"), (SECURITY, security)]).map(|s| s.port);
        assert_eq!(port("starttls"), Ok(587));
        assert_eq!(port("TLS"), Ok(465));
        assert_eq!(port("plain"), Ok(25));
        assert!(matches!(
            port("ssl"),
            Err(SettingError {
                setting: SECURITY,
                ..
            })
        ));
        assert_eq!(
            parse(&[(HOST, "h"), (SECURITY, "tls"), (PORT, "2465")]).map(|s| s.port),
            Ok(2465)
        );
        for bad in ["0", "65536", "x"] {
            assert!(
                matches!(
                    parse(&[(HOST, "h"), (PORT, bad)]),
                    Err(SettingError { setting: PORT, .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn username_and_password_come_together() {
        let both = parse(&[(HOST, "h"), (USERNAME, "shop"), (PASSWORD, " s3cret ")]);
        assert_eq!(
            both.map(|s| s.credentials),
            Ok(Some(SmtpCredentials::new("shop", " s3cret ")))
        );
        assert_eq!(
            parse(&[(HOST, "h"), (USERNAME, "shop")]),
            Err(SettingError::new(
                PASSWORD,
                "must be set when SHOP_SMTP_USERNAME is set (both or neither)"
            ))
        );
        assert_eq!(
            parse(&[(HOST, "h"), (PASSWORD, "s3cret")]),
            Err(SettingError::new(
                USERNAME,
                "must be set when SHOP_SMTP_PASSWORD is set (both or neither)"
            ))
        );
    }

    #[test]
    fn the_timeout_is_bounded() {
        let timeout =
            |value: &str| parse(&[(HOST, "h"), (TIMEOUT_SECONDS, value)]).map(|s| s.timeout);
        assert_eq!(timeout("1"), Ok(Duration::from_secs(1)));
        assert_eq!(timeout("300"), Ok(Duration::from_secs(300)));
        for bad in ["0", "301", "-1", "2.5", "ten"] {
            assert!(
                matches!(
                    timeout(bad),
                    Err(SettingError {
                        setting: TIMEOUT_SECONDS,
                        ..
                    })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            parse(&[(HOST, "h")]).map(|s| s.timeout),
            Ok(Duration::from_secs(10))
        );
    }

    #[test]
    fn the_password_is_never_shown() {
        let settings = parse(&[
            (HOST, "h"),
            (USERNAME, "shop"),
            (PASSWORD, "hunter2-secret"),
        ])
        .expect("valid settings");
        let shown = format!("{settings:?}");
        assert!(shown.contains("shop"), "{shown}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        let mailer = SmtpMailer::new(&settings).expect("a valid host");
        assert!(!format!("{mailer:?}").contains("hunter2-secret"));
        let unpaired = parse(&[(HOST, "h"), (PASSWORD, "hunter2-secret")])
            .expect_err("a password without a user name");
        assert!(
            !unpaired.to_string().contains("hunter2-secret"),
            "{unpaired}"
        );
    }

    #[test]
    fn errors_name_the_setting_on_one_line() {
        let e = parse(&[(HOST, "h"), (PORT, "x")]).expect_err("a bad port");
        assert_eq!(e.to_string(), "SHOP_SMTP_PORT: \"x\" is not a whole number");
        let e = parse(&[(HOST, "h"), (SECURITY, "ssl3")]).expect_err("a bad security");
        assert_eq!(
            e.to_string(),
            "SHOP_SMTP_SECURITY: \"ssl3\" is not one of starttls, tls, plain"
        );
    }
}
