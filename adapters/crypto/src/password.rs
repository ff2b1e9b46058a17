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

/// How long a request beyond the queue is held (holding no permit and no
/// hash memory, only its connection) before it is refused: as long as a
/// queued one may wait, so every refusal takes the same time. Refused at
/// once, a flood of clients that ignore `Retry-After` would spin through
/// the rejections as fast as the CPUs allow and starve the rest of the API
/// (and the database its requests read); held, each connection costs one
/// cheap rejection every two seconds.
pub const BUSY_REFUSAL_DELAY: Duration = MAX_HASH_WAIT;

/// How many argon2 computations may run at once (each holds 19 MiB and a
/// CPU for tens of milliseconds) and how many may wait for one. A request
/// beyond both is refused with [`DomainError::Busy`] after
/// [`BUSY_REFUSAL_DELAY`], as is one that waited [`MAX_HASH_WAIT`]: memory
/// and CPU stay bounded whatever the flood, and the rest of the API keeps
/// its threads.
#[derive(Debug)]
pub struct HashBudget {
    semaphore: Arc<Semaphore>,
    permits: usize,
    max_waiting: usize,
    waiting: AtomicUsize,
    refusal_delay: Duration,
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
            refusal_delay: BUSY_REFUSAL_DELAY,
        }
    }

    /// Holds a request beyond the queue `delay` (instead of
    /// [`BUSY_REFUSAL_DELAY`]) before refusing it.
    pub fn refusing_after(mut self, delay: Duration) -> Self {
        self.refusal_delay = delay;
        self
    }

    /// [`default_hash_permits`] permits.
    pub fn default_share(max_waiting: usize) -> Self {
        Self::new(default_hash_permits(), max_waiting)
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
        let waiting = Waiting(&self.waiting);
        if before >= self.max_waiting {
            drop(waiting);
            tokio::time::sleep(self.refusal_delay).await;
            return Err(DomainError::Busy);
        }
        match tokio::time::timeout(MAX_HASH_WAIT, self.semaphore.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(DomainError::Busy),
        }
    }
}

/// Concurrent hashes by default: half the CPUs, at least one. Hashing is
/// batch work that would take every core it is given; the other half is
/// left to the requests whose latency people feel (the catalog, checkout),
/// so a sign-in flood slows sign-ins, not the shop.
pub fn default_hash_permits() -> usize {
    (cpus() / 2).max(1)
}

/// The CPUs this process may use (1 when unknown).
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

type HashJob = Box<dyn FnOnce() + Send>;

/// The threads that compute hashes: one per permit of the budget, started
/// once, at the lowest CPU priority (nice 19). Hashing is batch work; at
/// that priority a sign-in flood takes only the CPU nothing else wants, so
/// the catalog's latency holds. Few long-lived threads also keep glibc to a
/// few arenas, where tokio's blocking pool (up to 512 threads, each keeping
/// the 19 MiB it hashed with) grew the process to gigabytes.
#[derive(Debug)]
struct HashThreads {
    jobs: std::sync::mpsc::Sender<HashJob>,
}

impl HashThreads {
    fn start(threads: usize) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel::<HashJob>();
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    if let Err(e) = thread_priority::set_current_thread_priority(
                        thread_priority::ThreadPriority::Min,
                    ) {
                        tracing::warn!(error = ?e, "password hashing keeps the normal CPU priority");
                    }
                    loop {
                        // The lock is held only to take the next job.
                        let job = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "a password hashing thread could not start");
            }
        }
        Self { jobs: sender }
    }

    /// Runs `work` on a hashing thread and waits for its answer.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| internal("the hashing threads are gone"))?;
        answered
            .await
            .map_err(|_| internal("a hashing thread stopped"))
    }
}

/// argon2id with OWASP's recommended cost. Hashing takes tens of
/// milliseconds of CPU, so it runs on the hasher's own low-priority
/// threads (one per permit), never on an async worker thread, holding a
/// permit of its [`HashBudget`] until the computation ends (even when the
/// caller gave up).
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    budget: Arc<HashBudget>,
    threads: Arc<HashThreads>,
}

impl Argon2Hasher {
    /// m = 19456 KiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet),
    /// [`default_hash_permits`] hashes at a time and up to 4 per CPU waiting.
    pub fn owasp() -> Self {
        Self::with_budget(Arc::new(HashBudget::default_share(4 * cpus())))
    }

    /// OWASP's cost under `budget`.
    pub fn with_budget(budget: Arc<HashBudget>) -> Self {
        // argon2's defaults are exactly OWASP's recommendation; the unit
        // tests pin the numbers.
        Self {
            params: Params::DEFAULT,
            threads: Arc::new(HashThreads::start(budget.permits())),
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
        self.threads
            .run(move || {
                let _permit = permit;
                argon2
                    .hash_password(password.as_bytes())
                    .map(|h| h.to_string())
                    .map_err(internal)
            })
            .await?
    }

    /// The hash's own parameters apply (so raising the cost later keeps old
    /// hashes valid). A string that is no argon2 PHC hash is an error.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn verify(&self, password: &str, hash: &str) -> Result<bool, DomainError> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        let hash = hash.to_owned();
        let permit = self.budget.acquire().await?;
        self.threads
            .run(move || {
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
            .await?
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
        let delay = Duration::from_millis(200);
        let budget = Arc::new(HashBudget::new(1, 1).refusing_after(delay));
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
        // ... the next is held, not queued (a flood cannot spin through
        // refusals), then refused without hashing.
        let started = std::time::Instant::now();
        let (hashed, verified) = tokio::join!(
            hasher.hash("one too many"),
            hasher.verify("one too many", "not even parsed")
        );
        assert_eq!(
            (hashed, verified),
            (Err(DomainError::Busy), Err(DomainError::Busy))
        );
        let held_for = started.elapsed();
        assert!(
            held_for >= delay && held_for < MAX_HASH_WAIT,
            "held {held_for:?}"
        );
        assert_eq!(
            budget.waiting(),
            1,
            "the held ones never counted as waiting"
        );
        drop(held);
        assert!(waiter.await.unwrap().is_ok());
        assert_eq!((budget.permits_in_use(), budget.waiting()), (0, 0));
    }

    /// The hashing threads run at nice 19, so a sign-in flood yields the
    /// CPU to every other request (Linux: field 19 of the thread's stat).
    #[tokio::test]
    async fn hashes_run_at_the_lowest_cpu_priority() {
        let threads = HashThreads::start(1);
        let stat = threads
            .run(|| std::fs::read_to_string("/proc/thread-self/stat"))
            .await
            .unwrap()
            .unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let nice: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
        assert_eq!(nice, 19, "{stat}");
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
