use crate::DomainError;

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 128;

/// Passwords people pick first; bundled so the check needs no network.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// A password that satisfies the policy. Deliberately not `Debug`-printable
/// as its content, so it cannot leak into a log line.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let len = raw.chars().count();
        if len < MIN_PASSWORD_LEN {
            return Err(DomainError::invalid(
                "password",
                format!("must be at least {MIN_PASSWORD_LEN} characters"),
            ));
        }
        if len > MAX_PASSWORD_LEN {
            return Err(DomainError::invalid(
                "password",
                format!("must be at most {MAX_PASSWORD_LEN} characters"),
            ));
        }
        if is_common(raw) {
            return Err(DomainError::invalid(
                "password",
                "is too common; choose another",
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

fn is_common(candidate: &str) -> bool {
    let lowered = candidate.to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .any(|common| !common.is_empty() && common == lowered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_are_inclusive() {
        assert!(Password::parse("abcdefghi").is_err());
        assert!(Password::parse("correct-h1").is_ok());
        assert!(Password::parse(&"x7".repeat(64)).is_ok());
        assert!(Password::parse(&"x7".repeat(64).chars().chain(['y']).collect::<String>()).is_err());
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        assert!(Password::parse("password123").is_err());
        assert!(Password::parse("PASSWORD123").is_err());
        assert!(Password::parse("1234567890").is_err());
        assert!(Password::parse("qwertyuiop").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("tr0ub4dor&3x").unwrap();
        assert!(!format!("{p:?}").contains("tr0ub4dor"));
    }
}
