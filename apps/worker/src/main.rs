//! The `shop-worker` binary: the order-finalization loop as a process of its
//! own, on the same `SHOP_*` settings and adapters as `shop-api` (the
//! shared composition root, `shop-bootstrap`). Any number may run against one SQL database; run `shop-api`
//! with `SHOP_WORKER=off` beside them. SIGTERM or SIGINT stops it after the
//! job in hand.

use std::process::ExitCode;
use std::sync::Arc;

use shop_bootstrap::config::{ConfigError, DatabaseChoice, WorkerMode};
use shop_bootstrap::{Config, StartupError};
use tokio::sync::watch;

fn fail(error: &StartupError) -> ExitCode {
    eprintln!("shop-worker: {error}");
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(&e.into()),
    };
    if let Err(e) = shop_bootstrap::init_logging(&config.log_filter, config.log_format) {
        eprintln!("shop-worker: SHOP_LOG: {e}");
        return ExitCode::from(2);
    }
    if let Some(arg) = std::env::args().nth(1) {
        eprintln!("shop-worker: unknown argument {arg:?} (usage: shop-worker)");
        return ExitCode::from(2);
    }
    if config.database == DatabaseChoice::Memory {
        return fail(
            &ConfigError::new(
                "SHOP_DATABASE_URL",
                "memory: cannot be shared with another process; shop-worker needs a SQL database",
            )
            .into(),
        );
    }
    for name in &config.unknown_variables {
        tracing::warn!(variable = %name, "unknown SHOP_ variable ignored");
    }
    let wiring = match shop_bootstrap::wire(&config).await {
        Ok(w) => w,
        Err(e) => return fail(&e),
    };
    let mut service = shop_bootstrap::finalization_service(&config, &wiring);
    // With SHOP_WORKER=stepfunctions the workers hand finalizations to the
    // state machine, as shop-api's embedded loop does, and still send mail.
    if let WorkerMode::StepFunctions(sfn) = &config.worker {
        service = service.with_launcher(shop_bootstrap::step_functions_launcher(sfn).await);
    }
    match shop_bootstrap::crash_probe_from_env() {
        Ok(Some(probe)) => service = service.with_probe(probe),
        Ok(None) => {}
        Err(problem) => {
            eprintln!("shop-worker: {problem}");
            return ExitCode::from(2);
        }
    }
    let service = Arc::new(service);
    let (shutdown, stopping) = watch::channel(false);
    let timing = shop_bootstrap::worker::Timing {
        poll: config.worker_poll,
        sweep: config.sweep_interval,
    };
    let worker = shop_bootstrap::worker::spawn(service, timing, stopping);
    tracing::info!("shop-worker running");
    shop_bootstrap::wait_for_signal().await;
    tracing::info!("shutdown requested; finishing the job in hand");
    let _ = shutdown.send(true);
    let stopped = worker.await;
    if let Some(sql) = wiring.sql {
        let _ = sql.close().await;
    }
    match stopped {
        Ok(()) => {
            tracing::info!("shop-worker stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shop-worker: the worker task failed: {e}");
            ExitCode::from(1)
        }
    }
}
