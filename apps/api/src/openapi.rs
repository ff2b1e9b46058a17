//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` and
//! the DTOs' `ToSchema`, served at `/api/openapi.json` and browsable at `/api/docs`.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable};

use crate::payload::resource;
use crate::problem::{Problem, ProblemDetails, ProblemField};
use crate::routes::{
    account_links, admin_audit, admin_businesses, admin_catalog, admin_contact, admin_mail,
    admin_mailbox, admin_orders, admin_pricing, admin_simulator, admin_users, auth, business,
    catalog, checkout, contact, health, jwks, me, orders, webhooks,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some("The `access_token` from `POST /api/v1/auth/login`".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shop API",
        version = "1",
        description = "The shop's REST API (v1). Errors are RFC 9457 `application/problem+json` \
            with a stable `code`. Money is `{\"amount\": \"12.50\", \"currency\": \"USD\"}` with a \
            decimal-string amount. Lists take `?limit=` (default 20; values above 100 are clamped \
            to 100) and `?cursor=`, and answer `{items, next_cursor}`. Unknown JSON fields are \
            refused (422)."
    ),
    paths(
        health::healthz,
        health::readyz,
        jwks::jwks,
        auth::register,
        auth::login,
        auth::refresh,
        auth::logout,
        account_links::verify_email,
        account_links::resend_verification,
        account_links::password_reset,
        account_links::confirm_password_reset,
        me::get_me,
        me::update_me,
        me::change_password,
        business::get_business,
        business::put_business,
        catalog::list_categories,
        catalog::list_products,
        catalog::get_product,
        checkout::create_quote,
        orders::place_order,
        orders::list_orders,
        orders::get_order,
        orders::cancel_order,
        contact::submit_contact,
        webhooks::square_webhook,
        admin_users::list_users,
        admin_users::get_user,
        admin_users::inactivate_user,
        admin_users::activate_user,
        admin_businesses::list_businesses,
        admin_businesses::approve_business,
        admin_businesses::reject_business,
        admin_catalog::create_category,
        admin_catalog::create_product,
        admin_catalog::list_all_products,
        admin_catalog::update_product,
        admin_catalog::adjust_stock,
        admin_catalog::list_stock_movements,
        admin_pricing::get_tax_rates,
        admin_pricing::put_tax_rates,
        admin_pricing::create_promotion,
        admin_pricing::list_promotions,
        admin_orders::list_all_orders,
        admin_orders::get_any_order,
        admin_orders::fulfill_order,
        admin_orders::refund_order,
        admin_orders::retry_finalization,
        admin_contact::list_contact_messages,
        admin_contact::update_contact_message,
        admin_mailbox::list_mailbox,
        admin_mail::list_mail,
        admin_mail::resend_mail,
        admin_simulator::list_payments,
        admin_audit::list_audit,
    ),
    components(schemas(ProblemDetails, ProblemField), responses(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Registration, sign-in, tokens"),
        (name = "me", description = "The caller's account"),
        (name = "business", description = "The caller's business profile"),
        (name = "catalog", description = "Categories and products"),
        (name = "checkout", description = "Quotes"),
        (name = "orders", description = "The caller's orders"),
        (name = "contact", description = "The contact form"),
        (name = "webhooks", description = "Payment provider notifications"),
        (name = "admin", description = "Admin portal (role admin)"),
    )
)]
pub struct ApiDoc;

/// Serves the document and the Scalar docs page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let doc = ApiDoc::openapi();
    let json = doc.to_json().unwrap_or_else(|_| "{}".into());
    cfg.service(resource("/api/openapi.json").route(web::get().to(move || {
        let json = json.clone();
        async move {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(json)
        }
    })))
    .service(Scalar::with_url("/api/docs", doc));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_with_schemas() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/healthz",
            "/.well-known/jwks.json",
            "/api/v1/auth/login",
            "/api/v1/orders",
            "/api/v1/orders/{id}/cancel",
            "/api/v1/admin/mailbox",
            "/api/v1/admin/tax-rates",
            "/api/v1/webhooks/square",
            "/api/v1/admin/products/{id}/stock-adjustments",
            "/api/v1/admin/products/{id}/stock-movements",
            "/api/v1/admin/orders/{id}/retry-finalization",
            "/api/v1/admin/mail",
            "/api/v1/admin/mail/{id}/resend",
            "/api/v1/admin/payment-simulator/payments",
            "/api/v1/auth/verify-email",
            "/api/v1/auth/resend-verification",
            "/api/v1/auth/password-reset",
            "/api/v1/auth/password-reset/confirm",
        ] {
            assert!(paths.contains_key(path), "{path} missing");
        }
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for schema in [
            "ProblemDetails",
            "OrderDto",
            "MoneyDto",
            "TokenResponse",
            "QuoteRequestDto",
            "JwksDto",
        ] {
            assert!(schemas.contains_key(schema), "{schema} missing");
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        // The checkout's answers: 202 when the payment's outcome is not
        // known yet, 409 `quote_used` naming the order.
        let place = &doc["paths"]["/api/v1/orders"]["post"]["responses"];
        for status in ["200", "201", "202", "402", "409", "503"] {
            assert!(place.get(status).is_some(), "POST /api/v1/orders {status}");
        }
        assert!(
            place["409"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("quote_used")),
            "{place}"
        );
        assert!(place["202"]["headers"].get("Location").is_some(), "{place}");
        assert!(
            schemas["ProblemDetails"]["properties"]
                .get("order_id")
                .is_some(),
            "the problem names the order of a used quote"
        );
        for schema in [
            "AlertDto",
            "StockMovementDto",
            "OutboxMailDto",
            "SimulatorPaymentDto",
        ] {
            assert!(schemas.contains_key(schema), "{schema} missing");
        }
        let jwk = &schemas["JwkDto"]["properties"];
        for member in ["kty", "crv", "x", "kid", "alg", "use"] {
            assert!(jwk.get(member).is_some(), "JwkDto.{member} missing: {jwk}");
        }
    }
}
