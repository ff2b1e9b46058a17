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
        if value.chars().any(|c| matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')' | '\\')) {
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
        assert_eq!(Email::parse("  Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
    }

    #[test]
    fn rejects_malformed_and_header_breaking_addresses() {
        for bad in [
            "", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com",
            "ann@.example.com", "ann@example..com", "a nn@example.com",
            "ann@example.com\r\nBcc: x@evil.test", "<ann@example.com>", "ann@example.com.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
