//! Configuration from the environment.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `SHOP_JWT_PRIVATE_KEY_PEM` | required | PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of the active Ed25519 signing key. In AWS it is put in the environment from Secrets Manager or SSM. `\n` escapes stand for line breaks when the value has none. |
//! | `SHOP_JWT_PREVIOUS_PUBLIC_JWKS` | unset | A JWKS document (`{"keys":[...]}`) of keys rotated out whose tokens may still be unexpired: verified (logout) and published on `/.well-known/jwks.json`, never used to sign. |
//! | `SHOP_JWT_ISSUER` | `shop` | `iss` claim of access tokens. |
//! | `SHOP_JWT_AUDIENCE` | `shop-api` | `aud` claim of access tokens. |
//! | `SHOP_ACCESS_TOKEN_TTL_SECONDS` | `900` | Access token lifetime (1..=86400). |
//! | `SHOP_REFRESH_TOKEN_TTL_SECONDS` | `2592000` | Refresh token lifetime (1..=31536000). |
//! | `SHOP_DATABASE_URL` | required | The shop's relational store (`mysql://USER:PASSWORD@HOST:PORT/DB`, as shop-api's), read for the business status a sign-in reports. shop-api migrates it; the function does not. |
//! | `SHOP_LOGIN_FAILURES_BEFORE_BACKOFF`, `SHOP_LOGIN_BACKOFF_BASE_SECONDS`, `SHOP_LOGIN_BACKOFF_MAX_SECONDS` | `5`, `1`, `900` | The per-address sign-in back-off, as shop-api's (give both the same values: they share the counters in the accounts table). |
//! | `SHOP_REQUIRE_EMAIL_VERIFICATION` | `true` | As shop-api's (give both the same value): `true` mails a verification link at registration; `false` (integrators' tests) mails none unasked (`resend-verification` still does). shop-api enforces it when ordering. |
//! | `SHOP_PUBLIC_URL` | `http://127.0.0.1:8080` | Base URL of the web app, for the links in the verification and password reset mails. |
//! | `SHOP_MAIL_FROM` | `shop@localhost` | Sender of those mails (recorded in the relational store's outbox; shop-api's worker delivers them). |
//! | `SHOP_NAME` | `Shop` | Shop name used in those mails. |
//! | `SHOP_DYNAMODB_ENDPOINT_URL`, `SHOP_DYNAMODB_REGION`, `SHOP_DYNAMODB_TABLE_PREFIX`, `SHOP_DYNAMODB_CREATE_TABLES` | see shop-dynamodb | Where the account and session tables are. |
//!
//! AWS credentials come from the SDK's default chain (the function's role).
//! No error or log line names a key's private half; errors name the variable.

use serde_json::Value;
use shop_crypto::{Ed25519Key, Ed25519PublicKey, KeyRing};
use shop_dynamodb::DynamoSettings;
use shop_sql::PoolOptions;

/// A setting the function cannot start with, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

/// Everything the function reads at start-up.
pub struct Config {
    /// Signs with the active key; verifies with it and the previous ones.
    pub ring: KeyRing,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_seconds: i64,
    pub dynamodb: DynamoSettings,
    /// The per-address sign-in back-off.
    pub login_backoff: shop_domain::account::BackoffPolicy,
    /// Where business profiles are (never logged: it may hold a password).
    pub database_url: String,
    /// One request at a time per execution environment: two connections.
    pub database_pool: PoolOptions,
    /// Whether registration mails a verification link.
    pub require_email_verification: bool,
    /// The web app's base URL, for links in mails.
    pub public_url: String,
    pub mail_from: shop_domain::account::Email,
    pub shop_name: String,
}

