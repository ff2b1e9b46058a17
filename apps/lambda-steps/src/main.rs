//! The `lambda-steps` binary (deployed as `bootstrap` on `provided.al2023`):
//! the finalization workflow's steps behind the Lambda runtime API, on the
//! same `SHOP_*` settings and adapters as `shop-api` (the shared
//! composition root, `shop-bootstrap`). The
//! event's `step` field chooses the step (see the library).

use std::process::ExitCode;
use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use shop_bootstrap::{Config, StartupError};

fn fail(error: &StartupError) -> ExitCode {
    eprintln!("lambda-steps: {error}");
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(&e.into()),
    };
    if let Err(e) = shop_bootstrap::init_logging(&config.log_filter, config.log_format) {
        eprintln!("lambda-steps: SHOP_LOG: {e}");
        return ExitCode::from(2);
    }
    for name in &config.unknown_variables {
        tracing::warn!(variable = %name, "unknown SHOP_ variable ignored");
    }
    // Wiring only: no HTTP server and no worker loop; the state machine
    // drives the steps.
    let wiring = match shop_bootstrap::wire(&config).await {
        Ok(w) => w,
        Err(e) => return fail(&e),
    };
    let service = Arc::new(shop_bootstrap::finalization_service(&config, &wiring));
    let handler = service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let service = service.clone();
        async move { shop_lambda_steps::handle(&service, event.payload).await }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambda-steps: {e}");
            ExitCode::from(1)
        }
    }
}
