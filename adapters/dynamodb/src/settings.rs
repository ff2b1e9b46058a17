//! Configuration from the `SHOP_DYNAMODB_*` settings, and building a client.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::Client;
use shop_settings::{Setting, SettingError, Source};

const ENDPOINT_URL: &str = "SHOP_DYNAMODB_ENDPOINT_URL";
const REGION: &str = "SHOP_DYNAMODB_REGION";
const TABLE_PREFIX: &str = "SHOP_DYNAMODB_TABLE_PREFIX";
const CREATE_TABLES: &str = "SHOP_DYNAMODB_CREATE_TABLES";

/// The settings [`DynamoSettings::from_settings`] reads, as the README lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: ENDPOINT_URL,
        default: "unset: AWS itself",
        meaning: "With `SHOP_ACCOUNTS=dynamodb`: another endpoint (`http(s)://...`), such as moto server or DynamoDB Local.",
    },
    Setting {
        name: REGION,
        default: "unset: the AWS chain (`AWS_REGION`, the profile...)",
        meaning: "With `SHOP_ACCOUNTS=dynamodb`: the AWS region.",
    },
    Setting {
        name: TABLE_PREFIX,
        default: "`shop`",
        meaning: "With `SHOP_ACCOUNTS=dynamodb`: the tables are `<prefix>-accounts` and `<prefix>-sessions` (1 to 200 of `A-Za-z0-9_.-`).",
    },
    Setting {
        name: CREATE_TABLES,
        default: "`false`",
        meaning: "With `SHOP_ACCOUNTS=dynamodb`: `true` creates missing tables at start-up (local setups; in production the tables come from infrastructure code).",
    },
];

/// The default of `SHOP_DYNAMODB_TABLE_PREFIX`.
pub const DEFAULT_TABLE_PREFIX: &str = "shop";

/// The names of the adapter's two tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoTables {
    /// Users and the e-mail uniqueness items.
    pub accounts: String,
    /// Refresh sessions, their per-user index items, and refresh tokens.
    pub sessions: String,
}

impl DynamoTables {
    /// `<prefix>-accounts` and `<prefix>-sessions`.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            accounts: format!("{prefix}-accounts"),
            sessions: format!("{prefix}-sessions"),
        }
    }
}

/// Where the tables live and what they are called. Credentials are not here:
/// they come from the AWS default chain (environment, profile, container or
/// instance role), and never from this crate's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoSettings {
    /// A non-AWS endpoint (moto, DynamoDB Local); `None` for AWS itself.
    pub endpoint_url: Option<String>,
    /// `None`: the region of the AWS chain (`AWS_REGION`, the profile...).
    pub region: Option<String>,
    pub table_prefix: String,
    /// Create the tables at start-up when missing (local setups).
    pub create_tables: bool,
}

impl DynamoSettings {
    /// Reads the `SHOP_DYNAMODB_*` settings of `src`.
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let table_prefix = src.string(TABLE_PREFIX, DEFAULT_TABLE_PREFIX);
        if !is_valid_table_prefix(&table_prefix) {
            return Err(SettingError::new(
                TABLE_PREFIX,
                "must be 1 to 200 characters of a-z, A-Z, 0-9, '_', '-' or '.'",
            ));
        }
        // Not `Source::boolean`: this setting has only ever taken these two
        // words, and a `yes` that used to stop start-up should still do so.
        let create_tables = match src.get(CREATE_TABLES).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(SettingError::new(
                    CREATE_TABLES,
                    format!("{other:?} is not true or false"),
                ));
            }
        };
        Ok(Self {
            endpoint_url: src.http_url(ENDPOINT_URL)?,
            region: src.get(REGION),
            table_prefix,
            create_tables,
        })
    }

    pub fn tables(&self) -> DynamoTables {
        DynamoTables::with_prefix(&self.table_prefix)
    }

    /// A client from the AWS default chain, with this endpoint and region
    /// when they are set.
    pub async fn client(&self) -> Client {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        Client::new(&loader.load().await)
    }
}

/// DynamoDB table names are 3..=255 of `[A-Za-z0-9_.-]`; the longest suffix
/// added is `-accounts`.
fn is_valid_table_prefix(prefix: &str) -> bool {
    (1..=200).contains(&prefix.len())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<DynamoSettings, SettingError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |name: &str| map.get(name).cloned();
        DynamoSettings::from_settings(&Source::new(&lookup))
    }

    #[test]
    fn the_table_lists_the_dynamodb_settings() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "SHOP_DYNAMODB_ENDPOINT_URL",
                "SHOP_DYNAMODB_REGION",
                "SHOP_DYNAMODB_TABLE_PREFIX",
                "SHOP_DYNAMODB_CREATE_TABLES",
            ]
        );
    }

    #[test]
    fn defaults_use_the_aws_chain_and_the_shop_prefix() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            s,
            DynamoSettings {
                endpoint_url: None,
                region: None,
                table_prefix: "shop".into(),
                create_tables: false,
            }
        );
        assert_eq!(
            s.tables(),
            DynamoTables {
                accounts: "shop-accounts".into(),
                sessions: "shop-sessions".into(),
            }
        );
    }

    #[test]
    fn every_variable_is_read() {
        let s = settings(&[
            ("SHOP_DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:5005"),
            ("SHOP_DYNAMODB_REGION", "eu-west-1"),
            ("SHOP_DYNAMODB_TABLE_PREFIX", "staging_shop"),
            ("SHOP_DYNAMODB_CREATE_TABLES", "true"),
        ])
        .unwrap();
        assert_eq!(s.endpoint_url.as_deref(), Some("http://127.0.0.1:5005"));
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.tables().accounts, "staging_shop-accounts");
        assert!(s.create_tables);
        assert!(
            !settings(&[("SHOP_DYNAMODB_CREATE_TABLES", " false ")])
                .unwrap()
                .create_tables
        );
        assert_eq!(
            settings(&[("SHOP_DYNAMODB_REGION", "  ")]).unwrap().region,
            None
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("SHOP_DYNAMODB_CREATE_TABLES", "yes"),
            ("SHOP_DYNAMODB_CREATE_TABLES", "1"),
            ("SHOP_DYNAMODB_CREATE_TABLES", "True"),
            ("SHOP_DYNAMODB_TABLE_PREFIX", "shop tables"),
            ("SHOP_DYNAMODB_TABLE_PREFIX", "shop/x"),
            ("SHOP_DYNAMODB_ENDPOINT_URL", "127.0.0.1:5005"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert_eq!(err.setting, name, "{value}");
            assert!(err.to_string().starts_with(&format!("{name}: ")), "{err}");
            assert!(!err.to_string().contains('\n'), "one line: {err}");
        }
    }
}
