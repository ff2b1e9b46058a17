//! Admin: user accounts.

use actix_web::web;
use shop_domain::account::UserFilter;
use shop_domain::ids::UserId;

use super::State;
use crate::auth::Admin;
use crate::dto::account::UserEnvelope;
use crate::dto::admin::{UserList, UserQuery};
use crate::dto::common::page_request;
use crate::payload::resource;
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/v1/admin/users").route(web::get().to(list_users)))
        .service(resource("/api/v1/admin/users/{id}").route(web::get().to(get_user)))
        .service(
            resource("/api/v1/admin/users/{id}/inactivate").route(web::post().to(inactivate_user)),
        )
        .service(
            resource("/api/v1/admin/users/{id}/activate").route(web::post().to(activate_user)),
        );
}

/// Users, newest first.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of users", body = UserList),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 422, response = Problem),
    ))]
pub async fn list_users(
    state: State,
    Admin(admin): Admin,
    query: web::Query<UserQuery>,
) -> ApiResult<web::Json<UserList>> {
    let query = query.into_inner();
    let page = page_request(query.limit.as_deref(), query.cursor)?;
    let filter = UserFilter {
        query: query
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        status: query.status.map(Into::into),
    };
    let users = state.accounts.list_users(&admin, &filter, &page).await?;
    Ok(web::Json(UserList::from_page(users, Into::into)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
    ))]
pub async fn get_user(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<UserEnvelope>> {
    let user = state
        .accounts
        .get_user(&admin, &UserId::new(id.into_inner()))
        .await?;
    Ok(web::Json(user.into()))
}

/// Inactivates a user: every token they hold stops working on their next request.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/inactivate", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Inactivated", body = UserEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, description = "`invalid_state` (an admin inactivating themself)", body = crate::problem::ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn inactivate_user(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<UserEnvelope>> {
    let user = state
        .accounts
        .inactivate(&admin, &UserId::new(id.into_inner()))
        .await?;
    Ok(web::Json(user.into()))
}

/// Re-activates a user.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/activate", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Active", body = UserEnvelope),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
    ))]
pub async fn activate_user(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> ApiResult<web::Json<UserEnvelope>> {
    let user = state
        .accounts
        .activate(&admin, &UserId::new(id.into_inner()))
        .await?;
    Ok(web::Json(user.into()))
}
