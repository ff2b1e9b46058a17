//! Square's webhooks: a notification is signed in
//! `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature key,
//! notification URL + raw body)), and carries a payment event.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shop_domain::payment::events::PaymentEvent;
use shop_settings::{SecretString, Setting, SettingError, Source};

/// The header Square signs notifications in.
pub const SIGNATURE_HEADER: &str = "x-square-hmacsha256-signature";

const SIGNATURE_KEY: &str = "SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY";
const NOTIFICATION_URL: &str = "SHOP_SQUARE_WEBHOOK_URL";

/// The settings [`WebhookSettings::from_settings`] reads, as the README lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: SIGNATURE_KEY,
        default: "unset",
        meaning: "The signature key of the Square webhook subscription. With it (and `SHOP_SQUARE_WEBHOOK_URL`, both or neither), `POST /api/v1/webhooks/square` accepts notifications whose `x-square-hmacsha256-signature` is base64(HMAC-SHA256(key, URL + raw body)); a `payment.updated` whose payment is CANCELED or FAILED ends an order still authorized in `payment_failed` (stock released); a redelivered `event_id` changes nothing. Unset: every notification is answered 401 `invalid_signature`.",
    },
    Setting {
        name: NOTIFICATION_URL,
        default: "unset",
        meaning: "The notification URL exactly as registered with Square (part of what Square signs).",
    },
];

/// One webhook subscription: its signature key (never shown by `Debug`)
/// and its notification URL, which Square signs along with the body.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub signature_key: SecretString,
    pub notification_url: String,
}

impl WebhookSettings {
    /// Both settings, or `None` when neither is set (every notification is
    /// then refused); one without the other is an error naming the unset one.
    pub fn from_settings(src: &Source<'_>) -> Result<Option<Self>, SettingError> {
        let Some((signature_key, _)) = src.pair(SIGNATURE_KEY, NOTIFICATION_URL)? else {
            return Ok(None);
        };
        Ok(src
            .http_url(NOTIFICATION_URL)?
            .map(|notification_url| Self {
                signature_key: SecretString::from(signature_key),
                notification_url,
            }))
    }
}

/// Why a notification is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the notification is not signed")]
    Unsigned,
    #[error("the signature does not match")]
    SignatureMismatch,
    #[error("the notification is not a JSON object")]
    NotJson,
    #[error("the notification has no event_id")]
    NoEventId,
}

impl WebhookError {
    /// Whether the sender is in doubt (rather than the body).
    pub fn is_signature(&self) -> bool {
        matches!(self, Self::Unsigned | Self::SignatureMismatch)
    }
}

/// Checks Square's webhook signatures for one subscription.
#[derive(Clone)]
pub struct WebhookVerifier {
    key: Vec<u8>,
    notification_url: String,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("notification_url", &self.notification_url)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    pub fn new(signature_key: &str, notification_url: &str) -> Self {
        Self {
            key: signature_key.as_bytes().to_vec(),
            notification_url: notification_url.to_string(),
        }
    }

    fn mac(&self, body: &[u8]) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(self.notification_url.as_bytes());
        mac.update(body);
        Some(mac)
    }

    /// The signature Square sends for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        self.mac(body)
            .map(|mac| {
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
            })
            .unwrap_or_default()
    }

    /// Whether `signature` (the header's value) signs `body`; the
    /// comparison takes the same time wherever the bytes differ.
    pub fn verify(&self, body: &[u8], signature: &str) -> bool {
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
            return false;
        };
        self.mac(body)
            .is_some_and(|mac| mac.verify_slice(&given).is_ok())
    }

    /// [`verify`](Self::verify) for the header as received, if it was.
    pub fn authenticate(&self, body: &[u8], signature: Option<&str>) -> Result<(), WebhookError> {
        let signature = signature.ok_or(WebhookError::Unsigned)?;
        if self.verify(body, signature) {
            Ok(())
        } else {
            Err(WebhookError::SignatureMismatch)
        }
    }
}