impl Config {
    /// Reads the variables through `lookup` (the process environment in
    /// production, a map in tests). Blank values count as unset.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let issuer = get("SHOP_JWT_ISSUER").map_or_else(|| "shop".to_string(), trimmed);
        let audience = get("SHOP_JWT_AUDIENCE").map_or_else(|| "shop-api".to_string(), trimmed);
        let pem = get("SHOP_JWT_PRIVATE_KEY_PEM").ok_or_else(|| {
            ConfigError::new(
                "SHOP_JWT_PRIVATE_KEY_PEM",
                "is required: the PKCS#8 PEM of the Ed25519 signing key",
            )
        })?;
        let active = Ed25519Key::from_pkcs8_pem(&unescape_newlines(&pem))
            .map_err(|e| ConfigError::new("SHOP_JWT_PRIVATE_KEY_PEM", e.to_string()))?;
        let previous = match get("SHOP_JWT_PREVIOUS_PUBLIC_JWKS") {
            Some(jwks) => previous_keys(&jwks)
                .map_err(|problem| ConfigError::new("SHOP_JWT_PREVIOUS_PUBLIC_JWKS", problem))?,
            None => Vec::new(),
        };
        let ring = KeyRing::new(active, previous, &issuer, &audience)
            .map_err(|e| ConfigError::new("SHOP_JWT_ISSUER", e.to_string()))?;
        let access_token_ttl_seconds = int(&get, "SHOP_ACCESS_TOKEN_TTL_SECONDS", 900, 86_400)?;
        let refresh_token_ttl_seconds = int(
            &get,
            "SHOP_REFRESH_TOKEN_TTL_SECONDS",
            2_592_000,
            31_536_000,
        )?;
        let failures = int(&get, "SHOP_LOGIN_FAILURES_BEFORE_BACKOFF", 5, 1000)?;
        let base = int(&get, "SHOP_LOGIN_BACKOFF_BASE_SECONDS", 1, 3600)?;
        let max = int(&get, "SHOP_LOGIN_BACKOFF_MAX_SECONDS", 900, 86_400)?;
        if max < base {
            return Err(ConfigError::new(
                "SHOP_LOGIN_BACKOFF_MAX_SECONDS",
                format!("{max} is below SHOP_LOGIN_BACKOFF_BASE_SECONDS ({base})"),
            ));
        }
        let login_backoff = shop_domain::account::BackoffPolicy {
            failures_before_backoff: u32::try_from(failures).unwrap_or(5),
            base_delay: chrono::Duration::seconds(base),
            max_delay: chrono::Duration::seconds(max),
        };
        let source = shop_settings::Source::new(lookup);
        let dynamodb = DynamoSettings::from_settings(&source)
            .map_err(|e| ConfigError::new(e.setting, e.problem))?;
        let require_email_verification = source
            .boolean("SHOP_REQUIRE_EMAIL_VERIFICATION", true)
            .map_err(|e| ConfigError::new(e.setting, e.problem))?;
        let database_url = get("SHOP_DATABASE_URL").map(trimmed).ok_or_else(|| {
            ConfigError::new(
                "SHOP_DATABASE_URL",
                "is required: the shop's relational store, for a sign-in's business status",
            )
        })?;
        let public_url = source
            .base_url("SHOP_PUBLIC_URL", "http://127.0.0.1:8080")
            .map_err(|e| ConfigError::new(e.setting, e.problem))?;
        let mail_from = shop_domain::account::Email::parse_configured(
            &get("SHOP_MAIL_FROM").unwrap_or_else(|| "shop@localhost".to_string()),
        )
        .map_err(|_| ConfigError::new("SHOP_MAIL_FROM", "is not a valid e-mail address"))?;
        let shop_name = get("SHOP_NAME").map_or_else(|| "Shop".to_string(), trimmed);
        Ok(Self {
            require_email_verification,
            public_url,
            mail_from,
            shop_name,
            database_url,
            database_pool: PoolOptions {
                max_connections: 2,
                min_connections: 0,
                ..PoolOptions::default()
            },
            ring,
            access_token_ttl_seconds,
            refresh_token_ttl_seconds,
            dynamodb,
            login_backoff,
        })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("ring", &self.ring)
            .field("access_token_ttl_seconds", &self.access_token_ttl_seconds)
            .field("refresh_token_ttl_seconds", &self.refresh_token_ttl_seconds)
            .field("dynamodb", &self.dynamodb)
            .field("database_url", &shop_sql::redact(&self.database_url))
            .finish_non_exhaustive()
    }
}

