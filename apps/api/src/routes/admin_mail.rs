//! Admin: the outbox's deliveries, and sending a mail again.

use actix_web::web;

use super::State;
use crate::auth::Admin;
use crate::dto::common::page_request;
use crate::dto::outbox::{
    MailStatusFilter, OutboxMailDto, OutboxMailEnvelope, OutboxMailList, OutboxQuery,
};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/mail").route(web::get().to(list_mail)))
        .service(resource("/api/v1/admin/mail/{id}/resend").route(web::post().to(resend_mail)));
}

/// Recorded mail, newest first: unsent (the default) or sent, each with its
/// delivery (state, attempts, last error, next attempt). A mail that keeps
/// failing is retried quickly, then hourly for days, before it is `dead`.
#[utoipa::path(get, path = "/api/v1/admin/mail", tag = "admin",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "A page of mail", body = OutboxMailList),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_mail(
    state: State,
    Admin(admin): Admin,
    query: web::Query<OutboxQuery>,
) -> ApiResult<web::Json<OutboxMailList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let sent = matches!(query.status.unwrap_or_default(), MailStatusFilter::Sent);
    let mails = state.mail.list(&admin, sent, &page).await?;
    Ok(web::Json(OutboxMailList::from_page(
        mails,
        |(mail, job)| OutboxMailDto::new(mail, job),
    )))
}

/// Queues an unsent mail's delivery again, due now: after its retries ran
/// out (`delivery.state = "dead"`) or to skip the wait for the next one.
#[utoipa::path(post, path = "/api/v1/admin/mail/{id}/resend", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The mail's `id`")),
    responses(
        (status = 200, description = "Queued; the mail with its delivery", body = OutboxMailEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`mail_already_sent`", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn resend_mail(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<OutboxMailEnvelope>> {
    let (mail, job) = state.mail.resend(&admin, &id.into_inner()).await?;
    Ok(web::Json(OutboxMailEnvelope {
        mail: OutboxMailDto::new(mail, job),
    }))
}
