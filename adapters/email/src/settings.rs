//! What the `from_env` parsers share.

/// Why settings read from the environment cannot be used. Each variant
/// names the variable; none carries a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{variable} is required")]
    Missing { variable: &'static str },
    #[error("{variable} {problem}")]
    Invalid {
        variable: &'static str,
        problem: String,
    },
    #[error("{set} is set but {unset} is not: set both or neither")]
    Unpaired {
        set: &'static str,
        unset: &'static str,
    },
}

/// A variable's value, trimmed; empty counts as unset, as in env files
/// that list every variable.
pub(crate) fn trimmed(lookup: &dyn Fn(&str) -> Option<String>, variable: &str) -> Option<String> {
    lookup(variable)
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// A variable's value as given (a password may begin or end with a
/// space); empty counts as unset.
pub(crate) fn verbatim(lookup: &dyn Fn(&str) -> Option<String>, variable: &str) -> Option<String> {
    lookup(variable).filter(|value| !value.is_empty())
}