fn trimmed(value: String) -> String {
    value.trim().to_string()
}

fn int(
    get: &dyn Fn(&str) -> Option<String>,
    variable: &'static str,
    default: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    let Some(value) = get(variable) else {
        return Ok(default);
    };
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| ConfigError::new(variable, format!("must be a whole number in 1..={max}")))
}

/// Templates and consoles often flatten a PEM into one line with literal
/// `\n`; a value that already has line breaks is left alone.
fn unescape_newlines(pem: &str) -> String {
    if pem.contains('\n') {
        pem.to_string()
    } else {
        pem.replace("\\n", "\n")
    }
}

/// The Ed25519 keys of a JWKS document. Each `kid` given must be the key's
/// RFC 7638 thumbprint: the ring files every key under its thumbprint, so
/// a token carrying any other `kid` would never find its key.
fn previous_keys(jwks: &str) -> Result<Vec<Ed25519PublicKey>, String> {
    let doc: Value = serde_json::from_str(jwks).map_err(|e| format!("is not JSON: {e}"))?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("must be a JWKS document: {\"keys\": [...]}")?;
    let mut found = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let member = |name: &str| key.get(name).and_then(Value::as_str);
        if member("kty") != Some("OKP") || member("crv") != Some("Ed25519") {
            continue;
        }
        let x = member("x").ok_or_else(|| format!("key {i} has no x"))?;
        let public = Ed25519PublicKey::from_x(x).map_err(|e| format!("key {i}: {e}"))?;
        if let Some(kid) = member("kid")
            && kid != public.kid()
        {
            return Err(format!(
                "key {i}: kid {kid} is not the key's RFC 7638 thumbprint {}",
                public.kid()
            ));
        }
        found.push(public);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn pem() -> String {
        Ed25519Key::generate()
            .unwrap()
            .to_pkcs8_pem()
            .unwrap()
            .to_string()
    }

    const DATABASE_URL: &str = "mysql://shop:s3cret-pw@db:3306/shop";

    /// `vars` over a database URL.
    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map = HashMap::from([("SHOP_DATABASE_URL".to_string(), DATABASE_URL.to_string())]);
        map.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::from_env(&|name| map.get(name).cloned())
    }

    #[test]
    fn the_database_url_is_required_and_never_shown() {
        let pem = pem();
        let err = config(&[
            ("SHOP_JWT_PRIVATE_KEY_PEM", &pem),
            ("SHOP_DATABASE_URL", " "),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "SHOP_DATABASE_URL");
        let c = config(&[("SHOP_JWT_PRIVATE_KEY_PEM", &pem)]).unwrap();
        assert_eq!(c.database_url, DATABASE_URL);
        assert_eq!(c.database_pool.max_connections, 2);
        let debug = format!("{c:?}");
        assert!(!debug.contains("s3cret-pw"), "{debug}");
        assert!(debug.contains("db:3306"), "{debug}");
    }

    #[test]
    fn defaults() {
        let pem = pem();
        let c = config(&[("SHOP_JWT_PRIVATE_KEY_PEM", &pem)]).unwrap();
        assert_eq!(c.access_token_ttl_seconds, 900);
        assert_eq!(c.refresh_token_ttl_seconds, 2_592_000);
        assert_eq!(c.dynamodb.table_prefix, "shop");
        assert_eq!(c.ring.kids().count(), 1);
        assert!(c.require_email_verification);
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        let debug = format!("{c:?}");
        assert!(debug.contains("issuer: \"shop\""), "{debug}");
        assert!(debug.contains("audience: \"shop-api\""), "{debug}");
    }

    #[test]
    fn a_missing_or_bad_key_names_the_variable_and_never_echoes_it() {
        let err = config(&[]).unwrap_err();
        assert_eq!(err.variable, "SHOP_JWT_PRIVATE_KEY_PEM");
        let secret =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----\n";
        let err = config(&[("SHOP_JWT_PRIVATE_KEY_PEM", secret)]).unwrap_err();
        assert_eq!(err.variable, "SHOP_JWT_PRIVATE_KEY_PEM");
        assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
    }

    #[test]
    fn verification_can_be_left_to_the_customer_as_in_shop_api() {
        let pem = pem();
        let c = config(&[
            ("SHOP_JWT_PRIVATE_KEY_PEM", &pem),
            ("SHOP_REQUIRE_EMAIL_VERIFICATION", "false"),
        ])
        .unwrap();
        assert!(!c.require_email_verification);
    }

    #[test]
    fn the_public_url_follows_shop_apis_rules() {
        let pem = pem();
        let c = config(&[
            ("SHOP_JWT_PRIVATE_KEY_PEM", &pem),
            ("SHOP_PUBLIC_URL", " https://shop.example/store/ "),
        ])
        .unwrap();
        assert_eq!(c.public_url, "https://shop.example/store");
        for bad in [
            "shop.example",
            "ftp://shop.example",
            "https://",
            "https:///path",
            "https://shop.example/?a=b",
            "https://shop.example/#top",
            "https://shop example",
        ] {
            let err = config(&[("SHOP_JWT_PRIVATE_KEY_PEM", &pem), ("SHOP_PUBLIC_URL", bad)])
                .unwrap_err();
            assert_eq!(err.variable, "SHOP_PUBLIC_URL", "{bad}");
        }
    }

    #[test]
    fn a_one_line_pem_with_escaped_newlines_loads() {
        let pem = pem().trim_end().replace('\n', "\\n");
        assert!(config(&[("SHOP_JWT_PRIVATE_KEY_PEM", &pem)]).is_ok());
    }

    #[test]
    fn previous_keys_are_verified_and_published() {
        let old = Ed25519Key::generate().unwrap();
        let old_ring = KeyRing::new(old, [], "shop", "shop-api").unwrap();
        let jwks = old_ring.jwks().to_string();
        let pem = pem();
        let c = config(&[
            ("SHOP_JWT_PRIVATE_KEY_PEM", &pem),
            ("SHOP_JWT_PREVIOUS_PUBLIC_JWKS", &jwks),
        ])
        .unwrap();
        assert_eq!(c.ring.kids().count(), 2);
        assert!(c.ring.kids().any(|kid| Some(kid) == old_ring.active_kid()));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let pem = pem();
        let x = Ed25519Key::generate().unwrap().public_key().x().to_string();
        let wrong_kid =
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"k1"}}]}}"#);
        for (name, value) in [
            ("SHOP_JWT_PREVIOUS_PUBLIC_JWKS", "not json"),
            ("SHOP_JWT_PREVIOUS_PUBLIC_JWKS", "{}"),
            ("SHOP_JWT_PREVIOUS_PUBLIC_JWKS", wrong_kid.as_str()),
            ("SHOP_ACCESS_TOKEN_TTL_SECONDS", "0"),
            ("SHOP_ACCESS_TOKEN_TTL_SECONDS", "86401"),
            ("SHOP_REFRESH_TOKEN_TTL_SECONDS", "soon"),
            ("SHOP_DYNAMODB_CREATE_TABLES", "yes"),
            ("SHOP_REQUIRE_EMAIL_VERIFICATION", "maybe"),
        ] {
            let err = config(&[("SHOP_JWT_PRIVATE_KEY_PEM", &pem), (name, value)]).unwrap_err();
            assert_eq!(err.variable, name, "{value}");
        }
    }
}
