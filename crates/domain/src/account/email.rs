use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A normalised e-mail address: trimmed, lower-cased, one `@`, a dotted
/// domain, no whitespace or control characters (so it is safe in a header).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim().to_lowercase();
        let invalid = || DomainError::invalid("email", "is not a valid e-mail address");
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        if value
            .chars()
            .any(|c| matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')' | '\\'))
        {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    /// An address an operator configures (a sender, a notice recipient):
    /// [`Self::parse`]'s rules, except that the domain may be a single host
    /// name (`shop@localhost` on a development machine).
    pub fn parse_configured(raw: &str) -> Result<Self, DomainError> {
        match Self::parse(raw) {
            Ok(email) => Ok(email),
            Err(_) if !raw.trim().ends_with('.') => {
                Self::parse(&format!("{}.invalid", raw.trim())).map(|_| Self::trusted(raw.trim()))
            }
            Err(e) => Err(e),
        }
    }

    /// For addresses the program itself supplies (configuration defaults).
    pub fn trusted(value: &str) -> Self {
        Self(value.to_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn rejects_malformed_and_header_breaking_addresses() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "ann@.example.com",
            "ann@example..com",
            "a nn@example.com",
            "ann@example.com\r\nBcc: x@evil.test",
            "<ann@example.com>",
            "ann@example.com.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_configured_address_may_name_a_bare_host() {
        assert_eq!(
            Email::parse_configured(" Shop@localhost ")
                .unwrap()
                .as_str(),
            "shop@localhost"
        );
        assert_eq!(
            Email::parse_configured("Orders@Example.com")
                .unwrap()
                .as_str(),
            "orders@example.com"
        );
        for bad in [
            "shop@",
            "shop@localhost.",
            "a b@localhost",
            "shop",
            "x@y\r\nBcc: z@evil.test",
        ] {
            assert!(
                Email::parse_configured(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn refuses_header_and_list_syntax_characters() {
        for bad in [
            "ann,bob@example.com",
            "ann;bob@example.com",
            "\"ann\"@example.com",
            "ann(x)@example.com",
            "ann\\x@example.com",
            "ann@exam\tple.com",
            "ann\u{0}@example.com",
            "ann@example.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_not_refused() {
        assert_eq!(
            Email::parse("ann@example.com\r\n").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'brien@example.ie",
            "x_y-z@example-shop.com",
        ] {
            assert_eq!(Email::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        assert!(Email::parse(&format!("a{local64}@example.com")).is_err());
        // 254 characters in all is the limit.
        let domain = format!("{}.com", "d".repeat(254 - 2 - 4));
        assert_eq!(format!("a@{domain}").len(), 254);
        assert!(Email::parse(&format!("a@{domain}")).is_ok());
        assert!(Email::parse(&format!("ab@{domain}")).is_err());
    }

    #[test]
    fn errors_name_the_email_field() {
        let err = Email::parse("nope").unwrap_err();
        assert_eq!(
            err,
            DomainError::Validation(vec![crate::FieldError::new(
                "email",
                "is not a valid e-mail address"
            )])
        );
    }

    #[test]
    fn conversions() {
        let e = Email::try_from(" Bob@Example.com".to_string()).unwrap();
        assert_eq!(e.to_string(), "bob@example.com");
        assert_eq!(String::from(e.clone()), "bob@example.com");
        assert!(Email::try_from("bob".to_string()).is_err());
        assert_eq!(Email::trusted("Shop@LocalHost").as_str(), "shop@localhost");
        assert_eq!(
            Email::parse("ANN@EXAMPLE.COM").unwrap(),
            Email::parse("ann@example.com").unwrap()
        );
    }
}
