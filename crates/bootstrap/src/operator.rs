//! Operator commands that change accounts on purpose (`shop-api admin ...`),
//! where configuration alone never would.

use shop_domain::DomainError;
use shop_domain::account::User;
use shop_settings::{ExposeSecret as _, SecretString};

use crate::{Config, StartupError, wire};

/// `shop-api admin create EMAIL` (password on stdin) or `admin promote EMAIL`.
#[derive(Debug)]
pub enum AdminCommand {
    Create {
        email: String,
        password: SecretString,
    },
    Promote {
        email: String,
    },
}

/// Runs `command` on the configured stores and answers the account.
pub async fn admin(config: &Config, command: AdminCommand) -> Result<User, StartupError> {
    let wiring = wire(config).await?;
    let accounts = wiring.account_service();
    let result = match &command {
        AdminCommand::Create { email, password } => {
            accounts.create_admin(email, password.expose_secret()).await
        }
        AdminCommand::Promote { email } => accounts.promote_admin(email).await,
    };
    result.map_err(|e| StartupError::Runtime(explain(&command, &e)))
}

fn explain(command: &AdminCommand, error: &DomainError) -> String {
    match (command, error) {
        (AdminCommand::Create { .. }, DomainError::EmailTaken) => {
            "an account with this address exists: `shop-api admin promote EMAIL` makes it an admin"
                .into()
        }
        (AdminCommand::Promote { .. }, DomainError::NotFound(_)) => {
            "no account has this address: `shop-api admin create EMAIL` creates one".into()
        }
        (_, DomainError::Validation(fields)) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        (_, other) => other.to_string(),
    }
}
