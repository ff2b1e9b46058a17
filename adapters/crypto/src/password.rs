//! argon2id password hashes in PHC string form.

use argon2::password_hash::{Error as HashError, PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use async_trait::async_trait;
use shop_domain::DomainError;
use shop_domain::account::PasswordHasher;

/// argon2id with OWASP's recommended cost. Hashing takes tens of
/// milliseconds of CPU, so it runs on tokio's blocking pool, never on an
/// async worker thread.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
}

impl Argon2Hasher {
    /// m = 19456 KiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet).
    pub fn owasp() -> Self {
        // argon2's defaults are exactly OWASP's recommendation; the unit
        // tests pin the numbers.
        Self {
            params: Params::DEFAULT,
        }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }
}

fn internal(e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("password hashing: {e}"))
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn hash(&self, password: &str) -> Result<String, DomainError> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(internal)
        })
        .await
        .map_err(internal)?
    }

    /// The hash's own parameters apply (so raising the cost later keeps old
    /// hashes valid). A string that is no argon2 PHC hash is an error.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn verify(&self, password: &str, hash: &str) -> Result<bool, DomainError> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        let hash = hash.to_owned();
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).map_err(internal)?;
            if parsed.salt.is_none() || parsed.hash.is_none() {
                return Err(internal("the hash has no salt or no output"));
            }
            match argon2.verify_password(password.as_bytes(), &parsed) {
                Ok(()) => Ok(true),
                Err(HashError::PasswordInvalid) => Ok(false),
                Err(e) => Err(internal(e)),
            }
        })
        .await
        .map_err(internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_owasps() {
        let hasher = Argon2Hasher::owasp();
        assert_eq!(hasher.params.m_cost(), 19_456);
        assert_eq!(hasher.params.t_cost(), 2);
        assert_eq!(hasher.params.p_cost(), 1);
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = Argon2Hasher::owasp();
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher.verify("correct horse battery", &hash).await.unwrap());
        assert!(!hasher.verify("correct horse batterY", &hash).await.unwrap());
        assert!(!hasher.verify("", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn salts_differ() {
        let hasher = Argon2Hasher::owasp();
        let a = hasher.hash("same password").await.unwrap();
        let b = hasher.hash("same password").await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn garbage_hashes_are_errors_not_false() {
        let hasher = Argon2Hasher::owasp();
        for garbage in [
            "",
            "not a hash",
            "$argon2id$v=19$m=19456,t=2,p=1",
            "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "$argon2id$v=19$m=19456,t=2,p=1$!!!$???",
        ] {
            assert!(
                hasher.verify("whatever", garbage).await.is_err(),
                "{garbage:?} should be refused"
            );
        }
    }
}
