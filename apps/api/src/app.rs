//! The HTTP application: the shared composition root (`shop-bootstrap`)
//! behind actix-web, with the embedded worker. Like zero2prod's
//! `Application::build`.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};
use shop_bootstrap::config::{Config, ConfigError, WorkerMode};
use shop_bootstrap::{StartupError, finalization_service, step_functions_launcher, wire, worker};
use shop_domain::account::ConfiguredAdmin;
use shop_settings::ExposeSecret as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::ratelimit::RateLimits;
use crate::state::AppState;
use crate::{openapi, payload, routes, telemetry, webapp};

pub struct Application {
    addr: SocketAddr,
    server: Server,
    shutdown: watch::Sender<bool>,
    background: Vec<JoinHandle<()>>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        // Adapters.
        let wiring = wire(&config).await?;

        // Services.
        let state = web::Data::new(AppState {
            accounts: wiring.account_service(),
            business: wiring.business_service(),
            catalog: wiring.catalog_service(),
            pricing: wiring.pricing_service(),
            orders: wiring.order_service(),
            contact: wiring.contact_service(),
            audit: wiring.audit_service(),
            mail: wiring.mail_admin_service(),
            payment_events: wiring.payment_event_service(),
            square_webhook: config.square_webhook.as_ref().map(|w| {
                shop_square::webhook::WebhookVerifier::new(
                    w.signature_key.expose_secret(),
                    &w.notification_url,
                )
            }),
            mailbox: wiring.mailbox.clone(),
            simulator: wiring.simulator.clone(),
            database: wiring.sql.clone(),
            limits: RateLimits::new(&config.rate_limits),
            trust_proxy: config.trust_proxy.clone(),
            currency: config.currency.clone(),
            jwks: wiring.jwks.clone(),
        });

        if let Some(admin) = &config.admin {
            let outcome = state
                .accounts
                .ensure_admin(&admin.email, admin.password.expose_secret())
                .await
                .map_err(|e| {
                    StartupError::Runtime(format!("cannot ensure the admin account: {e}"))
                })?;
            log_configured_admin(&outcome);
        }

        // Transport.
        let listener = TcpListener::bind(&config.bind).map_err(|e| {
            ConfigError::new(
                "SHOP_BIND",
                format!("cannot listen on {}: {e}", config.bind),
            )
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartupError::Runtime(format!("cannot read the bound address: {e}")))?;
        let body_limit = config.body_limit_bytes;
        let web_app = webapp::WebApp::open(&config.web_dir).map(web::Data::new);
        match &web_app {
            Some(_) => tracing::info!(dir = %config.web_dir.display(), "serving the web app at /"),
            None => tracing::info!(
                dir = %config.web_dir.display(),
                "no web app there (SHOP_WEB_DIR): / answers 404"
            ),
        }
        let server_state = state.clone();
        let server = HttpServer::new(move || {
            let app = App::new();
            let app = match &web_app {
                Some(web_app) => app.app_data(web_app.clone()),
                None => app,
            };
            app.app_data(server_state.clone())
                .app_data(payload::json_config(body_limit))
                .app_data(payload::query_config())
                .app_data(payload::path_config())
                .configure(routes::configure)
                .configure(openapi::configure)
                .default_service(web::to(webapp::serve))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .wrap(from_fn(telemetry::request_span))
        })
        .listen(listener)
        .map_err(|e| StartupError::Runtime(format!("cannot serve on {addr}: {e}")))?
        .disable_signals()
        .shutdown_timeout(30)
        .run();

        // Background tasks.
        let (shutdown, stopping) = watch::channel(false);
        let mut background = Vec::new();
        if config.worker != WorkerMode::Off {
            let mut finalization = finalization_service(&config, &wiring);
            if let WorkerMode::StepFunctions(sfn) = &config.worker {
                finalization = finalization.with_launcher(step_functions_launcher(sfn).await);
            }
            let finalization = Arc::new(finalization);
            background.push(worker::spawn(
                finalization,
                worker::Timing {
                    poll: config.worker_poll,
                    sweep: config.sweep_interval,
                },
                stopping.clone(),
            ));
        }
        background.push(spawn_limiter_housekeeping(state, stopping));

        tracing::info!(address = %addr, worker = ?config.worker, "shop-api listening on http://{addr}");
        Ok(Self {
            addr,
            server,
            shutdown,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn server_handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or the server is stopped through its
    /// handle), then drains requests in flight and stops the worker after the
    /// job in hand.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let signals = tokio::spawn(async move {
            shop_bootstrap::wait_for_signal().await;
            tracing::info!("shutdown requested; draining requests in flight");
            handle.stop(true).await;
        });
        let result = self.server.await;
        signals.abort();
        let _ = self.shutdown.send(true);
        for task in self.background {
            let _ = task.await;
        }
        tracing::info!("shop-api stopped");
        result
    }
}

fn spawn_limiter_housekeeping(
    state: web::Data<AppState>,
    mut stopping: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => state.limits.retain_recent(),
                _ = stopping.changed() => break,
            }
        }
    })
}

fn log_configured_admin(outcome: &ConfiguredAdmin) {
    let user = outcome.user();
    match outcome {
        ConfiguredAdmin::Created(_) => {
            tracing::info!(user_id = %user.id, "admin account created (SHOP_ADMIN_EMAIL)");
        }
        ConfiguredAdmin::Existing(_) if user.is_active() => {
            tracing::info!(user_id = %user.id, "admin account exists (SHOP_ADMIN_EMAIL)");
        }
        ConfiguredAdmin::Existing(_) => tracing::warn!(
            user_id = %user.id,
            "the SHOP_ADMIN_EMAIL admin is inactive and stays so: another admin \
             can activate it (POST /api/v1/admin/users/{{id}}/activate)"
        ),
        ConfiguredAdmin::NotPromoted(_) => tracing::warn!(
            user_id = %user.id,
            "SHOP_ADMIN_EMAIL names a customer account, which configuration never \
             promotes; to make it an admin run `shop-api admin promote EMAIL`, or \
             configure an address without an account"
        ),
    }
}
