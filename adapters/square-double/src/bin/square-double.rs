//! `square-double`: the Square Payments API v2 test double as a process,
//! for local development and the black-box tests. Never for production.
//!
//! Environment:
//! - `SQUARE_DOUBLE_ADDR` (default `127.0.0.1:8090`): where to listen;
//!   the bound address is printed as `listening on http://HOST:PORT`.
//! - `SQUARE_DOUBLE_AUTH_WINDOW_SECS` (default 7 days): how long an APPROVED
//!   payment waits for completion before it is voided.
//! - `SQUARE_DOUBLE_ACCESS_TOKEN` (optional): the only bearer token accepted.

use std::io::Write as _;

use shop_square_double::{DoubleConfig, SquareDouble};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let address =
        std::env::var("SQUARE_DOUBLE_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".to_string());
    let mut config = DoubleConfig::default();
    if let Ok(raw) = std::env::var("SQUARE_DOUBLE_AUTH_WINDOW_SECS") {
        match raw.trim().parse::<i64>() {
            Ok(secs) if secs > 0 => config.authorization_window = chrono::Duration::seconds(secs),
            _ => {
                eprintln!(
                    "square-double: SQUARE_DOUBLE_AUTH_WINDOW_SECS must be a positive whole number of seconds, got {raw:?}"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    config.access_token = std::env::var("SQUARE_DOUBLE_ACCESS_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let double = match SquareDouble::start_with(config, &address).await {
        Ok(double) => double,
        Err(e) => {
            eprintln!("square-double: cannot listen on {address}: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    println!("listening on {}", double.base_url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    double.stop().await;
    std::process::ExitCode::SUCCESS
}
