//! The composition root shared by every shop process: the adapters the
//! settings choose, and each service built on the ports it uses. Like
//! zero2prod's `Application::build`, without the transport: `shop-api`
//! puts actix-web in front, `shop-worker` a job loop, `lambda-steps` the
//! Lambda runtime.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use shop_crypto::{Argon2Hasher, HashBudget};
use shop_domain::account::{AccountPorts, AccountService, PasswordHasher, TokenSigner};
use shop_domain::business::{BusinessPorts, BusinessService};
use shop_domain::catalog::{CatalogPorts, CatalogService};
use shop_domain::contact::{ContactPorts, ContactService};
use shop_domain::jobs::{FinalizationPorts, FinalizationService, WorkflowLauncher};
use shop_domain::mail::{MailAdminPorts, MailAdminService, Mailer};
use shop_domain::order::{OrderPorts, OrderService, SettlePorts};
use shop_domain::payment::PaymentGateway;
use shop_domain::payment::events::PaymentEventService;
use shop_domain::pricing::{PricingPorts, PricingService};
use shop_domain::settings::ShopSettings;
use shop_domain::{Clock, IdGenerator, Stores};
use shop_memory::{FileMailbox, SystemClock, UuidIds};
use shop_sql::SqlStore;
use shop_square_sandbox::SimulatedSquare;
use shop_stepfunctions::StepFunctionsSettings;

use crate::config::{Config, ConfigError, MailChoice, PaymentsChoice};
use crate::{StartupError, database, tokens};

fn ensure_dir(dir: &Path) -> Result<(), ConfigError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        ConfigError::new(
            "SHOP_DATA_DIR",
            format!("cannot create {}: {e}", dir.display()),
        )
    })
}

/// The gateway `SHOP_PAYMENTS` chooses, and the simulator when it is that
/// one (admins of the embedded shape can read its ledger). The simulator
/// keeps its ledger in the SQL database, so an authorization survives a
/// restart and every process on the database sees it; only the in-memory
/// store (`memory:`) keeps it in memory too.
fn payment_gateway(
    config: &Config,
    clock: Arc<dyn Clock>,
    sql: Option<&shop_sql::SqlStore>,
) -> Result<(Arc<dyn PaymentGateway>, Option<SimulatedSquare>), StartupError> {
    match &config.payments {
        PaymentsChoice::Simulator => {
            let simulator = match sql {
                Some(store) => SimulatedSquare::with_store(Arc::new(store.clone()), clock),
                None => SimulatedSquare::new(clock),
            };
            Ok((Arc::new(simulator.clone()), Some(simulator)))
        }
        PaymentsChoice::Square(square) => {
            let gateway = shop_square::SquareGateway::new(square.clone())
                .map_err(|e| ConfigError::new("SHOP_SQUARE_BASE_URL", e.to_string()))?;
            tracing::info!(base_url = %square.base_url, "payments: Square");
            Ok((Arc::new(gateway), None))
        }
    }
}

