//! Admin: the embedded file mailbox.

use actix_web::web;

use super::State;
use crate::auth::Admin;
use crate::dto::mailbox::{MailDto, MailList};
use crate::payload::resource;
use crate::problem::{ApiError, ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/mailbox").route(web::get().to(list_mailbox)));
}

/// Every mail the file mailbox holds, newest first (embedded shape only).
#[utoipa::path(get, path = "/api/v1/admin/mailbox", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The mailbox", body = MailList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, description = "The mail transport is not the file mailbox", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn list_mailbox(state: State, Admin(_admin): Admin) -> ApiResult<web::Json<MailList>> {
    let Some(mailbox) = &state.mailbox else {
        return Err(ApiError::not_found(
            "the mail transport is not the file mailbox",
        ));
    };
    let mails: Vec<MailDto> = mailbox.list()?.into_iter().map(Into::into).collect();
    Ok(web::Json(MailList::complete(mails)))
}
