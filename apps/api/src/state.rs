//! What every handler can reach: the domain services and transport settings.

use std::sync::Arc;

use shop_domain::Currency;
use shop_domain::account::AccountService;
use shop_domain::business::BusinessService;
use shop_domain::catalog::CatalogService;
use shop_domain::contact::ContactService;
use shop_domain::mail::MailAdminService;
use shop_domain::order::OrderService;
use shop_domain::payment::events::PaymentEventService;
use shop_domain::pricing::PricingService;
use shop_memory::FileMailbox;

use crate::ratelimit::RateLimits;

pub struct AppState {
    pub accounts: AccountService,
    pub business: BusinessService,
    pub catalog: CatalogService,
    pub pricing: PricingService,
    pub orders: OrderService,
    pub contact: ContactService,
    /// The admin audit trail.
    pub audit: shop_domain::audit::AuditService,
    /// The outbox's deliveries, for admins.
    pub mail: MailAdminService,
    /// Square `payment.updated` notifications.
    pub payment_events: PaymentEventService,
    /// Verifies Square webhook signatures (`None`: no key configured, every
    /// notification is refused).
    pub square_webhook: Option<shop_square::webhook::WebhookVerifier>,
    /// The file mailbox, when it is the mail transport.
    pub mailbox: Option<Arc<FileMailbox>>,
    /// The payment simulator, when it is the gateway (`SHOP_PAYMENTS=simulator`).
    pub simulator: Option<shop_square_sandbox::SimulatedSquare>,
    /// The SQL store, pinged by `/readyz` (`None`: the in-memory store).
    pub database: Option<shop_sql::SqlStore>,
    pub limits: RateLimits,
    /// The proxies whose `X-Forwarded-For` names the client.
    pub trust_proxy: shop_bootstrap::config::TrustedProxies,
    pub currency: Currency,
    /// The public access-token keys (JWKS), for `/.well-known/jwks.json`.
    pub jwks: serde_json::Value,
}
