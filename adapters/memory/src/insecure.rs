//! A password "hash" for tests that must not spend argon2's time: compiled
//! only with the `test-hooks` feature, which test builds turn on (testkit's
//! dev-dependency) and release builds never do.

use async_trait::async_trait;
use sha2::{Digest as _, Sha256};
use shop_domain::DomainError;
use shop_domain::account::PasswordHasher;

use crate::system::{hex, random_bytes};

const INSECURE_PREFIX: &str = "$insecure-sha256$";

/// A salted SHA-256 "password hash" that costs nothing to compute.
///
/// **For tests only.** It resists nothing: never use it where a real
/// password is stored. Production uses `shop_crypto::Argon2Hasher`.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsecureFastHasher;

fn digest(salt: &str, password: &str) -> String {
    let mut sha = Sha256::new();
    sha.update(salt.as_bytes());
    sha.update([0]);
    sha.update(password.as_bytes());
    hex(&sha.finalize())
}

#[async_trait]
impl PasswordHasher for InsecureFastHasher {
    async fn hash(&self, password: &str) -> Result<String, DomainError> {
        let salt = hex(&random_bytes::<8>());
        Ok(format!(
            "{INSECURE_PREFIX}{salt}${}",
            digest(&salt, password)
        ))
    }

    async fn verify(&self, password: &str, hash: &str) -> Result<bool, DomainError> {
        let corrupt = || DomainError::Internal("not an insecure-fast password hash".into());
        let rest = hash.strip_prefix(INSECURE_PREFIX).ok_or_else(corrupt)?;
        let (salt, expected) = rest.split_once('$').ok_or_else(corrupt)?;
        if salt.is_empty() || expected.len() != 64 {
            return Err(corrupt());
        }
        Ok(digest(salt, password) == expected)
    }
}
