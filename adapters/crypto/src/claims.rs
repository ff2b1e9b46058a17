//! The access-token claims on the wire and the validation every signer
//! shares, so HS256 and EdDSA tokens carry and check exactly the same claims.

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use shop_domain::DomainError;
use shop_domain::account::{AccessClaims, Role};
use shop_domain::ids::{SessionId, UserId};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireClaims {
    iss: String,
    aud: String,
    sub: String,
    role: String,
    ver: u64,
    sid: String,
    jti: String,
    iat: i64,
    exp: i64,
}

impl WireClaims {
    pub(crate) fn new(claims: &AccessClaims, issuer: &str, audience: &str) -> Self {
        Self {
            iss: issuer.to_string(),
            aud: audience.to_string(),
            sub: claims.user_id.as_str().to_string(),
            role: claims.role.as_str().to_string(),
            ver: claims.session_version,
            sid: claims.session_id.as_str().to_string(),
            jti: claims.token_id.clone(),
            iat: claims.issued_at,
            exp: claims.expires_at,
        }
    }

    pub(crate) fn into_access_claims(self) -> Result<AccessClaims, DomainError> {
        let role = Role::parse(&self.role).ok_or(DomainError::InvalidToken)?;
        Ok(AccessClaims {
            user_id: UserId::new(self.sub),
            role,
            session_version: self.ver,
            session_id: SessionId::new(self.sid),
            token_id: self.jti,
            issued_at: self.iat,
            expires_at: self.exp,
        })
    }
}

pub(crate) fn require_issuer_and_audience(issuer: &str, audience: &str) -> Result<(), DomainError> {
    if issuer.is_empty() || audience.is_empty() {
        return Err(DomainError::invalid(
            "jwt_issuer",
            "issuer and audience must not be empty",
        ));
    }
    Ok(())
}

/// Exactly one algorithm is accepted. Expiry is the domain's to check
/// against its clock, but a token without `exp` is refused here.
pub(crate) fn pinned_validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.algorithms = vec![algorithm];
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation
}
