//! The `SHOP_SQUARE_*` settings of the gateway (the webhook's are in
//! [`crate::webhook`]).

use shop_settings::{Setting, SettingError, Source};

use crate::{AccessToken, SquareConfig};

const BASE_URL: &str = "SHOP_SQUARE_BASE_URL";
const ACCESS_TOKEN: &str = "SHOP_SQUARE_ACCESS_TOKEN";
const LOCATION_ID: &str = "SHOP_SQUARE_LOCATION_ID";
const TIMEOUT_SECONDS: &str = "SHOP_SQUARE_TIMEOUT_SECONDS";

/// Completes "must be set ..." for the three settings Square cannot do without.
const WHEN: &str = "when SHOP_PAYMENTS=square";

/// The settings [`SquareConfig::from_settings`] reads, as the README lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: BASE_URL,
        default: "unset",
        meaning: "With `SHOP_PAYMENTS=square`: `https://connect.squareupsandbox.com` (sandbox), `https://connect.squareup.com` (production), or a test double's URL.",
    },
    Setting {
        name: ACCESS_TOKEN,
        default: "unset",
        meaning: "With `SHOP_PAYMENTS=square`: the access token (never logged).",
    },
    Setting {
        name: LOCATION_ID,
        default: "unset",
        meaning: "With `SHOP_PAYMENTS=square`: the location payments are taken for.",
    },
    Setting {
        name: TIMEOUT_SECONDS,
        default: "`20`",
        meaning: "With `SHOP_PAYMENTS=square`: the longest one Square request may take (1..=300).",
    },
];

impl SquareConfig {
    /// The gateway's settings from `src`: base URL, access token and
    /// location are required, the timeout bounds each whole request.
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let base_url = src.required_http_url(BASE_URL, WHEN)?;
        let access_token = AccessToken::new(src.required(ACCESS_TOKEN, WHEN)?);
        let location_id = src.required(LOCATION_ID, WHEN)?;
        let request_timeout = src.seconds(TIMEOUT_SECONDS, 20, 1..=300)?;
        Ok(Self {
            request_timeout,
            ..Self::new(&base_url, access_token, &location_id)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    const TOKEN: &str = "EAAA-secret-token";

    fn parse(vars: &[(&str, &str)]) -> Result<SquareConfig, SettingError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = |name: &str| map.get(name).cloned();
        SquareConfig::from_settings(&Source::new(&lookup))
    }

    fn complete() -> Vec<(&'static str, &'static str)> {
        vec![
            (BASE_URL, "https://connect.squareupsandbox.com"),
            (ACCESS_TOKEN, TOKEN),
            (LOCATION_ID, "L1"),
        ]
    }

    #[test]
    fn the_table_lists_the_gateway_settings() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "SHOP_SQUARE_BASE_URL",
                "SHOP_SQUARE_ACCESS_TOKEN",
                "SHOP_SQUARE_LOCATION_ID",
                "SHOP_SQUARE_TIMEOUT_SECONDS",
            ]
        );
    }

    #[test]
    fn every_setting_is_read() {
        let config = parse(&complete()).unwrap();
        assert_eq!(config.base_url, "https://connect.squareupsandbox.com");
        assert_eq!(config.access_token.expose(), TOKEN);
        assert_eq!(config.location_id, "L1");
        assert_eq!(config.request_timeout, Duration::from_secs(20));
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        let mut vars = complete();
        vars.push((TIMEOUT_SECONDS, "300"));
        vars.push((ACCESS_TOKEN, " EAAA-padded "));
        let config = parse(&vars).unwrap();
        assert_eq!(config.request_timeout, Duration::from_secs(300));
        assert_eq!(config.access_token.expose(), "EAAA-padded");
    }

    #[test]
    fn each_missing_or_bad_value_is_named_on_one_line() {
        let without = |name: &str| -> Vec<(&str, &str)> {
            complete().into_iter().filter(|(k, _)| *k != name).collect()
        };
        let with = |name: &'static str, value: &'static str| {
            let mut vars = complete();
            vars.push((name, value));
            vars
        };
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![], BASE_URL),
            (without(BASE_URL), BASE_URL),
            (with(BASE_URL, "connect.squareup.com"), BASE_URL),
            (without(ACCESS_TOKEN), ACCESS_TOKEN),
            (with(ACCESS_TOKEN, "  "), ACCESS_TOKEN),
            (without(LOCATION_ID), LOCATION_ID),
            (with(TIMEOUT_SECONDS, "0"), TIMEOUT_SECONDS),
            (with(TIMEOUT_SECONDS, "301"), TIMEOUT_SECONDS),
            (with(TIMEOUT_SECONDS, "soon"), TIMEOUT_SECONDS),
        ];
        for (vars, setting) in cases {
            let e = parse(&vars).unwrap_err();
            assert_eq!(e.setting, setting, "{vars:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{setting}: ")), "{e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
            assert!(!e.to_string().contains(TOKEN), "{e}");
        }
        assert_eq!(
            parse(&without(LOCATION_ID)).unwrap_err().to_string(),
            "SHOP_SQUARE_LOCATION_ID: must be set when SHOP_PAYMENTS=square"
        );
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let config = parse(&complete()).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(shown.contains("L1"), "{shown}");
    }
}
