use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Email;
use crate::DomainError;
use crate::ids::{SessionId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "customer" => Some(Self::Customer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Inactive,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A person's display name: 1..=100 characters, no control characters
/// (so it can never inject a header line into a mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(DomainError::invalid("name", "must not be empty"));
        }
        if value.chars().count() > 100 {
            return Err(DomainError::invalid(
                "name",
                "must be at most 100 characters",
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: PersonName,
    /// PHC string of an argon2id hash; never leaves the domain.
    pub password_hash: String,
    pub role: Role,
    pub status: AccountStatus,
    /// Bumped on inactivation and logout-everywhere: access tokens carrying an
    /// older version are refused at once.
    pub session_version: u64,
    pub created_at: DateTime<Utc>,
    /// When the user proved the address (the verification link); `None`
    /// while unverified.
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive substring of e-mail or name.
    pub query: Option<String>,
    pub status: Option<AccountStatus>,
}

/// The claims of an access token, as the domain sees them. Issuer and
/// audience are the signer adapter's business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub role: Role,
    pub session_version: u64,
    pub session_id: SessionId,
    pub token_id: String,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// The caller of a request, after its token was checked against the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
    pub session_id: SessionId,
    pub email: Email,
    /// The request this principal acts in (set by the transport; the audit
    /// trail records it).
    pub origin: crate::audit::RequestOrigin,
    /// The address was verified when the request came in.
    pub email_verified: bool,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self) -> Result<(), DomainError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_name_is_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ann Lee ").unwrap().as_str(), "Ann Lee");
        assert!(PersonName::parse("").is_err());
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"n".repeat(100)).is_ok());
        assert!(PersonName::parse(&"n".repeat(101)).is_err());
        // Characters, not bytes.
        assert!(PersonName::parse(&"ö".repeat(100)).is_ok());
        assert_eq!(
            PersonName::parse("Zoë Ñúñez").unwrap().as_str(),
            "Zoë Ñúñez"
        );
    }

    #[test]
    fn person_name_refuses_control_characters() {
        for bad in [
            "Ann\nBcc: x@evil.test",
            "Ann\r\nLee",
            "Ann\tLee",
            "Ann\u{7f}",
            "A\u{0}",
        ] {
            let err = PersonName::parse(bad).unwrap_err();
            assert_eq!(
                err,
                DomainError::invalid("name", "must not contain control characters"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn person_name_conversions() {
        assert!(PersonName::try_from(String::new()).is_err());
        let n = PersonName::try_from(" Bo ".to_string()).unwrap();
        assert_eq!(String::from(n), "Bo");
    }

    #[test]
    fn role_and_status_words_round_trip() {
        for r in [Role::Customer, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for s in [AccountStatus::Active, AccountStatus::Inactive] {
            assert_eq!(AccountStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(AccountStatus::parse("deleted"), None);
    }

    #[test]
    fn only_admins_pass_require_admin() {
        let p = |role| Principal {
            user_id: UserId::new("u1"),
            role,
            session_id: SessionId::new("s1"),
            email: Email::trusted("a@example.com"),
            origin: Default::default(),
            email_verified: true,
        };
        assert!(p(Role::Admin).require_admin().is_ok());
        assert_eq!(
            p(Role::Customer).require_admin(),
            Err(DomainError::Forbidden)
        );
        assert!(!p(Role::Customer).is_admin());
    }
}
