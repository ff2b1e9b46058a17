//! EdDSA (Ed25519) access tokens that cross services: the issuer signs with
//! one private key, verifiers hold only public keys (from files or a JWKS
//! document) and pick the one the token's `kid` names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use rand::TryRngCore as _;
use rand::rngs::OsRng;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use shop_domain::DomainError;
use shop_domain::account::{AccessClaims, TokenSigner};
use zeroize::Zeroizing;

use crate::claims::{WireClaims, pinned_validation};

/// Why a key, a key ring, a JWKS document or a key directory is unusable.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid Ed25519 key: {0}")]
    InvalidKey(String),
    #[error("invalid JWKS document: {0}")]
    InvalidJwks(String),
    #[error("key directory {}: {reason}", path.display())]
    KeyDir { path: PathBuf, reason: String },
    #[error("the operating system gave no randomness: {0}")]
    Randomness(String),
    #[error("issuer and audience must not be empty")]
    EmptyIssuerOrAudience,
}

impl From<KeyError> for DomainError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::EmptyIssuerOrAudience => {
                DomainError::invalid("jwt_issuer", "issuer and audience must not be empty")
            }
            other => DomainError::Internal(format!("access-token keys: {other}")),
        }
    }
}

/// RFC 7638 JWK thumbprint (SHA-256) of an Ed25519 public key given as the
/// JWK `x` member: the members `crv`, `kty`, `x` in that order, no spaces.
fn ed25519_thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// An Ed25519 public key and its `kid`, the RFC 7638 thumbprint, so any
/// service derives the same `kid` from the key alone.
#[derive(Clone, PartialEq, Eq)]
pub struct Ed25519PublicKey {
    verifying: VerifyingKey,
    x: String,
    kid: String,
}

impl std::fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519PublicKey")
            .field("kid", &self.kid)
            .field("x", &self.x)
            .finish()
    }
}

impl Ed25519PublicKey {
    fn from_verifying(verifying: VerifyingKey) -> Result<Self, KeyError> {
        // A small-order key would let anyone forge signatures that verify.
        if verifying.is_weak() {
            return Err(KeyError::InvalidKey(
                "the public key is weak (small order)".into(),
            ));
        }
        let x = URL_SAFE_NO_PAD.encode(verifying.as_bytes());
        let kid = ed25519_thumbprint(&x);
        Ok(Self { verifying, x, kid })
    }

    /// From the base64url (unpadded) `x` member of an OKP JWK.
    pub fn from_x(x: &str) -> Result<Self, KeyError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(x)
            .map_err(|e| KeyError::InvalidKey(format!("x is not base64url: {e}")))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::InvalidKey("x is not 32 bytes".into()))?;
        let verifying = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError::InvalidKey("x is not a point on Ed25519".into()))?;
        Self::from_verifying(verifying)
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The JWK `x` member: the 32 key bytes, base64url without padding.
    pub fn x(&self) -> &str {
        &self.x
    }

    fn decoding_key(&self) -> DecodingKey {
        // jsonwebtoken's rust_crypto verifier reads the raw 32 key bytes.
        DecodingKey::from_ed_der(self.verifying.as_bytes())
    }
}

/// An Ed25519 key pair. Its Debug output shows the `kid` only; the private
/// half is zeroed when dropped.
pub struct Ed25519Key {
    signing: SigningKey,
    public: Ed25519PublicKey,
}

impl std::fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519Key")
            .field("kid", &self.public.kid)
            .field("private_key", &"***")
            .finish()
    }
}

impl Ed25519Key {
    fn from_signing(signing: SigningKey) -> Result<Self, KeyError> {
        let public = Ed25519PublicKey::from_verifying(signing.verifying_key())?;
        Ok(Self { signing, public })
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0_u8; 32]);
        OsRng
            .try_fill_bytes(seed.as_mut())
            .map_err(|e| KeyError::Randomness(e.to_string()))?;
        Self::from_signing(SigningKey::from_bytes(&seed))
    }

    /// From a PKCS#8 `-----BEGIN PRIVATE KEY-----` document (what
    /// `openssl genpkey -algorithm ed25519` writes).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| KeyError::InvalidKey(format!("not a PKCS#8 Ed25519 private key: {e}")))?;
        Self::from_signing(signing)
    }

    /// The PKCS#8 PEM document, with `\n` line endings.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::InvalidKey(format!("cannot encode as PKCS#8: {e}")))
    }

    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    pub fn public_key(&self) -> &Ed25519PublicKey {
        &self.public
    }

    fn encoding_key(&self) -> Result<EncodingKey, KeyError> {
        let der = self
            .signing
            .to_pkcs8_der()
            .map_err(|e| KeyError::InvalidKey(format!("cannot encode as PKCS#8: {e}")))?;
        Ok(EncodingKey::from_ed_der(der.as_bytes()))
    }
}

