//! Mail through Amazon SES (API v2).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use shop_domain::mail::{MailError, MailMessage, Mailer};
use shop_settings::{Setting, SettingError, Source};

use crate::mime::mime_message;

const REGION: &str = "SHOP_SES_REGION";
const ENDPOINT_URL: &str = "SHOP_SES_ENDPOINT_URL";
const CONFIGURATION_SET: &str = "SHOP_SES_CONFIGURATION_SET";

/// The settings [`SesSettings::from_settings`] reads, as the README lists them.
pub const SES_SETTINGS: &[Setting] = &[
    Setting {
        name: REGION,
        default: "the AWS chain (`AWS_REGION`, then the profile)",
        meaning: "AWS region of SES, e.g. `eu-west-1`.",
    },
    Setting {
        name: ENDPOINT_URL,
        default: "the region's SES endpoint",
        meaning: "Another endpoint, e.g. a local emulator (`http://127.0.0.1:5005`).",
    },
    Setting {
        name: CONFIGURATION_SET,
        default: "unset",
        meaning: "SES configuration set that every message is sent with (event publishing, dedicated IPs).",
    },
];

/// One attempt and the whole call (the SDK retries throttling and 5xx
/// within it): a hung endpoint fails the send instead of the worker.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to reach SES. Credentials are not here: they come from the
/// standard AWS chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SesSettings {
    /// `None`: the AWS chain's region (`AWS_REGION`, the profile).
    pub region: Option<String>,
    /// `None`: the region's SES endpoint.
    pub endpoint_url: Option<String>,
    pub configuration_set: Option<String>,
}

impl SesSettings {
    /// Reads the `SHOP_SES_*` settings of `src` (see [`SES_SETTINGS`]).
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let region = src.get(REGION);
        if let Some(region) = &region
            && !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(SettingError::new(
                REGION,
                format!("must be an AWS region such as eu-west-1, not {region:?}"),
            ));
        }
        Ok(Self {
            region,
            endpoint_url: src.http_url(ENDPOINT_URL)?,
            configuration_set: src.get(CONFIGURATION_SET),
        })
    }
}

/// Sends each message with SES `SendEmail` as raw content: the MIME
/// message the SMTP transport would send, so the deterministic Message-ID
/// reaches the recipient (simple content cannot carry one).
#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl fmt::Debug for SesMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SesMailer")
            .field("region", &self.client.config().region())
            .field("configuration_set", &self.configuration_set)
            .finish_non_exhaustive()
    }
}

impl SesMailer {
    /// Loads the AWS configuration (credentials, and the region unless
    /// `settings` names one) from the standard chain.
    pub async fn new(settings: &SesSettings) -> Result<Self, SettingError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        );
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(SettingError::new(
                REGION,
                "is unset and the AWS chain (AWS_REGION, the profile) has no region either",
            ));
        }
        Ok(Self::with_config(&config).with_configuration_set(settings.configuration_set.clone()))
    }

    /// A mailer on a ready AWS configuration (tests: static credentials
    /// and a local endpoint), without a configuration set.
    pub fn with_config(config: &SdkConfig) -> Self {
        Self {
            client: Client::new(config),
            configuration_set: None,
        }
    }

    #[must_use]
    pub fn with_configuration_set(self, configuration_set: Option<String>) -> Self {
        Self {
            configuration_set,
            ..self
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    #[tracing::instrument(level = "debug", skip_all, fields(mail_id = %shop_domain::mail::outbox_id(&message.message_id)))]
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let mime = mime_message(message)?;
        let raw = RawMessage::builder()
            .data(Blob::new(mime.formatted()))
            .build()
            .map_err(|e| MailError::Rejected(format!("cannot build the SES message: {e}")))?;
        self.client
            .send_email()
            .from_email_address(message.from.as_str())
            // The envelope names the one recipient; SES would otherwise
            // take every address in the headers.
            .destination(
                Destination::builder()
                    .to_addresses(message.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map(|_output| ())
            .map_err(|e| classify(&e))
    }
}

/// SES's refusals of this message or sender are for good; throttling,
/// paused sending, a missing configuration set, 5xx replies, timeouts and
/// unreachable endpoints may pass later (some once an operator acts).
fn classify<R: fmt::Debug>(e: &SdkError<SendEmailError, R>) -> MailError {
    let detail = format!("SES: {}", DisplayErrorContext(e));
    match e {
        SdkError::ServiceError(service) => match service.err() {
            SendEmailError::MessageRejected(_)
            | SendEmailError::MailFromDomainNotVerifiedException(_)
            | SendEmailError::AccountSuspendedException(_)
            | SendEmailError::BadRequestException(_) => MailError::Rejected(detail),
            _ => MailError::Transient(detail),
        },
        _ => MailError::Transient(detail),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<SesSettings, SettingError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = |name: &str| vars.get(name).cloned();
        SesSettings::from_settings(&Source::new(&lookup))
    }

    #[test]
    fn the_table_lists_the_ses_settings() {
        let names: Vec<&str> = SES_SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "SHOP_SES_REGION",
                "SHOP_SES_ENDPOINT_URL",
                "SHOP_SES_CONFIGURATION_SET",
            ]
        );
    }

    #[test]
    fn every_variable_is_optional() {
        assert_eq!(parse(&[]), Ok(SesSettings::default()));
        assert_eq!(
            parse(&[(REGION, ""), (ENDPOINT_URL, " "), (CONFIGURATION_SET, "")]),
            Ok(SesSettings::default())
        );
        assert_eq!(
            parse(&[
                (REGION, "eu-west-1"),
                (ENDPOINT_URL, "http://127.0.0.1:5005"),
                (CONFIGURATION_SET, "shop-transactional"),
            ]),
            Ok(SesSettings {
                region: Some("eu-west-1".into()),
                endpoint_url: Some("http://127.0.0.1:5005".into()),
                configuration_set: Some("shop-transactional".into()),
            })
        );
    }

    #[test]
    fn a_malformed_region_or_endpoint_is_named() {
        for (setting, value) in [(REGION, "EU West"), (ENDPOINT_URL, "127.0.0.1:5005")] {
            let e = parse(&[(setting, value)]).unwrap_err();
            assert_eq!(e.setting, setting, "{e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
    }
}