/// The parts of Square's event notification the shop reads.
pub fn parse_event(body: &[u8]) -> Result<PaymentEvent, WebhookError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| WebhookError::NotJson)?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let event_id = value
        .get("event_id")
        .and_then(text)
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::NoEventId)?;
    let payment = value
        .get("data")
        .and_then(|d| d.get("object"))
        .and_then(|o| o.get("payment"));
    Ok(PaymentEvent {
        event_id,
        event_type: value.get("type").and_then(text).unwrap_or_default(),
        payment_id: payment
            .and_then(|p| p.get("id"))
            .and_then(text)
            .or_else(|| value.get("data").and_then(|d| d.get("id")).and_then(text)),
        payment_status: payment.and_then(|p| p.get("status")).and_then(text),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use shop_settings::ExposeSecret as _;

    use super::*;

    const URL: &str = "https://shop.test/api/v1/webhooks/square";

    fn settings(vars: &[(&str, &str)]) -> Result<Option<WebhookSettings>, SettingError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = |name: &str| map.get(name).cloned();
        WebhookSettings::from_settings(&Source::new(&lookup))
    }

    #[test]
    fn the_table_lists_the_webhook_settings() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "SHOP_SQUARE_WEBHOOK_SIGNATURE_KEY",
                "SHOP_SQUARE_WEBHOOK_URL"
            ]
        );
    }

    #[test]
    fn settings_are_both_or_neither() {
        assert!(settings(&[]).unwrap().is_none());
        assert!(
            settings(&[(SIGNATURE_KEY, " "), (NOTIFICATION_URL, "")])
                .unwrap()
                .is_none()
        );
        let both = settings(&[(SIGNATURE_KEY, "webhook-key"), (NOTIFICATION_URL, URL)])
            .unwrap()
            .unwrap();
        assert_eq!(both.signature_key.expose_secret(), "webhook-key");
        assert_eq!(both.notification_url, URL);
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[(SIGNATURE_KEY, "webhook-key")], NOTIFICATION_URL),
            (&[(NOTIFICATION_URL, URL)], SIGNATURE_KEY),
            (
                &[
                    (SIGNATURE_KEY, "webhook-key"),
                    (NOTIFICATION_URL, "shop.test/hook"),
                ],
                NOTIFICATION_URL,
            ),
        ];
        for (vars, setting) in cases {
            let e = settings(vars).unwrap_err();
            assert_eq!(e.setting, *setting, "{vars:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
            assert!(!e.to_string().contains("webhook-key"), "{e}");
        }
    }

    #[test]
    fn the_key_never_shows_in_debug() {
        let s = settings(&[(SIGNATURE_KEY, "webhook-key"), (NOTIFICATION_URL, URL)])
            .unwrap()
            .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("webhook-key"), "{shown}");
        assert!(shown.contains(URL), "{shown}");
    }

    #[test]
    fn settings_make_a_verifier() {
        let s = settings(&[
            (SIGNATURE_KEY, "key"),
            (NOTIFICATION_URL, "https://x.test/h"),
        ])
        .unwrap()
        .unwrap();
        let verifier = WebhookVerifier::new(s.signature_key.expose_secret(), &s.notification_url);
        assert_eq!(verifier.authenticate(b"{}", Some(KNOWN)), Ok(()));
    }

    #[test]
    fn signatures_cover_the_url_and_the_body() {
        let verifier = WebhookVerifier::new("key", "https://shop.test/api/v1/webhooks/square");
        let body = br#"{"event_id":"e"}"#;
        let signature = verifier.sign(body);
        assert!(verifier.verify(body, &signature));
        assert!(!verifier.verify(br#"{"event_id":"f"}"#, &signature));
        assert!(!verifier.verify(body, "not base64!"));
        assert!(!verifier.verify(body, ""));
        let other_url = WebhookVerifier::new("key", "https://elsewhere.test/hook");
        assert!(!other_url.verify(body, &signature));
        let other_key = WebhookVerifier::new("other", "https://shop.test/api/v1/webhooks/square");
        assert!(!other_key.verify(body, &signature));
    }

    #[test]
    fn known_vector() {
        // base64(HMAC-SHA256("key", "https://x.test/h" + "{}")), computed
        // independently (Python hmac).
        let verifier = WebhookVerifier::new("key", "https://x.test/h");
        assert_eq!(verifier.sign(b"{}"), KNOWN);
    }

    const KNOWN: &str = "Kg9ojwEQPpjoBevlUG5vrQrB4Sh8pe18nNilBpMDwkY=";

    #[test]
    fn authenticate_names_what_is_wrong() {
        let verifier = WebhookVerifier::new("key", "https://x.test/h");
        assert_eq!(verifier.authenticate(b"{}", Some(KNOWN)), Ok(()));
        assert_eq!(
            verifier.authenticate(b"{}", None),
            Err(WebhookError::Unsigned)
        );
        let wrong = verifier.authenticate(b"{ }", Some(KNOWN)).unwrap_err();
        assert_eq!(wrong, WebhookError::SignatureMismatch);
        assert!(wrong.is_signature());
    }

    #[test]
    fn events_parse_squares_shape() {
        let body = br#"{"merchant_id":"M","type":"payment.updated","event_id":"ev-1","created_at":"2026-01-01T00:00:00Z","data":{"type":"payment","id":"pay-1","object":{"payment":{"id":"pay-1","status":"CANCELED"}}}}"#;
        let event = parse_event(body).unwrap();
        assert_eq!(event.event_id, "ev-1");
        assert_eq!(event.event_type, "payment.updated");
        assert_eq!(event.payment_id.as_deref(), Some("pay-1"));
        assert_eq!(event.payment_status.as_deref(), Some("CANCELED"));
        assert_eq!(parse_event(b"{}"), Err(WebhookError::NoEventId));
        assert_eq!(parse_event(b"nope"), Err(WebhookError::NotJson));
        assert!(!WebhookError::NotJson.is_signature());
    }
}
