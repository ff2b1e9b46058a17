//! The shop's own settings: money, names and addresses for mail, the admin
//! ensured at start-up.

use shop_domain::Currency;
use shop_domain::account::{Email, Password};
use shop_domain::money::Rounding;
use shop_settings::{SecretString, SettingError, Source};

/// The admin account ensured at start-up (`SHOP_ADMIN_EMAIL`, `_PASSWORD`).
#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: SecretString,
}

pub(super) struct ShopConfig {
    pub currency: Currency,
    pub rounding: Rounding,
    pub shop_name: String,
    pub shop_address: String,
    pub mail_from: Email,
    pub admin_notify: Vec<Email>,
    pub admin: Option<AdminBootstrap>,
    pub require_email_verification: bool,
    pub public_url: String,
}

impl ShopConfig {
    pub(super) fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        let raw_currency = src.string("SHOP_CURRENCY", "USD");
        let currency = Currency::parse(&raw_currency).map_err(|_| {
            SettingError::new(
                "SHOP_CURRENCY",
                format!("{raw_currency:?} is not a three-letter ISO-4217 code"),
            )
        })?;
        let rounding = match src
            .choice("SHOP_ROUNDING", "half_even", &["half_even", "half_up"])?
            .as_str()
        {
            "half_up" => Rounding::HalfUp,
            _ => Rounding::HalfEven,
        };
        let shop_name = src.string("SHOP_NAME", "Shop");
        if shop_name.chars().any(char::is_control) || shop_name.chars().count() > 200 {
            return Err(SettingError::new(
                "SHOP_NAME",
                "must be at most 200 characters without control characters",
            ));
        }
        let shop_address = src.string("SHOP_ADDRESS", "");
        if shop_address.chars().count() > 500 {
            return Err(SettingError::new(
                "SHOP_ADDRESS",
                "must be at most 500 characters",
            ));
        }
        let mail_from = mail_address(
            "SHOP_MAIL_FROM",
            &src.string("SHOP_MAIL_FROM", "shop@localhost"),
        )?;
        let admin_notify = src
            .string("SHOP_ADMIN_NOTIFY", "")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| mail_address("SHOP_ADMIN_NOTIFY", s))
            .collect::<Result<Vec<_>, _>>()?;
        let require_email_verification = src.boolean("SHOP_REQUIRE_EMAIL_VERIFICATION", true)?;
        let public_url = src.base_url("SHOP_PUBLIC_URL", "http://127.0.0.1:8080")?;
        Ok(Self {
            require_email_verification,
            public_url,
            currency,
            rounding,
            shop_name,
            shop_address,
            mail_from,
            admin_notify,
            admin: admin(src)?,
        })
    }
}

fn admin(src: &Source<'_>) -> Result<Option<AdminBootstrap>, SettingError> {
    let (email, password) = match (src.get("SHOP_ADMIN_EMAIL"), src.raw("SHOP_ADMIN_PASSWORD")) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(SettingError::new(
                "SHOP_ADMIN_PASSWORD",
                "must be set when SHOP_ADMIN_EMAIL is",
            ));
        }
        (None, Some(_)) => {
            return Err(SettingError::new(
                "SHOP_ADMIN_EMAIL",
                "must be set when SHOP_ADMIN_PASSWORD is",
            ));
        }
        (Some(email), Some(password)) => (email, password),
    };
    Email::parse(&email).map_err(|_| {
        SettingError::new(
            "SHOP_ADMIN_EMAIL",
            format!("{email:?} is not a valid e-mail address"),
        )
    })?;
    if let Err(e) = Password::parse(&password) {
        let why = match e {
            shop_domain::DomainError::Validation(errs) => errs
                .into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        return Err(SettingError::new("SHOP_ADMIN_PASSWORD", why));
    }
    Ok(Some(AdminBootstrap {
        email,
        password: SecretString::from(password),
    }))
}

/// An address the operator supplies for outgoing mail: a valid e-mail
/// address, or one at a single-label host such as `shop@localhost`.
fn mail_address(name: &'static str, raw: &str) -> Result<Email, SettingError> {
    Email::parse_configured(raw)
        .map_err(|_| SettingError::new(name, format!("{raw:?} is not a valid e-mail address")))
}
