//! The `shop-api` binary: configuration, logging, then the application.
//! `shop-api migrate` applies the pending database migrations and exits;
//! `shop-api jwt-rotate` adds a new active access-token key and prints its kid.

use std::process::ExitCode;

use shop_api::{Application, Config, StartupError};

fn fail(error: &StartupError) -> ExitCode {
    eprintln!("shop-api: {error}");
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}

#[actix_web::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(&e.into()),
    };
    if let Err(e) = shop_bootstrap::init_logging(&config.log_filter, config.log_format) {
        eprintln!("shop-api: SHOP_LOG: {e}");
        return ExitCode::from(2);
    }
    for name in &config.unknown_variables {
        tracing::warn!(variable = %name, "unknown SHOP_ variable ignored");
    }
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("migrate") => {
            return match shop_bootstrap::migrate(&config).await {
                Ok(applied) => {
                    println!("{applied} migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            };
        }
        Some("jwt-rotate") => {
            return match shop_bootstrap::tokens::rotate(&config).await {
                Ok(kid) => {
                    // Only the public thumbprint: never anything of the key itself.
                    println!("{kid}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            };
        }
        Some(other) => {
            eprintln!(
                "shop-api: unknown sub-command {other:?} (usage: shop-api [migrate | jwt-rotate])"
            );
            return ExitCode::from(2);
        }
    }
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => return fail(&e),
    };
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shop-api: server error: {e}");
            ExitCode::from(1)
        }
    }
}
