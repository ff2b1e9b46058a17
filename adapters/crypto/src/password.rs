//! argon2id password hashes in PHC string form, under a process-wide
//! budget of concurrent hashes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::{Error as HashError, PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use async_trait::async_trait;
use shop_domain::DomainError;
use shop_domain::account::PasswordHasher;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest a hash waits for a permit before it is refused as busy.
pub const MAX_HASH_WAIT: Duration = Duration::from_secs(2);

/// How many argon2 computations may run at once (each holds 19 MiB and a
/// CPU for tens of milliseconds) and how many may wait for one. A request
/// beyond both is refused at once with [`DomainError::Busy`], as is one
/// that waited [`MAX_HASH_WAIT`]: memory and CPU stay bounded whatever the
/// flood, and the rest of the API keeps its threads.
#[derive(Debug)]
pub struct HashBudget {
    semaphore: Arc<Semaphore>,
    permits: usize,
    max_waiting: usize,
    waiting: AtomicUsize,
}

/// Counts a waiter while it exists.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HashBudget {
    /// `permits` concurrent hashes (at least 1), `max_waiting` waiters.
    pub fn new(permits: usize, max_waiting: usize) -> Self {
        let permits = permits.max(1);
        Self {
            semaphore: Arc::new(Semaphore::new(permits)),
            permits,
            max_waiting,
            waiting: AtomicUsize::new(0),
        }
    }

    /// One permit per CPU ([`std::thread::available_parallelism`]).
    pub fn per_cpu(max_waiting: usize) -> Self {
        Self::new(cpus(), max_waiting)
    }

    /// The number of concurrent hashes allowed.
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// Hashes running now (for metrics).
    pub fn permits_in_use(&self) -> usize {
        self.permits - self.semaphore.available_permits()
    }

    /// Hashes waiting for a permit now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// A permit, or [`DomainError::Busy`] when the queue is full or the
    /// wait too long.
    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit, DomainError> {
        if let Ok(permit) = self.semaphore.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        if before >= self.max_waiting {
            return Err(DomainError::Busy);
        }
        match tokio::time::timeout(MAX_HASH_WAIT, self.semaphore.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(DomainError::Busy),
        }
    }
}

/// The CPUs this process may use (1 when unknown).
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// argon2id with OWASP's recommended cost. Hashing takes tens of
/// milliseconds of CPU, so it runs on tokio's blocking pool, never on an
/// async worker thread, holding a permit of its [`HashBudget`] until the
/// computation ends (even when the caller gave up).
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    budget: Arc<HashBudget>,
}

impl Argon2Hasher {
    /// m = 19456 KiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet),
    /// one hash per CPU at a time and up to 4 per CPU waiting.
    pub fn owasp() -> Self {
        Self::with_budget(Arc::new(HashBudget::per_cpu(4 * cpus())))
    }

    /// OWASP's cost under `budget`.
    pub fn with_budget(budget: Arc<HashBudget>) -> Self {
        // argon2's defaults are exactly OWASP's recommendation; the unit
        // tests pin the numbers.
        Self {
            params: Params::DEFAULT,
            budget,
        }
    }

    /// The budget this hasher draws on.
    pub fn budget(&self) -> &Arc<HashBudget> {
        &self.budget
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
        let permit = self.budget.acquire().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
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
        let permit = self.budget.acquire().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
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
    async fn beyond_the_budget_and_its_queue_hashing_is_busy() {
        let budget = Arc::new(HashBudget::new(1, 1));
        let hasher = Argon2Hasher::with_budget(budget.clone());
        let held = budget.acquire().await.unwrap();
        assert_eq!(budget.permits_in_use(), 1);
        // One waits for the permit ...
        let waiter = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash("waits its turn").await }
        });
        while budget.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        // ... the next is refused at once, without hashing.
        assert_eq!(hasher.hash("one too many").await, Err(DomainError::Busy));
        assert_eq!(
            hasher.verify("one too many", "not even parsed").await,
            Err(DomainError::Busy)
        );
        drop(held);
        assert!(waiter.await.unwrap().is_ok());
        assert_eq!((budget.permits_in_use(), budget.waiting()), (0, 0));
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
