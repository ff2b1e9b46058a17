//! The public keys access tokens are signed with, for other services that
//! verify this shop's tokens themselves.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::State;
use crate::payload::resource;

/// One Ed25519 public key (RFC 8037): `kid` is its RFC 7638 thumbprint.
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkDto {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    /// The 32 key bytes, base64url without padding.
    pub x: String,
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[schema(example = "sig")]
    pub r#use: String,
}

/// A JWK Set (RFC 7517).
#[derive(Debug, Serialize, ToSchema)]
pub struct JwksDto {
    pub keys: Vec<JwkDto>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/.well-known/jwks.json").route(web::get().to(jwks)));
}

/// The public keys of the access-token key ring: the active one and those
/// rotated out whose tokens still verify. Empty with legacy HS256 tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "The JWK Set; `Cache-Control: public, max-age=300`",
        body = JwksDto, content_type = "application/jwk-set+json")))]
pub async fn jwks(state: State) -> HttpResponse {
    // Five minutes: a verifier sees a rotation soon, and this process only
    // changes its keys on a restart anyway.
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .content_type("application/jwk-set+json")
        .json(&state.jwks)
}