struct ActiveKey {
    kid: String,
    encoding: EncodingKey,
}

struct VerifyingEntry {
    public: Ed25519PublicKey,
    decoding: DecodingKey,
}

/// A [`TokenSigner`] for EdDSA JWTs. It signs with one active private key
/// (header `alg: EdDSA`, `typ: JWT`, `kid`) and verifies with any public key
/// of the ring, chosen by the token's `kid`: a token whose `kid` is missing
/// or unknown is refused, and so is any algorithm but EdDSA whatever key it
/// names. A verify-only ring (built from public keys or a JWKS document)
/// refuses to sign.
pub struct KeyRing {
    active: Option<ActiveKey>,
    verifying: BTreeMap<String, VerifyingEntry>,
    issuer: String,
    audience: String,
    validation: Validation,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("algorithm", &"EdDSA")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("active_kid", &self.active_kid())
            .field("kids", &self.verifying.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeyRing {
    /// Signs with `active`; verifies with it and with `previous` (keys
    /// rotated out whose tokens may still be unexpired).
    pub fn new(
        active: Ed25519Key,
        previous: impl IntoIterator<Item = Ed25519PublicKey>,
        issuer: &str,
        audience: &str,
    ) -> Result<Self, KeyError> {
        let mut ring = Self::empty(issuer, audience)?;
        ring.add_public(active.kid().to_string(), active.public.clone())?;
        for public in previous {
            if public.kid != active.kid() {
                ring.add_public(public.kid.clone(), public)?;
            }
        }
        ring.active = Some(ActiveKey {
            kid: active.kid().to_string(),
            encoding: active.encoding_key()?,
        });
        Ok(ring)
    }

    /// Verifies with any of `keys`, each under its thumbprint `kid`; cannot sign.
    pub fn verify_only(
        keys: impl IntoIterator<Item = Ed25519PublicKey>,
        issuer: &str,
        audience: &str,
    ) -> Result<Self, KeyError> {
        let mut ring = Self::empty(issuer, audience)?;
        for public in keys {
            ring.add_public(public.kid.clone(), public)?;
        }
        if ring.verifying.is_empty() {
            return Err(KeyError::InvalidKey(
                "a key ring needs at least one key".into(),
            ));
        }
        Ok(ring)
    }

    /// A verify-only ring from a JWKS document such as [`KeyRing::jwks`]
    /// publishes. Each key keeps the `kid` the document gives it. Keys that
    /// are not Ed25519, or are marked for another use or algorithm, are
    /// skipped; an Ed25519 signing key without a `kid`, a malformed key, a
    /// `kid` given twice, or no usable key at all is an error.
    pub fn from_jwks(jwks: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| KeyError::InvalidJwks(e.to_string()))?;
        let mut ring = Self::empty(issuer, audience)?;
        for jwk in &set.keys {
            let AlgorithmParameters::OctetKeyPair(params) = &jwk.algorithm else {
                continue;
            };
            let common = &jwk.common;
            let for_signatures = params.curve == EllipticCurve::Ed25519
                && common
                    .public_key_use
                    .as_ref()
                    .is_none_or(|key_use| *key_use == PublicKeyUse::Signature)
                && common
                    .key_algorithm
                    .is_none_or(|alg| alg == KeyAlgorithm::EdDSA)
                && common
                    .key_operations
                    .as_ref()
                    .is_none_or(|ops| ops.contains(&KeyOperations::Verify));
            if !for_signatures {
                continue;
            }
            let kid = common
                .key_id
                .clone()
                .filter(|kid| !kid.is_empty())
                .ok_or_else(|| KeyError::InvalidJwks("an Ed25519 key has no kid".into()))?;
            let public = Ed25519PublicKey::from_x(&params.x)
                .map_err(|e| KeyError::InvalidJwks(format!("key {kid}: {e}")))?;
            ring.add_public(kid, public)?;
        }
        if ring.verifying.is_empty() {
            return Err(KeyError::InvalidJwks("no Ed25519 signature key".into()));
        }
        Ok(ring)
    }

    fn empty(issuer: &str, audience: &str) -> Result<Self, KeyError> {
        if issuer.is_empty() || audience.is_empty() {
            return Err(KeyError::EmptyIssuerOrAudience);
        }
        Ok(Self {
            active: None,
            verifying: BTreeMap::new(),
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            validation: pinned_validation(Algorithm::EdDSA, issuer, audience),
        })
    }

    fn add_public(&mut self, kid: String, public: Ed25519PublicKey) -> Result<(), KeyError> {
        if self.verifying.contains_key(&kid) {
            return Err(KeyError::InvalidKey(format!("kid {kid} is given twice")));
        }
        let decoding = public.decoding_key();
        self.verifying
            .insert(kid, VerifyingEntry { public, decoding });
        Ok(())
    }

    /// The `kid` new tokens carry; `None` for a verify-only ring.
    pub fn active_kid(&self) -> Option<&str> {
        self.active.as_ref().map(|active| active.kid.as_str())
    }

    /// Every `kid` the ring verifies, in order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.verifying.keys().map(String::as_str)
    }

