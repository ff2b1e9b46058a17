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
        assert!(
            Password::parse(&"x7".repeat(64).chars().chain(['y']).collect::<String>()).is_err()
        );
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
        assert_eq!(p.expose(), "tr0ub4dor&3x");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Ten two-byte characters are ten characters.
        assert!(Password::parse(&"é".repeat(MIN_PASSWORD_LEN)).is_ok());
        assert!(Password::parse(&"é".repeat(MIN_PASSWORD_LEN - 1)).is_err());
        assert!(Password::parse(&"é".repeat(MAX_PASSWORD_LEN)).is_ok());
        assert!(Password::parse(&"é".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn errors_name_the_password_field_and_say_why() {
        let messages = |raw: &str| match Password::parse(raw) {
            Err(DomainError::Validation(errs)) => errs
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect::<Vec<_>>(),
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(
            messages("short"),
            vec![("password".into(), "must be at least 10 characters".into())]
        );
        assert_eq!(
            messages(&"k".repeat(129)),
            vec![("password".into(), "must be at most 128 characters".into())]
        );
        assert_eq!(
            messages("Password123"),
            vec![("password".into(), "is too common; choose another".into())]
        );
    }

    #[test]
    fn every_listed_password_long_enough_to_pass_the_length_check_is_refused() {
        for common in COMMON_PASSWORDS.lines().map(str::trim) {
            if common.chars().count() >= MIN_PASSWORD_LEN {
                assert!(Password::parse(common).is_err(), "{common:?} accepted");
                assert!(
                    Password::parse(&common.to_uppercase()).is_err(),
                    "{common:?} accepted"
                );
            }
        }
    }

    #[test]
    fn uncommon_passwords_pass() {
        assert!(Password::parse("violet-harbour-42").is_ok());
        assert!(Password::parse("password1234567").is_ok());
    }
}
