use std::fmt::Write;

use super::{MailMessage, message_id, single_line};
use crate::account::{Email, User};
use crate::business::BusinessProfile;
use crate::contact::ContactMessage;
use crate::order::Order;

/// What every template needs besides its subject entity.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub shop_name: String,
    pub shop_address: String,
    pub from: Email,
}

impl MailContext {
    fn domain(&self) -> &str {
        self.from.as_str().rsplit('@').next().unwrap_or("localhost")
    }

    fn footer_text(&self) -> String {
        if self.shop_address.is_empty() {
            format!("\n-- \n{}\n", self.shop_name)
        } else {
            format!("\n-- \n{}\n{}\n", self.shop_name, self.shop_address)
        }
    }

    fn wrap_html(&self, body: &str) -> String {
        format!(
            "<!doctype html><html><body>{body}<hr><p>{}<br>{}</p></body></html>",
            escape_html(&self.shop_name),
            escape_html(&self.shop_address)
        )
    }

    fn message(
        &self,
        kind: &str,
        entity: &str,
        to: &Email,
        subject: &str,
        text: String,
        html: String,
    ) -> MailMessage {
        MailMessage {
            message_id: message_id(kind, entity, to, self.domain()),
            from: self.from.clone(),
            to: to.clone(),
            subject: single_line(subject),
            text: format!("{text}{}", self.footer_text()),
            html: self.wrap_html(&html),
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn order_tables(order: &Order) -> (String, String) {
    let cur = order.currency.code();
    let mut text = String::new();
    let mut html = String::from(
        "<table><thead><tr><th>Item</th><th>Qty</th><th>Unit price</th><th>Total</th></tr></thead><tbody>",
    );
    for line in &order.lines {
        let _ = writeln!(
            text,
            "{} x {} ({}) @ {} {} = {} {}",
            line.quantity, line.name, line.sku, line.unit_price, cur, line.total, cur
        );
        let _ = write!(
            html,
            "<tr><td>{} ({})</td><td>{}</td><td>{} {cur}</td><td>{} {cur}</td></tr>",
            escape_html(&line.name),
            escape_html(&line.sku),
            line.quantity,
            line.unit_price,
            line.total
        );
    }
    html.push_str("</tbody></table>");
    let exempt = order.tax_exemption.as_ref().map(|e| {
        format!(
            "Tax exempt (certificate {}, {})",
            e.certificate_number, e.region
        )
    });
    let _ = write!(
        text,
        "\nSubtotal: {} {cur}\nDiscount: {} {cur}\nTax: {} {cur}\nTotal: {} {cur}\n",
        order.subtotal, order.discount_total, order.tax_total, order.total
    );
    let _ = write!(
        html,
        "<p>Subtotal: {} {cur}<br>Discount: {} {cur}<br>Tax: {} {cur}<br><strong>Total: {} {cur}</strong></p>",
        order.subtotal, order.discount_total, order.tax_total, order.total
    );
    if let Some(e) = exempt {
        let _ = writeln!(text, "{e}");
        let _ = write!(html, "<p>{}</p>", escape_html(&e));
    }
    (text, html)
}

pub fn order_confirmation(
    ctx: &MailContext,
    order: &Order,
    to: &Email,
    customer_name: &str,
) -> MailMessage {
    let (table_text, table_html) = order_tables(order);
    let subject = format!("{}: order {} confirmed", ctx.shop_name, order.number);
    let text = format!(
        "Hello {customer_name},\n\nthank you for your order {}. Your payment has been received.\n\n{table_text}",
        order.number
    );
    let html = format!(
        "<p>Hello {},</p><p>thank you for your order <strong>{}</strong>. Your payment has been received.</p>{table_html}",
        escape_html(customer_name),
        escape_html(&order.number)
    );
    ctx.message(
        "order-confirmation",
        order.id.as_str(),
        to,
        &subject,
        text,
        html,
    )
}

pub fn new_order_notice(
    ctx: &MailContext,
    order: &Order,
    to: &Email,
    customer_email: &Email,
) -> MailMessage {
    let (table_text, table_html) = order_tables(order);
    let subject = format!(
        "New order {} ({} {})",
        order.number, order.total, order.currency
    );
    let text = format!(
        "Order {} from {customer_email} is paid and ready to fulfil.\n\n{table_text}",
        order.number
    );
    let html = format!(
        "<p>Order <strong>{}</strong> from {} is paid and ready to fulfil.</p>{table_html}",
        escape_html(&order.number),
        escape_html(customer_email.as_str())
    );
    ctx.message(
        "new-order-notice",
        order.id.as_str(),
        to,
        &subject,
        text,
        html,
    )
}

pub fn business_approved(ctx: &MailContext, profile: &BusinessProfile, to: &Email) -> MailMessage {
    let exempt = if profile.tax_exempt_granted {
        " Orders you place while your exemption certificate is valid are tax exempt."
    } else {
        ""
    };
    let subject = format!("{}: your business account is approved", ctx.shop_name);
    let text = format!(
        "Your business profile for {} has been approved.{exempt}\n",
        profile.legal_name
    );
    let html = format!(
        "<p>Your business profile for <strong>{}</strong> has been approved.{exempt}</p>",
        escape_html(&profile.legal_name)
    );
    let entity = format!(
        "{}-{}",
        profile.user_id,
        profile.reviewed_at.map(|t| t.timestamp()).unwrap_or(0)
    );
    ctx.message("business-approved", &entity, to, &subject, text, html)
}

pub fn business_rejected(ctx: &MailContext, profile: &BusinessProfile, to: &Email) -> MailMessage {
    let reason = profile.rejection_reason.clone().unwrap_or_default();
    let subject = format!("{}: your business profile needs changes", ctx.shop_name);
    let text = format!(
        "Your business profile for {} was not approved.\nReason: {reason}\nYou can correct it and submit it again.\n",
        profile.legal_name
    );
    let html = format!(
        "<p>Your business profile for <strong>{}</strong> was not approved.</p><p>Reason: {}</p><p>You can correct it and submit it again.</p>",
        escape_html(&profile.legal_name),
        escape_html(&reason)
    );
    let entity = format!(
        "{}-{}",
        profile.user_id,
        profile.reviewed_at.map(|t| t.timestamp()).unwrap_or(0)
    );
    ctx.message("business-rejected", &entity, to, &subject, text, html)
}

/// To the customer when an authorized payment could not be taken (declined
/// at capture, or the authorization lapsed): nothing was charged.
pub fn payment_failed(
    ctx: &MailContext,
    order: &Order,
    to: &Email,
    customer_name: &str,
) -> MailMessage {
    let subject = format!(
        "{}: payment for order {} failed",
        ctx.shop_name, order.number
    );
    let text = format!(
        "Hello {customer_name},\n\nwe could not take the payment for your order {} ({} {}), so it has been canceled and nothing was charged. You are welcome to order again with another card.\n",
        order.number, order.total, order.currency
    );
    let html = format!(
        "<p>Hello {},</p><p>we could not take the payment for your order <strong>{}</strong> ({} {}), so it has been canceled and nothing was charged. You are welcome to order again with another card.</p>",
        escape_html(customer_name),
        escape_html(&order.number),
        order.total,
        order.currency
    );
    ctx.message(
        "payment-failed",
        order.id.as_str(),
        to,
        &subject,
        text,
        html,
    )
}

/// To the shop's admins when a visitor writes. Everything in it came from
/// the visitor: escaped in HTML, and the subject is a single line.
/// Tells an admin that an order needs a person: its payment keeps
/// failing, its workflow stopped, or it was given up and voided. `event`
/// tells one alert from the next (each is mailed once).
pub fn order_alert(
    ctx: &MailContext,
    order: &Order,
    to: &Email,
    event: &str,
    reason: &str,
) -> MailMessage {
    let subject = format!("{}: order {} needs attention", ctx.shop_name, order.number);
    let text = format!(
        "Order {} ({} {}, customer {}) needs attention:\n\n{}\n\nIt is listed with its alert in the admin portal's orders.\n",
        order.number,
        order.total,
        order.currency,
        order.customer_email.as_str(),
        single_line(reason)
    );
    let html = format!(
        "<p>Order <strong>{}</strong> ({} {}, customer {}) needs attention:</p><p>{}</p><p>It is listed with its alert in the admin portal's orders.</p>",
        escape_html(&order.number),
        order.total,
        order.currency,
        escape_html(order.customer_email.as_str()),
        escape_html(&single_line(reason))
    );
    ctx.message(
        "order-alert",
        &format!("{}.{event}", order.id),
        to,
        &subject,
        text,
        html,
    )
}

pub fn contact_notice(ctx: &MailContext, message: &ContactMessage, to: &Email) -> MailMessage {
    let subject = format!("Contact: {}", message.subject);
    let text = format!(
        "{} <{}> wrote:\n\nSubject: {}\n\n{}\n",
        message.name.as_str(),
        message.email,
        message.subject,
        message.message
    );
    let html = format!(
        "<p>{} &lt;{}&gt; wrote:</p><p><strong>{}</strong></p><pre>{}</pre>",
        escape_html(message.name.as_str()),
        escape_html(message.email.as_str()),
        escape_html(&message.subject),
        escape_html(&message.message)
    );
    ctx.message(
        "contact-notice",
        message.id.as_str(),
        to,
        &subject,
        text,
        html,
    )
}

/// A link in an account mail: `base` + `path` + `?token=` + the token. The
/// caller puts the token in the link only; the Message-ID carries `entity`
/// (an id that reveals nothing).
fn token_link(base: &str, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", base.trim_end_matches('/'))
}

/// A mail whose point is one single-use link: a greeting, `lead`, the link,
/// `close`, as text and as HTML.
#[allow(clippy::too_many_arguments)]
fn link_mail(
    ctx: &MailContext,
    user: &User,
    kind: &str,
    entity: &str,
    subject: &str,
    lead: &str,
    link: &str,
    close: &str,
) -> MailMessage {
    let subject = format!("{}: {subject}", ctx.shop_name);
    let name = user.name.as_str();
    let text = format!("Hello {name},\n\n{lead}\n\n{link}\n\n{close}\n");
    let html = format!(
        "<p>Hello {},</p><p>{}</p><p><a href=\"{l}\">{l}</a></p><p>{}</p>",
        escape_html(name),
        escape_html(lead),
        escape_html(close),
        l = escape_html(link)
    );
    ctx.message(kind, entity, &user.email, &subject, text, html)
}

/// The verification mail of a new (or re-requested) address: a single-use
/// link to the web app's `/verify` page, valid 24 hours.
pub fn email_verification(
    ctx: &MailContext,
    user: &User,
    public_url: &str,
    token: &str,
    entity: &str,
) -> MailMessage {
    link_mail(
        ctx,
        user,
        "verify-email",
        entity,
        "confirm your e-mail address",
        "Please confirm your e-mail address by opening this link (valid for 24 hours):",
        &token_link(public_url, "/verify", token),
        "If you did not create an account, ignore this mail.",
    )
}

/// The password reset mail: a single-use link to the web app's
/// `/reset-password` page, valid 30 minutes.
pub fn password_reset(
    ctx: &MailContext,
    user: &User,
    public_url: &str,
    token: &str,
    entity: &str,
) -> MailMessage {
    link_mail(
        ctx,
        user,
        "password-reset",
        entity,
        "reset your password",
        "Someone (hopefully you) asked to reset the password of your account. Open this link to choose a new one (valid for 30 minutes, once):",
        &token_link(public_url, "/reset-password", token),
        "If you did not ask for it, ignore this mail: your password stays as it is.",
    )
}

/// The mail to an account's owner when its sign-ins start backing off
/// after `failures` failed attempts in a row (once per back-off episode).
/// It carries no token and no secret; `entity` is a fresh id for the
/// Message-ID.
pub fn login_backoff_notice(
    ctx: &MailContext,
    user: &User,
    failures: u32,
    public_url: &str,
    entity: &str,
) -> MailMessage {
    let subject = format!("{}: sign-ins to your account are paused", ctx.shop_name);
    let name = user.name.as_str();
    let lead = format!(
        "There were {failures} failed sign-ins to your account in a row, so further attempts are refused for a while. The pause ends by itself, and grows with each further failure."
    );
    let advice = "If these were not you, someone may be trying to guess your password: choose a new one with a password reset.";
    let link = format!("{}/forgot-password", public_url.trim_end_matches('/'));
    let text = format!("Hello {name},\n\n{lead}\n\n{advice}\n\n{link}\n");
    let html = format!(
        "<p>Hello {},</p><p>{}</p><p>{}</p><p><a href=\"{l}\">{l}</a></p>",
        escape_html(name),
        escape_html(&lead),
        escape_html(advice),
        l = escape_html(&link)
    );
    ctx.message("login-backoff", entity, &user.email, &subject, text, html)
}
