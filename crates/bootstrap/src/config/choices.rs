//! Which adapter plays each part, as the settings choose; each chosen
//! adapter reads its own settings.

use std::path::{Path, PathBuf};

use shop_settings::{ExposeSecret, SecretString, SettingError, Source};
use shop_square::SquareConfig;
use shop_stepfunctions::StepFunctionsSettings;

/// A database URL, whose `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

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

impl DatabaseChoice {
    pub(super) fn from_settings(src: &Source<'_>, data_dir: &Path) -> Result<Self, SettingError> {
        Ok(match src.get("SHOP_DATABASE_URL") {
            None => Self::Sql(DatabaseUrl(format!(
                "sqlite://{}",
                data_dir.join("shop.db").display()
            ))),
            Some(url) if url.eq_ignore_ascii_case("memory:") => Self::Memory,
            Some(url)
                if (url.starts_with("sqlite://") && url.len() > "sqlite://".len())
                    || (url.starts_with("mysql://") && url.len() > "mysql://".len()) =>
            {
                Self::Sql(DatabaseUrl(url))
            }
            Some(url) => {
                return Err(SettingError::new(
                    "SHOP_DATABASE_URL",
                    format!(
                        "{:?} is not sqlite://PATH, mysql://USER:PASSWORD@HOST/DB or memory:",
                        shop_sql::redact(&url)
                    ),
                ));
            }
        })
    }
}

/// The accounts store (`SHOP_ACCOUNTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountsChoice {
    /// The relational store of `SHOP_DATABASE_URL`.
    Sql,
    /// DynamoDB tables (`SHOP_DYNAMODB_*`).
    DynamoDb(shop_dynamodb::DynamoSettings),
}

impl AccountsChoice {
    pub(super) fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        Ok(
            match src
                .choice("SHOP_ACCOUNTS", "sql", &["sql", "dynamodb"])?
                .as_str()
            {
                "dynamodb" => Self::DynamoDb(shop_dynamodb::DynamoSettings::from_settings(src)?),
                _ => Self::Sql,
            },
        )
    }
}

/// The payment gateway (`SHOP_PAYMENTS`).
#[derive(Debug, Clone)]
pub enum PaymentsChoice {
    /// The built-in Square sandbox simulator.
    Simulator,
    /// Square's Payments API.
    Square(SquareConfig),
}

impl PaymentsChoice {
    pub(super) fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        Ok(
            match src
                .choice("SHOP_PAYMENTS", "simulator", &["simulator", "square"])?
                .as_str()
            {
                "square" => Self::Square(SquareConfig::from_settings(src)?),
                _ => Self::Simulator,
            },
        )
    }
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

impl MailChoice {
    pub(super) fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        Ok(
            match src
                .choice("SHOP_MAIL", "file", &["file", "smtp", "ses"])?
                .as_str()
            {
                "smtp" => Self::Smtp(shop_email::SmtpSettings::from_settings(src)?),
                "ses" => Self::Ses(shop_email::SesSettings::from_settings(src)?),
                _ => Self::File,
            },
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerMode {
    Embedded,
    Off,
    /// The embedded loop hands finalizations to Step Functions.
    StepFunctions(StepFunctionsSettings),
}

impl WorkerMode {
    pub(super) fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        Ok(
            match src
                .choice(
                    "SHOP_WORKER",
                    "embedded",
                    &["embedded", "off", "stepfunctions"],
                )?
                .as_str()
            {
                "off" => Self::Off,
                "stepfunctions" => Self::StepFunctions(StepFunctionsSettings::from_settings(src)?),
                _ => Self::Embedded,
            },
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// How access tokens are signed and verified (`SHOP_JWT_*`).
#[derive(Debug, Clone)]
pub enum TokenKeys {
    /// EdDSA with the key ring of `dir/jwt-keys/`, and optionally the keys
    /// of another service's JWKS document.
    KeyRing {
        dir: PathBuf,
        jwks_url: Option<String>,
    },
    /// Legacy HS256 with a shared secret (`SHOP_JWT_SECRET`).
    Hs256(SecretString),
}

impl PartialEq for TokenKeys {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::KeyRing { dir, jwks_url },
                Self::KeyRing {
                    dir: other_dir,
                    jwks_url: other_url,
                },
            ) => dir == other_dir && jwks_url == other_url,
            (Self::Hs256(a), Self::Hs256(b)) => a.expose_secret() == b.expose_secret(),
            _ => false,
        }
    }
}

impl TokenKeys {
    pub(super) fn from_settings(src: &Source<'_>, data_dir: &Path) -> Result<Self, SettingError> {
        let secret = match src.secret("SHOP_JWT_SECRET") {
            Some(s) if s.expose_secret().len() < 32 => {
                return Err(SettingError::new(
                    "SHOP_JWT_SECRET",
                    format!(
                        "must be at least 32 bytes (it has {})",
                        s.expose_secret().len()
                    ),
                ));
            }
            other => other,
        };
        let jwks_url = src.http_url("SHOP_JWT_JWKS_URL")?;
        Ok(match secret {
            Some(_) if jwks_url.is_some() => {
                return Err(SettingError::new(
                    "SHOP_JWT_JWKS_URL",
                    "cannot be used with SHOP_JWT_SECRET (legacy HS256 tokens): unset one of them",
                ));
            }
            Some(secret) => Self::Hs256(secret),
            None => Self::KeyRing {
                dir: src
                    .get("SHOP_JWT_KEY_DIR")
                    .map_or_else(|| data_dir.to_path_buf(), PathBuf::from),
                jwks_url,
            },
        })
    }
}
