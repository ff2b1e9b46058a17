//! Admin: contact message triage.

use actix_web::web;
use shop_domain::ids::ContactMessageId;

use super::State;
use crate::auth::Admin;
use crate::dto::common::page_request;
use crate::dto::contact::{
    ContactMessageDto, ContactMessageList, ContactQuery, ContactStatusRequest,
};
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v1/admin/contact-messages").route(web::get().to(list_contact_messages)),
    )
    .service(
        resource("/api/v1/admin/contact-messages/{id}")
            .route(web::patch().to(update_contact_message)),
    );
}

/// Contact messages, newest first.
#[utoipa::path(get, path = "/api/v1/admin/contact-messages", tag = "admin",
    security(("bearer" = [])),
    params(ContactQuery),
    responses(
        (status = 200, description = "A page of messages", body = ContactMessageList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_contact_messages(
    state: State,
    Admin(admin): Admin,
    query: web::Query<ContactQuery>,
) -> ApiResult<web::Json<ContactMessageList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let messages = state
        .contact
        .list(&admin, query.status.map(Into::into), &page)
        .await?;
    Ok(web::Json(ContactMessageList::from_page(
        messages,
        Into::into,
    )))
}

/// Sets a message's status (`new`, `read`, `archived`).
#[utoipa::path(patch, path = "/api/v1/admin/contact-messages/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Message id")),
    request_body = ContactStatusRequest,
    responses(
        (status = 200, description = "Updated", body = ContactMessageDto),
        (status = 400, response = Problem),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn update_contact_message(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    body: web::Json<ContactStatusRequest>,
) -> ApiResult<web::Json<ContactMessageDto>> {
    let message = state
        .contact
        .set_status(
            &admin,
            &ContactMessageId::new(id.into_inner()),
            body.status.into(),
        )
        .await?;
    Ok(web::Json(message.into()))
}
