//! The shop's composition root, shared by `shop-api`, `shop-worker` and the
//! Step Functions Lambda (`lambda-steps`): the settings ([`config`], every
//! one in [`table`]), the adapters they choose and the services on them
//! ([`wiring`]), the store's migrations, the access-token keys, the job loop
//! ([`worker`]) and logging. No web framework here: only `shop-api` links
//! actix-web (`deny.toml` holds it to that).

pub mod config;
#[cfg(feature = "test-hooks")]
mod crash;
mod database;
pub mod operator;
mod table;
mod telemetry;
pub mod tokens;
pub mod wiring;
pub mod worker;

pub use config::{Config, ConfigError};
pub use database::migrate;
pub use table::all as settings;
pub use telemetry::init as init_logging;
pub use wiring::{Wiring, finalization_service, step_functions_launcher, wire, wire_with_clock};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is unusable (exit status 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Something the settings point at failed (exit status 1).
    #[error("{0}")]
    Runtime(String),
}

impl StartupError {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Config(_) => 2,
            Self::Runtime(_) => 1,
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
#[cfg(unix)]
pub async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Resolves on SIGINT.
#[cfg(not(unix))]
pub async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// The crash test's step probe when `SHOP_WORKER_CRASH_AT` and
/// `SHOP_WORKER_CRASH_DIR` ask for one (`Ok(None)` when they do not). A
/// build without the `test-hooks` feature has no hook: it says so when
/// asked for one, and runs as usual.
pub fn crash_probe_from_env()
-> Result<Option<std::sync::Arc<dyn shop_domain::jobs::StepProbe>>, String> {
    #[cfg(feature = "test-hooks")]
    {
        Ok(crash::CrashProbe::from_env()?
            .map(|p| std::sync::Arc::new(p) as std::sync::Arc<dyn shop_domain::jobs::StepProbe>))
    }
    #[cfg(not(feature = "test-hooks"))]
    {
        if std::env::var_os("SHOP_WORKER_CRASH_AT").is_some() {
            tracing::warn!("SHOP_WORKER_CRASH_AT ignored: this build has no test hooks");
        }
        Ok(None)
    }
}
