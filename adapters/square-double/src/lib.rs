//! A test double of Square's Payments API v2, over real HTTP: for the
//! adapter's tests, the black-box tests and local development. Never for
//! production.
//!
//! Endpoints (Square's paths and shapes, `payments-openapi.json` 2025-08-20):
//! `POST /v2/payments`, `GET /v2/payments/{id}`,
//! `POST /v2/payments/{id}/complete`, `POST /v2/payments/{id}/cancel`,
//! `POST /v2/payments/cancel` (by idempotency key) and `POST /v2/refunds`.
//!
//! What they do is `shop-square-sandbox`'s [`SquareLedger`] on a
//! [`MemoryLedgerStore`], the same model the embedded shop's simulator
//! runs: the sandbox nonces, idempotent replays, the authorization window,
//! complete, cancel and refund. This crate maps HTTP and JSON onto it, checks
//! `Authorization: Bearer <token>` (any token unless one is configured) and
//! injects faults. The double keeps its own clock: the wall clock plus an
//! offset that tests move.
//!
//! Control endpoints (not Square's): `GET /_double/ledger`;
//! `POST /_double/faults` with [`Faults`] as JSON
//! (`{"fail_next":N,"delay_ms":M,"drop_next":K,"operation":"CompletePayment","fail_until":"2030-01-01T00:00:00Z"}`,
//! every field optional: the next N matching requests answer 500 with no
//! effect, matching requests wait M ms, the next K matching requests take
//! effect and then lose their answer, matching requests answer 500 while the
//! double's clock is before `fail_until`; without `operation` every Square
//! request matches); `POST /_double/expire` (voids every APPROVED payment
//! now); `POST /_double/clock` with `{"advance_seconds":N}` (moves the
//! double's clock; answers `{"now": ...}`).

pub mod openapi;

mod clock;
mod faults;
mod routes;
mod view;
mod wire;

use std::sync::Arc;

use actix_web::web::Data;
use actix_web::{App, HttpServer};
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use shop_domain::Clock as _;
use shop_square_sandbox::{MemoryLedgerStore, SquareFailure, SquareLedger};

use crate::clock::DoubleClock;
pub use crate::faults::{Faults, Operation};
pub use crate::view::{Ledger, LedgerPayment, LedgerRefund, RecordedRequest};
pub use shop_square_sandbox::{DECLINING_NONCES, NONCE_OK};

/// How the double behaves.
#[derive(Debug, Clone)]
pub struct DoubleConfig {
    /// How long an APPROVED payment waits for completion before it is
    /// voided (Square: 7 days card-not-present).
    pub authorization_window: Duration,
    /// When set, requests must carry exactly this bearer token.
    pub access_token: Option<String>,
}

impl Default for DoubleConfig {
    fn default() -> Self {
        Self {
            authorization_window: Duration::days(7),
            access_token: None,
        }
    }
}

/// What the server's handlers share.
pub(crate) struct Shared {
    ledger: SquareLedger,
    clock: Arc<DoubleClock>,
    config: DoubleConfig,
    control: Mutex<Control>,
}

/// The double's own state, beside the ledger.
#[derive(Debug, Default)]
struct Control {
    faults: Faults,
    requests: Vec<RecordedRequest>,
}

impl Shared {
    fn new(config: DoubleConfig) -> Self {
        let clock = Arc::new(DoubleClock::default());
        let ledger = SquareLedger::new(Arc::new(MemoryLedgerStore::new()), clock.clone())
            .with_authorization_window(config.authorization_window);
        Self {
            ledger,
            clock,
            config,
            control: Mutex::new(Control::default()),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The ledger as it stands (lapsed authorizations voided) and the
    /// requests so far.
    async fn ledger_view(&self) -> Result<Ledger, SquareFailure> {
        let snapshot = self.ledger.snapshot().await?;
        Ok(Ledger {
            payments: snapshot.payments.into_iter().map(Into::into).collect(),
            refunds: snapshot.refunds.into_iter().map(Into::into).collect(),
            requests: self.control.lock().requests.clone(),
        })
    }
}

/// A running double; dropping it does not stop it, [`stop`](Self::stop) does.
#[derive(Clone)]
pub struct SquareDouble {
    base_url: String,
    shared: Data<Shared>,
    handle: actix_web::dev::ServerHandle,
}

impl std::fmt::Debug for SquareDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SquareDouble")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SquareDouble {
    /// Starts a double on a free 127.0.0.1 port with the default config,
    /// on the current Tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(DoubleConfig::default(), "127.0.0.1:0").await
    }

    /// Starts a double listening on `address` (`host:port`; port 0 picks one).
    pub async fn start_with(config: DoubleConfig, address: &str) -> std::io::Result<Self> {
        let shared = Data::new(Shared::new(config));
        let listener = std::net::TcpListener::bind(address)?;
        let bound = listener.local_addr()?;
        let data = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(routes::configure)
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            base_url: format!("http://{bound}"),
            shared,
            handle,
        })
    }

    /// `http://127.0.0.1:PORT`, for the adapter's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The double's time: the wall clock plus every
    /// [`advance_clock`](Self::advance_clock).
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// Moves the double's clock forward: authorizations lapse and
    /// `fail_until` passes as if that time had gone by.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// A copy of the ledger as it stands (lapsed authorizations voided).
    /// Empty if the ledger cannot be read, which its in-memory store never
    /// refuses.
    pub fn ledger(&self) -> Ledger {
        blocking(self.shared.ledger_view()).unwrap_or_default()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.control.lock().faults = faults;
    }

    /// Makes the next `n` Square requests the faults match (all of them
    /// unless an operation was set) answer 500 without effect.
    pub fn fail_next(&self, n: u32) {
        self.shared.control.lock().faults.fail_next = n;
    }

    /// Makes the next `n` Square requests the faults match take effect and
    /// lose their answer.
    pub fn drop_next(&self, n: u32) {
        self.shared.control.lock().faults.drop_next = n;
    }

    /// Voids every APPROVED payment now, as if its window had passed.
    pub fn expire_all(&self) {
        if let Err(failure) = blocking(self.shared.ledger.expire_all_approved()) {
            tracing::warn!(%failure, "square double: cannot expire authorizations");
        }
    }

    /// Stops the server (gracefully, at most a second).
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Runs a ledger call for the synchronous methods tests use. Blocking the
/// caller's thread is safe here: the ledger's in-memory store is only ever
/// held by a transaction in the server's own worker thread, which never
/// waits for the caller.
fn blocking<T>(call: impl std::future::Future<Output = T>) -> T {
    futures::executor::block_on(call)
}