/// The mail transport `SHOP_MAIL` chooses, and the file mailbox when it is
/// that one (the admin mailbox endpoint lists only the file mailbox).
async fn mail_transport(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<(Arc<dyn Mailer>, Option<Arc<FileMailbox>>), StartupError> {
    match &config.mail {
        MailChoice::File => {
            let mail_dir: PathBuf = config.data_dir.join("mail");
            ensure_dir(&mail_dir)?;
            let mailbox = Arc::new(
                FileMailbox::new(mail_dir.clone())
                    .map_err(|e| {
                        ConfigError::new(
                            "SHOP_DATA_DIR",
                            format!("cannot open the mailbox {}: {e}", mail_dir.display()),
                        )
                    })?
                    .with_clock(clock),
            );
            Ok((mailbox.clone() as Arc<dyn Mailer>, Some(mailbox)))
        }
        MailChoice::Smtp(smtp) => {
            let mailer = shop_email::SmtpMailer::new(smtp)?;
            // Host, port and security only: the credentials stay out of logs.
            tracing::info!(
                host = %smtp.host,
                port = smtp.port,
                security = ?smtp.security,
                authenticated = smtp.credentials.is_some(),
                "mail: SMTP"
            );
            Ok((Arc::new(mailer), None))
        }
        MailChoice::Ses(ses) => {
            let mailer = shop_email::SesMailer::new(ses).await?;
            tracing::info!(mailer = ?mailer, "mail: Amazon SES");
            Ok((Arc::new(mailer), None))
        }
    }
}

/// The adapters the settings choose, with the stores and the mailbox behind
/// them: what `shop-api` and `shop-worker` both run on. Each service takes
/// the ports it uses from here.
pub struct Wiring {
    pub stores: Stores,
    /// The SQL store, for `/readyz` (`None`: the in-memory store).
    pub sql: Option<SqlStore>,
    pub payments: Arc<dyn PaymentGateway>,
    pub mailer: Arc<dyn Mailer>,
    pub hasher: Arc<dyn PasswordHasher>,
    /// The password hasher's budget (`permits_in_use` for metrics).
    pub hash_budget: Arc<HashBudget>,
    pub signer: Arc<dyn TokenSigner>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    /// The file mailbox, when it is the mail transport.
    pub mailbox: Option<Arc<FileMailbox>>,
    pub settings: Arc<ShopSettings>,
    /// The public access-token keys, served at `/.well-known/jwks.json`.
    pub jwks: serde_json::Value,
    /// The payment simulator, when it is the gateway.
    pub simulator: Option<SimulatedSquare>,
}

impl Wiring {
    pub fn account_ports(&self) -> AccountPorts {
        AccountPorts {
            accounts: self.stores.accounts.clone(),
            refresh_tokens: self.stores.refresh_tokens.clone(),
            profiles: self.stores.profiles.clone(),
            login_throttle: self.stores.login_throttle.clone(),
            hasher: self.hasher.clone(),
            signer: self.signer.clone(),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
            account_tokens: self.stores.account_tokens.clone(),
            outbox: self.stores.outbox.clone(),
        }
    }

    pub fn pricing_ports(&self) -> PricingPorts {
        PricingPorts {
            catalog: self.stores.catalog.clone(),
            quotes: self.stores.quotes.clone(),
            promotions: self.stores.promotions.clone(),
            tax_rates: self.stores.tax_rates.clone(),
            profiles: self.stores.profiles.clone(),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
        }
    }

    pub fn settle_ports(&self) -> SettlePorts {
        SettlePorts {
            orders: self.stores.orders.clone(),
            payments: self.payments.clone(),
            accounts: self.stores.accounts.clone(),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
        }
    }

    pub fn finalization_ports(&self) -> FinalizationPorts {
        FinalizationPorts {
            settle: self.settle_ports(),
            jobs: self.stores.jobs.clone(),
            outbox: self.stores.outbox.clone(),
            mailer: self.mailer.clone(),
        }
    }

    pub fn account_service(&self) -> AccountService {
        AccountService::new(self.account_ports(), self.settings.clone())
    }

    pub fn business_service(&self) -> BusinessService {
        BusinessService::new(
            BusinessPorts {
                profiles: self.stores.profiles.clone(),
                accounts: self.stores.accounts.clone(),
                clock: self.clock.clone(),
                ids: self.ids.clone(),
            },
            self.settings.clone(),
        )
    }

    pub fn catalog_service(&self) -> CatalogService {
        CatalogService::new(
            CatalogPorts {
                catalog: self.stores.catalog.clone(),
                clock: self.clock.clone(),
                ids: self.ids.clone(),
            },
            self.settings.clone(),
        )
    }

    pub fn pricing_service(&self) -> PricingService {
        PricingService::new(self.pricing_ports(), self.settings.clone())
    }

    pub fn order_service(&self) -> OrderService {
        OrderService::new(
            OrderPorts {
                settle: self.settle_ports(),
                quotes: self.stores.quotes.clone(),
                jobs: self.stores.jobs.clone(),
            },
            self.pricing_service(),
            self.settings.clone(),
        )
    }

    pub fn audit_service(&self) -> shop_domain::audit::AuditService {
        shop_domain::audit::AuditService::new(self.stores.audit.clone())
    }

    pub fn contact_service(&self) -> ContactService {
        ContactService::new(
            ContactPorts {
                contacts: self.stores.contacts.clone(),
                accounts: self.stores.accounts.clone(),
                clock: self.clock.clone(),
                ids: self.ids.clone(),
            },
            self.settings.clone(),
        )
    }

    pub fn mail_admin_service(&self) -> MailAdminService {
        MailAdminService::new(MailAdminPorts {
            outbox: self.stores.outbox.clone(),
            jobs: self.stores.jobs.clone(),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
        })
    }

    pub fn payment_event_service(&self) -> PaymentEventService {
        PaymentEventService::new(
            self.settle_ports(),
            self.settings.clone(),
            self.stores.payment_events.clone(),
        )
    }
}

/// Builds the adapters `config` chooses (data directory, store, mailbox,
/// JWT signer, payment gateway) and the shop settings.
pub async fn wire(config: &Config) -> Result<Wiring, StartupError> {
    wire_with_clock(config, Arc::new(SystemClock)).await
}

/// [`wire`] on another clock (tests that move time).
pub async fn wire_with_clock(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<Wiring, StartupError> {
    ensure_dir(&config.data_dir)?;
    let (stores, sql) = database::open(config, clock.clone()).await?;
    let (mailer, mailbox) = mail_transport(config, clock.clone()).await?;
    let token_keys = tokens::token_keys(config).await?;
    let (payments, simulator) = payment_gateway(config, clock.clone(), sql.as_ref())?;
    let hash_budget = Arc::new(HashBudget::new(
        config.password_hash_concurrency,
        config.password_hash_queue,
    ));
    Ok(Wiring {
        stores,
        sql,
        payments,
        mailer,
        hasher: Arc::new(Argon2Hasher::with_budget(hash_budget.clone())),
        hash_budget,
        signer: token_keys.signer,
        clock,
        ids: Arc::new(UuidIds),
        mailbox,
        settings: Arc::new(config.shop_settings()),
        jwks: token_keys.jwks,
        simulator,
    })
}

/// The job runner on the configured lease, for the embedded worker and
/// `shop-worker` alike.
pub fn finalization_service(config: &Config, wiring: &Wiring) -> FinalizationService {
    let lease =
        chrono::TimeDelta::from_std(config.worker_lease).unwrap_or(shop_domain::jobs::JOB_LEASE);
    FinalizationService::new(wiring.finalization_ports(), wiring.settings.clone())
        .with_lease(lease)
        .with_policy(config.retry_policy.clone())
}

/// The launcher of `SHOP_WORKER=stepfunctions`: credentials from the AWS
/// default chain; the region too, else the state machine ARN's own.
pub async fn step_functions_launcher(sfn: &StepFunctionsSettings) -> Arc<dyn WorkflowLauncher> {
    let launcher = shop_stepfunctions::StepFunctionsLauncher::from_env(
        &sfn.state_machine_arn,
        sfn.endpoint_url.as_deref(),
    )
    .await;
    tracing::info!(state_machine = %sfn.state_machine_arn, "finalization: AWS Step Functions");
    Arc::new(launcher)
}
