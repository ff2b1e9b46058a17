//! Accounts: registration, sign-in, sessions and their revocation.

mod email;
mod model;
mod password;
mod ports;
pub(crate) mod service;
mod throttle;
mod tokens;

pub use email::Email;
pub use model::{AccessClaims, AccountStatus, PersonName, Principal, Role, User, UserFilter};
pub use password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, Password};
pub use ports::{
    AccountStore, PasswordHasher, RefreshSession, RefreshToken, RefreshTokenStore, TokenSigner,
};
#[cfg(test)]
pub(crate) use ports::{
    MockAccountStore, MockPasswordHasher, MockRefreshTokenStore, MockTokenSigner,
};
pub use service::{
    AccountPorts, AccountService, ConfiguredAdmin, LoginOutcome, RegisterInput, TokenPair,
};
#[cfg(test)]
pub(crate) use throttle::MockLoginThrottleStore;
pub use throttle::{BackoffPolicy, LoginThrottle, LoginThrottleStore, throttle_key};
#[cfg(test)]
pub(crate) use tokens::MockAccountTokenStore;
pub use tokens::{
    AccountToken, AccountTokenPurpose, AccountTokenStore, PASSWORD_RESET_TTL, VERIFY_EMAIL_TTL,
};
