//! The `shop-api` binary: configuration, logging, then the application.
//! `shop-api migrate` applies the pending database migrations and exits;
//! `shop-api jwt-rotate` adds a new active access-token key and prints its kid;
//! `shop-api admin create EMAIL` (the password on stdin) and
//! `shop-api admin promote EMAIL` make an admin on purpose.

use std::process::ExitCode;

use shop_api::{Application, Config, StartupError};
use shop_bootstrap::operator::AdminCommand;
use shop_domain::account::User;

fn fail(error: &StartupError) -> ExitCode {
    eprintln!("shop-api: {error}");
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}

const USAGE: &str =
    "usage: shop-api [migrate | jwt-rotate | admin create EMAIL | admin promote EMAIL]";

/// `admin create EMAIL` reads the password from the first line of stdin, so
/// it is in neither the process list nor the shell history.
fn admin_command(args: Vec<String>) -> Result<AdminCommand, String> {
    match args.as_slice() {
        [verb, email] if verb == "create" => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            let password = line.trim_end_matches(['\r', '\n']).to_string();
            Ok(AdminCommand::Create {
                email: email.clone(),
                password: password.into(),
            })
        }
        [verb, email] if verb == "promote" => Ok(AdminCommand::Promote {
            email: email.clone(),
        }),
        _ => Err(USAGE.into()),
    }
}

fn status(user: &User) -> &'static str {
    if user.is_active() {
        "active"
    } else {
        "inactive: an admin can activate it"
    }
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
        Some("admin") => {
            let command = match admin_command(std::env::args().skip(2).collect()) {
                Ok(c) => c,
                Err(usage) => {
                    eprintln!("shop-api: {usage}");
                    return ExitCode::from(2);
                }
            };
            return match shop_bootstrap::operator::admin(&config, command).await {
                Ok(user) => {
                    println!(
                        "{} is an admin ({}): user id {}",
                        user.email,
                        status(&user),
                        user.id
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            };
        }
        Some(other) => {
            eprintln!("shop-api: unknown sub-command {other:?} ({USAGE})");
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