    /// The public keys as a JWKS document (RFC 7517), for verifiers to fetch:
    /// `{"keys":[{"kty":"OKP","crv":"Ed25519","x":..,"kid":..,"alg":"EdDSA","use":"sig"}, ..]}`.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .verifying
            .iter()
            .map(|(kid, entry)| {
                json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": entry.public.x(),
                    "kid": kid,
                    "alg": "EdDSA",
                    "use": "sig",
                })
            })
            .collect();
        json!({ "keys": keys })
    }
}

impl TokenSigner for KeyRing {
    fn sign(&self, claims: &AccessClaims) -> Result<String, DomainError> {
        let active = self.active.as_ref().ok_or_else(|| {
            DomainError::Internal("this key ring only verifies: it holds no private key".into())
        })?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(active.kid.clone());
        let wire = WireClaims::new(claims, &self.issuer, &self.audience);
        encode(&header, &wire, &active.encoding)
            .map_err(|e| DomainError::Internal(format!("cannot sign an access token: {e}")))
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, DomainError> {
        // The header is read unverified only to pick a key; the pinned
        // algorithm is checked before any key is used.
        let header = decode_header(token).map_err(|_| DomainError::InvalidToken)?;
        if header.alg != Algorithm::EdDSA {
            return Err(DomainError::InvalidToken);
        }
        let kid = header.kid.ok_or(DomainError::InvalidToken)?;
        let entry = self.verifying.get(&kid).ok_or(DomainError::InvalidToken)?;
        let data = decode::<WireClaims>(token, &entry.decoding, &self.validation)
            .map_err(|_| DomainError::InvalidToken)?;
        if data.header.alg != Algorithm::EdDSA {
            return Err(DomainError::InvalidToken);
        }
        data.claims.into_access_claims()
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
    use shop_domain::account::Role;
    use shop_domain::ids::{SessionId, UserId};

    use super::*;

    const ISS: &str = "shop-auth";
    const AUD: &str = "shop-api";

    // RFC 8037 Appendix A.1 (private `d`, public `x`) and A.3 (thumbprint).
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC8037_THUMBPRINT: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

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

    fn payload() -> serde_json::Value {
        json!({
            "iss": ISS, "aud": AUD, "sub": "u1", "role": "admin", "ver": 1,
            "sid": "s1", "jti": "j1", "iat": 1_900_000_000_i64, "exp": 1_900_000_900_i64
        })
    }

    fn b64(value: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    fn ring_of(key: &Ed25519Key) -> KeyRing {
        let copy = Ed25519Key::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        KeyRing::new(copy, [], ISS, AUD).unwrap()
    }

    /// An EdDSA token over `payload` with `kid`, signed by `key` through
    /// jsonwebtoken directly (so the claims can be anything).
    fn forge_eddsa(key: &Ed25519Key, kid: &str, payload: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.to_string());
        encode(&header, payload, &key.encoding_key().unwrap()).unwrap()
    }

    fn refused(ring: &KeyRing, token: &str) {
        assert_eq!(
            ring.verify(token),
            Err(DomainError::InvalidToken),
            "{token}"
        );
    }

    #[test]
    fn sign_verify_round_trip() {
        let key = Ed25519Key::generate().unwrap();
        let kid = key.kid().to_string();
        let ring = KeyRing::new(key, [], ISS, AUD).unwrap();
        let token = ring.sign(&claims()).unwrap();
        assert_eq!(ring.verify(&token).unwrap(), claims());

        let header = decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some(kid.as_str()));
        assert_eq!(ring.active_kid(), Some(kid.as_str()));
    }

    #[test]
    fn expiry_is_left_to_the_domain() {
        let ring = KeyRing::new(Ed25519Key::generate().unwrap(), [], ISS, AUD).unwrap();
        let mut old = claims();
        old.issued_at = 1_000;
        old.expires_at = 2_000;
        assert_eq!(ring.verify(&ring.sign(&old).unwrap()).unwrap(), old);
    }

    #[test]
    fn wrong_issuer_or_audience_refused() {
        let key = Ed25519Key::generate().unwrap();
        let ring = ring_of(&key);
        let pem = key.to_pkcs8_pem().unwrap();
        for (iss, aud) in [("another-issuer", AUD), (ISS, "another-api")] {
            let other =
                KeyRing::new(Ed25519Key::from_pkcs8_pem(&pem).unwrap(), [], iss, aud).unwrap();
            refused(&ring, &other.sign(&claims()).unwrap());
            refused(&other, &ring.sign(&claims()).unwrap());
        }
        let mut p = payload();
        p["aud"] = json!(["another-api"]);
        refused(&ring, &forge_eddsa(&key, key.kid(), &p));
        assert!(
            ring.verify(&forge_eddsa(&key, key.kid(), &payload()))
                .is_ok()
        );
    }

    #[test]
    fn empty_issuer_or_audience_refused() {
        let key = || Ed25519Key::generate().unwrap();
        assert!(KeyRing::new(key(), [], "", AUD).is_err());
        assert!(KeyRing::new(key(), [], ISS, "").is_err());
        assert!(KeyRing::verify_only([key().public_key().clone()], "", AUD).is_err());
    }

    #[test]
    fn missing_claims_refused() {
        let key = Ed25519Key::generate().unwrap();
        let ring = ring_of(&key);
        for claim in ["exp", "iss", "aud", "sub", "ver", "sid", "role"] {
            let mut p = payload();
            p.as_object_mut().unwrap().remove(claim);
            refused(&ring, &forge_eddsa(&key, key.kid(), &p));
        }
        let mut p = payload();
        p["role"] = json!("superuser");
        refused(&ring, &forge_eddsa(&key, key.kid(), &p));
    }

    #[test]
    fn tampered_token_refused() {
        let ring = KeyRing::new(Ed25519Key::generate().unwrap(), [], ISS, AUD).unwrap();
        let token = ring.sign(&claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut body = payload();
        body["sub"] = json!("someone-else");
        refused(&ring, &format!("{}.{}.{}", parts[0], b64(&body), parts[2]));
        refused(&ring, &format!("{}.{}", parts[0], parts[1]));
        refused(&ring, &format!("{}.{}.", parts[0], parts[1]));
        let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        signature[0] ^= 1;
        let flipped = URL_SAFE_NO_PAD.encode(signature);
        refused(&ring, &format!("{}.{}.{flipped}", parts[0], parts[1]));
        refused(&ring, "");
        refused(&ring, "not.a.jwt");
        assert!(ring.verify(&token).is_ok());
    }

    #[test]
    fn unknown_or_missing_kid_refused() {
        let ring = KeyRing::new(Ed25519Key::generate().unwrap(), [], ISS, AUD).unwrap();
        let stranger = Ed25519Key::generate().unwrap();
        // Signed by a key the ring does not hold, under its own kid.
        refused(&ring, &forge_eddsa(&stranger, stranger.kid(), &payload()));
        // Signed by a stranger but naming the ring's kid.
        refused(
            &ring,
            &forge_eddsa(&stranger, ring.active_kid().unwrap(), &payload()),
        );
        // No kid at all, even with a good signature.
        let own = ring.sign(&claims()).unwrap();
        let parts: Vec<&str> = own.split('.').collect();
        let no_kid = b64(&json!({"alg": "EdDSA", "typ": "JWT"}));
        refused(&ring, &format!("{no_kid}.{}.{}", parts[1], parts[2]));
    }

    #[test]
    fn hs256_token_naming_a_known_kid_refused() {
        let key = Ed25519Key::generate().unwrap();
        let ring = ring_of(&key);
        let raw_public = key.public_key().verifying.to_bytes();
        // Key confusion: HMAC keyed with what a verifier knows of the public key.
        let secrets: [&[u8]; 3] = [
            &raw_public,
            key.public_key().x().as_bytes(),
            key.kid().as_bytes(),
        ];
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            for secret in secrets {
                let mut header = Header::new(alg);
                header.kid = Some(key.kid().to_string());
                let token = encode(&header, &payload(), &EncodingKey::from_secret(secret)).unwrap();
                refused(&ring, &token);
            }
        }
    }

    #[test]
    fn alg_none_refused() {
        let key = Ed25519Key::generate().unwrap();
        let ring = ring_of(&key);
        let good = forge_eddsa(&key, key.kid(), &payload());
        let parts: Vec<&str> = good.split('.').collect();
        for alg in [
            "none", "None", "NONE", "RS256", "ES256", "HS256", "Ed25519", "",
        ] {
            let header = b64(&json!({"alg": alg, "typ": "JWT", "kid": key.kid()}));
            refused(&ring, &format!("{header}.{}.", parts[1]));
            refused(&ring, &format!("{header}.{}.{}", parts[1], parts[2]));
        }
        assert!(ring.verify(&good).is_ok());
    }

    #[test]
    fn verify_only_ring_refuses_to_sign() {
        let key = Ed25519Key::generate().unwrap();
        let signer = ring_of(&key);
        let verifier = KeyRing::verify_only([key.public_key().clone()], ISS, AUD).unwrap();
        assert_eq!(verifier.active_kid(), None);
        assert!(matches!(
            verifier.sign(&claims()),
            Err(DomainError::Internal(_))
        ));
        assert_eq!(
            verifier.verify(&signer.sign(&claims()).unwrap()).unwrap(),
            claims()
        );
        assert!(KeyRing::verify_only([], ISS, AUD).is_err());
    }

    #[test]
    fn previous_keys_verify_but_only_the_active_key_signs() {
        let old = Ed25519Key::generate().unwrap();
        let old_ring = ring_of(&old);
        let new = Ed25519Key::generate().unwrap();
        let new_kid = new.kid().to_string();
        let ring = KeyRing::new(new, [old.public_key().clone()], ISS, AUD).unwrap();
        assert_eq!(
            ring.verify(&old_ring.sign(&claims()).unwrap()).unwrap(),
            claims()
        );
        let fresh = ring.sign(&claims()).unwrap();
        assert_eq!(decode_header(&fresh).unwrap().kid, Some(new_kid));
        refused(&old_ring, &fresh);
        let mut kids: Vec<&str> = vec![old.kid(), ring.active_kid().unwrap()];
        kids.sort_unstable();
        assert_eq!(ring.kids().collect::<Vec<_>>(), kids);
    }

    #[test]
    fn jwks_round_trip() {
        let old = Ed25519Key::generate().unwrap();
        let old_ring = ring_of(&old);
        let signer = KeyRing::new(
            Ed25519Key::generate().unwrap(),
            [old.public_key().clone()],
            ISS,
            AUD,
        )
        .unwrap();
        let document = signer.jwks();
        let keys = document["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        for jwk in keys {
            let mut members: Vec<&str> = jwk
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            members.sort_unstable();
            assert_eq!(members, ["alg", "crv", "kid", "kty", "use", "x"]);
            assert_eq!(jwk["kty"], "OKP");
            assert_eq!(jwk["crv"], "Ed25519");
            assert_eq!(jwk["alg"], "EdDSA");
            assert_eq!(jwk["use"], "sig");
        }
        assert!(!document.to_string().contains("\"d\""));

        let verifier = KeyRing::from_jwks(&document.to_string(), ISS, AUD).unwrap();
        assert_eq!(verifier.active_kid(), None);
        assert_eq!(
            verifier.kids().collect::<Vec<_>>(),
            signer.kids().collect::<Vec<_>>()
        );
        assert_eq!(
            verifier.verify(&signer.sign(&claims()).unwrap()).unwrap(),
            claims()
        );
        assert_eq!(
            verifier.verify(&old_ring.sign(&claims()).unwrap()).unwrap(),
            claims()
        );
        assert!(verifier.sign(&claims()).is_err());
        refused(
            &KeyRing::from_jwks(&document.to_string(), ISS, "other").unwrap(),
            &signer.sign(&claims()).unwrap(),
        );
    }

    #[test]
    fn jwks_skips_other_keys_and_refuses_bad_ones() {
        let key = Ed25519Key::generate().unwrap();
        let x = key.public_key().x().to_string();
        let ed = |kid: &str| json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid});
        let rsa = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa-1", "alg": "RS256"});
        let enc = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "enc-1", "use": "enc"});
        let ring = KeyRing::from_jwks(&json!({"keys": [rsa, enc, ed("k1")]}).to_string(), ISS, AUD)
            .unwrap();
        assert_eq!(ring.kids().collect::<Vec<_>>(), ["k1"]);
        // A kid other than the thumbprint is honoured: it is the issuer's name.
        assert!(ring.verify(&forge_eddsa(&key, "k1", &payload())).is_ok());
        refused(&ring, &forge_eddsa(&key, key.kid(), &payload()));

        for bad in [
            json!({"keys": []}),
            json!({"keys": [rsa]}),
            json!({"keys": [ed("k1"), ed("k1")]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x}]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "kid": "short"}]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "!!", "kid": "junk"}]}),
            json!({"nothing": []}),
        ] {
            assert!(
                KeyRing::from_jwks(&bad.to_string(), ISS, AUD).is_err(),
                "{bad}"
            );
        }
        assert!(KeyRing::from_jwks("not json", ISS, AUD).is_err());
    }

    #[test]
    fn pem_round_trip() {
        let key = Ed25519Key::generate().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{}", *pem);
        let again = Ed25519Key::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(again.kid(), key.kid());
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(*again.to_pkcs8_pem().unwrap(), *pem);
        // A token signed with the reloaded key verifies with the original.
        let reloaded = KeyRing::new(again, [], ISS, AUD).unwrap();
        let original = KeyRing::verify_only([key.public_key().clone()], ISS, AUD).unwrap();
        assert!(original.verify(&reloaded.sign(&claims()).unwrap()).is_ok());

        for bad in [
            "",
            "not a key",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(Ed25519Key::from_pkcs8_pem(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_output_hides_the_private_key() {
        let key = Ed25519Key::generate().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let seed = URL_SAFE_NO_PAD.encode(key.signing.to_bytes());
        let ring = ring_of(&key);
        for shown in [format!("{key:?}"), format!("{ring:?}")] {
            assert!(!shown.contains(&body), "{shown}");
            assert!(!shown.contains(&seed), "{shown}");
            assert!(shown.contains(key.kid()), "{shown}");
        }
    }

    #[test]
    fn kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037 A.3: the thumbprint of the A.1 key.
        let public = Ed25519PublicKey::from_x(RFC8037_X).unwrap();
        assert_eq!(public.kid(), RFC8037_THUMBPRINT);
        assert_eq!(public.x(), RFC8037_X);
        // The A.1 private key derives that public key.
        let d: [u8; 32] = URL_SAFE_NO_PAD
            .decode(RFC8037_D)
            .unwrap()
            .try_into()
            .unwrap();
        let key = Ed25519Key::from_signing(SigningKey::from_bytes(&d)).unwrap();
        assert_eq!(key.public_key().x(), RFC8037_X);
        assert_eq!(key.kid(), RFC8037_THUMBPRINT);
        // jsonwebtoken's own RFC 7638 code agrees for a random key.
        let random = Ed25519Key::generate().unwrap();
        let ring = ring_of(&random);
        let jwk: Jwk = serde_json::from_value(ring.jwks()["keys"][0].clone()).unwrap();
        assert_eq!(
            jwk.thumbprint(ThumbprintHash::SHA256).unwrap(),
            random.kid()
        );
    }

    #[test]
    fn weak_and_malformed_public_keys_refused() {
        // The identity point: small order, every signature would be forgeable.
        let mut identity = [0_u8; 32];
        identity[0] = 1;
        assert!(Ed25519PublicKey::from_x(&URL_SAFE_NO_PAD.encode(identity)).is_err());
        assert!(Ed25519PublicKey::from_x("").is_err());
        assert!(Ed25519PublicKey::from_x(&URL_SAFE_NO_PAD.encode([7_u8; 31])).is_err());
    }

    #[test]
    fn key_errors_become_internal_domain_errors() {
        let error: DomainError = KeyError::InvalidKey("x".into()).into();
        assert!(matches!(error, DomainError::Internal(_)));
        let config = KeyRing::new(Ed25519Key::generate().unwrap(), [], "", AUD).unwrap_err();
        assert_eq!(
            DomainError::from(config),
            DomainError::invalid("jwt_issuer", "issuer and audience must not be empty")
        );
    }
}
