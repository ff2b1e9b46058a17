//! The Lambda bootstrap: configuration, logging, then lambda_http's loop.

use std::sync::Arc;

use lambda_http::{Body, Error, Request, Response, service_fn};
use shop_lambda_auth::{AuthLambda, Config};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // JSON lines for CloudWatch; no ANSI colours, no time (Lambda stamps it).
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();

    let config = match Config::from_env(&|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(err) => {
            // One line naming the variable, never its value.
            tracing::error!(variable = err.variable, "bad configuration: {err}");
            std::process::exit(1);
        }
    };
    let handler = match AuthLambda::connect(config).await {
        Ok(handler) => Arc::new(handler),
        Err(err) => {
            tracing::error!("cannot reach DynamoDB: {err}");
            std::process::exit(1);
        }
    };
    lambda_http::run(service_fn(move |request: Request| {
        let handler = handler.clone();
        async move { Ok::<Response<Body>, Error>(handler.handle(request).await) }
    }))
    .await
}
