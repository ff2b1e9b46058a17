//! HS256 access tokens.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use shop_domain::DomainError;
use shop_domain::account::{AccessClaims, TokenSigner};

use crate::claims::{WireClaims, pinned_validation, require_issuer_and_audience};

/// The shortest HMAC secret accepted: 256 bits, the size of the hash.
pub const MIN_SECRET_LEN: usize = 32;

/// Signs and verifies HS256 JWTs with a fixed issuer and audience. The
/// algorithm is pinned: a token whose header names any other algorithm
/// (`none`, HS384, RS256, ...) is refused before its signature is looked
/// at. Expiry is the domain's to check against its clock, but a token
/// without `exp` is refused here.
pub struct JwtSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    validation: Validation,
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigner")
            .field("algorithm", &"HS256")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("secret", &"***")
            .finish()
    }
}

impl JwtSigner {
    /// Fails when the secret is shorter than [`MIN_SECRET_LEN`] bytes.
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Result<Self, DomainError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(DomainError::invalid(
                "jwt_secret",
                format!("must be at least {MIN_SECRET_LEN} bytes"),
            ));
        }
        require_issuer_and_audience(issuer, audience)?;
        let validation = pinned_validation(Algorithm::HS256, issuer, audience);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            validation,
        })
    }
}

impl TokenSigner for JwtSigner {
    fn sign(&self, claims: &AccessClaims) -> Result<String, DomainError> {
        let wire = WireClaims::new(claims, &self.issuer, &self.audience);
        encode(&Header::new(Algorithm::HS256), &wire, &self.encoding)
            .map_err(|e| DomainError::Internal(format!("cannot sign an access token: {e}")))
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, DomainError> {
        let data = decode::<WireClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| DomainError::InvalidToken)?;
        if data.header.alg != Algorithm::HS256 {
            return Err(DomainError::InvalidToken);
        }
        data.claims.into_access_claims()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;
    use shop_domain::account::Role;
    use shop_domain::ids::{SessionId, UserId};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const ISS: &str = "shop-test";
    const AUD: &str = "shop-api";

    fn signer() -> JwtSigner {
        JwtSigner::hs256(SECRET, ISS, AUD).unwrap()
    }

    fn claims() -> AccessClaims {
        AccessClaims {
            user_id: UserId::new("0190c2e4-0000-7000-8000-000000000001"),
            role: Role::Admin,
            session_version: 3,
            session_id: SessionId::new("0190c2e4-0000-7000-8000-000000000002"),
            token_id: "0190c2e4-0000-7000-8000-000000000003".into(),
            issued_at: 1_900_000_000,
            expires_at: 1_900_000_900,
        }
    }

    fn b64(value: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    fn payload() -> serde_json::Value {
        json!({
            "iss": ISS, "aud": AUD, "sub": "u1", "role": "admin", "ver": 1,
            "sid": "s1", "jti": "j1", "iat": 1_900_000_000_i64, "exp": 1_900_000_900_i64
        })
    }

    /// A token over `payload` signed with HMAC `alg` and `SECRET`.
    fn forge(alg: Algorithm, payload: &serde_json::Value) -> String {
        encode(
            &Header::new(alg),
            payload,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn refused(token: &str) {
        assert_eq!(
            signer().verify(token),
            Err(DomainError::InvalidToken),
            "{token}"
        );
    }

    #[test]
    fn round_trip() {
        let s = signer();
        let token = s.sign(&claims()).unwrap();
        assert_eq!(s.verify(&token).unwrap(), claims());
    }

    #[test]
    fn expiry_is_left_to_the_domain() {
        let mut old = claims();
        old.issued_at = 1_000;
        old.expires_at = 2_000;
        let token = signer().sign(&old).unwrap();
        assert_eq!(signer().verify(&token).unwrap(), old);
    }

    #[test]
    fn short_secret_is_refused() {
        assert!(JwtSigner::hs256(&SECRET[..31], ISS, AUD).is_err());
        assert!(!format!("{:?}", signer()).contains("0123456789"));
    }

    #[test]
    fn tampered_payload() {
        let token = signer().sign(&claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut body = payload();
        body["role"] = json!("admin");
        body["sub"] = json!("someone-else");
        refused(&format!("{}.{}.{}", parts[0], b64(&body), parts[2]));
        refused(&format!("{}.{}", parts[0], parts[1]));
        refused(&format!("{}.{}.", parts[0], parts[1]));
        refused("");
        refused("not.a.jwt");
    }

    #[test]
    fn other_secret() {
        let other = JwtSigner::hs256(b"another-secret-of-32-bytes-at-least", ISS, AUD).unwrap();
        refused(&other.sign(&claims()).unwrap());
    }

    #[test]
    fn alg_none() {
        for alg in ["none", "None", "NONE"] {
            let header = b64(&json!({"alg": alg, "typ": "JWT"}));
            refused(&format!("{header}.{}.", b64(&payload())));
        }
    }

    #[test]
    fn other_algorithms() {
        refused(&forge(Algorithm::HS384, &payload()));
        refused(&forge(Algorithm::HS512, &payload()));
        // An RS256 header over an HMAC signature (key confusion).
        let good = forge(Algorithm::HS256, &payload());
        let parts: Vec<&str> = good.split('.').collect();
        for alg in ["RS256", "ES256", "PS256", "EdDSA"] {
            let header = b64(&json!({"alg": alg, "typ": "JWT"}));
            refused(&format!("{header}.{}.{}", parts[1], parts[2]));
        }
        assert!(signer().verify(&good).is_ok());
    }

    #[test]
    fn wrong_issuer_or_audience() {
        let mut p = payload();
        p["iss"] = json!("someone-else");
        refused(&forge(Algorithm::HS256, &p));
        let mut p = payload();
        p["aud"] = json!("another-api");
        refused(&forge(Algorithm::HS256, &p));
        let mut p = payload();
        p["aud"] = json!(["another-api"]);
        refused(&forge(Algorithm::HS256, &p));
    }

    #[test]
    fn missing_claims() {
        for claim in ["exp", "iss", "aud", "sub", "ver", "sid", "role"] {
            let mut p = payload();
            p.as_object_mut().unwrap().remove(claim);
            refused(&forge(Algorithm::HS256, &p));
        }
        let mut p = payload();
        p["role"] = json!("superuser");
        refused(&forge(Algorithm::HS256, &p));
    }
}
