//! Access-token keys as `SHOP_JWT_*` chooses: EdDSA with the local key ring
//! (`SHOP_JWT_KEY_DIR`), optionally also accepting tokens signed by another
//! service whose keys its JWKS document publishes (`SHOP_JWT_JWKS_URL`); or
//! legacy HS256 (`SHOP_JWT_SECRET`). And the `shop-api jwt-rotate`
//! sub-command.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use shop_crypto::{JwtSigner, KeyRing, load_or_create_key_dir};
use shop_domain::DomainError;
use shop_domain::account::{AccessClaims, TokenSigner};
use shop_settings::ExposeSecret as _;
use tokio::sync::Notify;

use crate::StartupError;
use crate::config::{Config, ConfigError, TokenKeys};

/// The fewest seconds between two fetches of the remote JWKS, so tokens
/// naming made-up `kid`s cannot make this process hammer the other service.
pub const JWKS_MIN_REFETCH: Duration = Duration::from_secs(60);
/// How often the remote JWKS is fetched anyway, so a key the other service
/// withdrew stops verifying here too.
pub const JWKS_REFRESH_PERIOD: Duration = Duration::from_secs(600);
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A JWKS document is a few keys; anything much larger is not one.
const JWKS_MAX_BYTES: usize = 1024 * 1024;

/// The signer of the settings and the JWKS document `GET /.well-known/jwks.json`
/// publishes (no keys for HS256, whose key is secret).
pub struct TokenKeysWiring {
    pub signer: Arc<dyn TokenSigner>,
    pub jwks: serde_json::Value,
}

/// Builds the signer `config` chooses. With a JWKS URL, the document is
/// fetched before this returns (a failure is logged, not fatal: this
/// process's own tokens keep working while the other service is down) and
/// a background task keeps it fresh.
pub async fn token_keys(config: &Config) -> Result<TokenKeysWiring, StartupError> {
    match &config.token_keys {
        TokenKeys::Hs256(secret) => {
            let signer = JwtSigner::hs256(
                secret.expose_secret().as_bytes(),
                &config.jwt_issuer,
                &config.jwt_audience,
            )
            .map_err(|e| ConfigError::new("SHOP_JWT_SECRET", format!("unusable: {e}")))?;
            tracing::warn!(
                "SHOP_JWT_SECRET is set: access tokens are legacy HS256; unset it for EdDSA"
            );
            Ok(TokenKeysWiring {
                signer: Arc::new(signer),
                jwks: serde_json::json!({ "keys": [] }),
            })
        }
        TokenKeys::KeyRing { dir, jwks_url } => {
            let (dir, issuer, audience) = (
                dir.clone(),
                config.jwt_issuer.clone(),
                config.jwt_audience.clone(),
            );
            // File locking and fsync block: off the async workers.
            let local = tokio::task::spawn_blocking(move || {
                load_or_create_key_dir(&dir, &issuer, &audience)
            })
            .await
            .map_err(|e| StartupError::Runtime(format!("loading the JWT keys: {e}")))?
            .map_err(|e| ConfigError::new("SHOP_JWT_KEY_DIR", e.to_string()))?;
            tracing::info!(
                active_kid = local.active_kid().unwrap_or_default(),
                keys = local.kids().count(),
                "access tokens: EdDSA"
            );
            let jwks = local.jwks();
            let remote = match jwks_url {
                None => None,
                Some(url) => {
                    let remote = Arc::new(RemoteJwks::new(
                        url,
                        &config.jwt_issuer,
                        &config.jwt_audience,
                    )?);
                    remote.refresh().await;
                    remote.clone().spawn_refresher(JWKS_MIN_REFETCH);
                    Some(remote)
                }
            };
            Ok(TokenKeysWiring {
                signer: Arc::new(RingSigner { local, remote }),
                jwks,
            })
        }
    }
}

/// `shop-api jwt-rotate`: a new active key in the key directory; its kid.
pub async fn rotate(config: &Config) -> Result<String, StartupError> {
    match &config.token_keys {
        TokenKeys::Hs256(_) => Err(ConfigError::new(
            "SHOP_JWT_SECRET",
            "is set: access tokens are legacy HS256 and there is no key ring to rotate",
        )
        .into()),
        TokenKeys::KeyRing { dir, .. } => {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || shop_crypto::rotate(&dir))
                .await
                .map_err(|e| StartupError::Runtime(format!("rotating the JWT keys: {e}")))?
                .map_err(|e| ConfigError::new("SHOP_JWT_KEY_DIR", e.to_string()).into())
        }
    }
}

/// Signs with the local ring; verifies with it, and with the remote JWKS
/// for `kid`s the local ring does not hold.
pub struct RingSigner {
    local: KeyRing,
    remote: Option<Arc<RemoteJwks>>,
}

impl RingSigner {
    pub fn new(local: KeyRing, remote: Option<Arc<RemoteJwks>>) -> Self {
        Self { local, remote }
    }
}

impl TokenSigner for RingSigner {
    fn sign(&self, claims: &AccessClaims) -> Result<String, DomainError> {
        self.local.sign(claims)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, DomainError> {
        let Some(remote) = &self.remote else {
            return self.local.verify(token);
        };
        // The unverified header only routes the token to a ring; the ring
        // checks the algorithm and the signature.
        let Some(kid) = jsonwebtoken::decode_header(token)
            .ok()
            .and_then(|header| header.kid)
        else {
            return Err(DomainError::InvalidToken);
        };
        if self.local.kids().any(|known| known == kid) {
            return self.local.verify(token);
        }
        match remote.ring() {
            Some(ring) if ring.kids().any(|known| known == kid) => ring.verify(token),
            // verify is synchronous: ask the refresher for the document and
            // refuse this token; a retry after the fetch can pass.
            _ => {
                remote.nudge();
                Err(DomainError::InvalidToken)
            }
        }
    }
}

/// The latest key ring of another service's JWKS document.
pub struct RemoteJwks {
    url: String,
    issuer: String,
    audience: String,
    client: reqwest::Client,
    ring: RwLock<Option<Arc<KeyRing>>>,
    wake: Notify,
}

impl RemoteJwks {
    pub fn new(url: &str, issuer: &str, audience: &str) -> Result<Self, StartupError> {
        let client = reqwest::Client::builder()
            .timeout(JWKS_FETCH_TIMEOUT)
            .build()
            .map_err(|e| ConfigError::new("SHOP_JWT_JWKS_URL", e.to_string()))?;
        Ok(Self {
            url: url.to_string(),
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            client,
            ring: RwLock::new(None),
            wake: Notify::new(),
        })
    }

    /// The ring of the last document fetched; `None` before the first success.
    pub fn ring(&self) -> Option<Arc<KeyRing>> {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Asks the refresher for a fetch; it runs at most once per minimum
    /// interval however often this is called.
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    async fn fetch(&self) -> Result<KeyRing, String> {
        let response = self
            .client
            .get(&self.url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > JWKS_MAX_BYTES as u64)
        {
            return Err("the document is too large".into());
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if body.len() > JWKS_MAX_BYTES {
            return Err("the document is too large".into());
        }
        let text = std::str::from_utf8(&body).map_err(|_| "the document is not UTF-8")?;
        KeyRing::from_jwks(text, &self.issuer, &self.audience).map_err(|e| e.to_string())
    }

    /// Fetches the document and keeps its ring; on failure the previous
    /// ring stays (a flaky network must not log everyone out).
    pub async fn refresh(&self) -> bool {
        match self.fetch().await {
            Ok(ring) => {
                tracing::info!(
                    url = %self.url,
                    kids = ?ring.kids().collect::<Vec<_>>(),
                    "fetched the JWKS of SHOP_JWT_JWKS_URL"
                );
                *self.ring.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(ring));
                true
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "cannot fetch the JWKS of SHOP_JWT_JWKS_URL");
                false
            }
        }
    }

    /// Refetches when nudged or every [`JWKS_REFRESH_PERIOD`], never twice
    /// within `min_interval`. A nudge during the pause is remembered (one
    /// permit) and served right after it.
    pub fn spawn_refresher(self: Arc<Self>, min_interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(min_interval).await;
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(JWKS_REFRESH_PERIOD) => {}
                }
                self.refresh().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use shop_crypto::{Ed25519Key, KeyRing};
    use shop_domain::account::Role;
    use shop_domain::ids::{SessionId, UserId};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    const ISS: &str = "shop";
    const AUD: &str = "shop-api";

    fn claims() -> AccessClaims {
        AccessClaims {
            user_id: UserId::new("u1"),
            role: Role::Customer,
            session_version: 1,
            session_id: SessionId::new("s1"),
            token_id: "t1".into(),
            issued_at: 1_900_000_000,
            expires_at: 1_900_000_900,
        }
    }

    fn ring() -> KeyRing {
        KeyRing::new(Ed25519Key::generate().unwrap(), [], ISS, AUD).unwrap()
    }

    /// A JWKS server answering every request with the current `body`.
    async fn serve(body: Arc<Mutex<String>>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0_u8; 4096];
                let _ = socket.read(&mut buf).await;
                let body = body.lock().unwrap().clone();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        (url, hits)
    }

    #[test]
    fn without_a_remote_only_the_local_ring_verifies() {
        let signer = RingSigner::new(ring(), None);
        let token = signer.sign(&claims()).unwrap();
        assert_eq!(signer.verify(&token).unwrap(), claims());
        let other = ring().sign(&claims()).unwrap();
        assert_eq!(signer.verify(&other), Err(DomainError::InvalidToken));
    }

    #[tokio::test]
    async fn remote_keys_verify_and_an_unknown_kid_triggers_a_refetch() {
        let first = ring();
        let second = ring();
        let body = Arc::new(Mutex::new(first.jwks().to_string()));
        let (url, hits) = serve(body.clone()).await;
        let remote = Arc::new(RemoteJwks::new(&url, ISS, AUD).unwrap());
        assert!(remote.refresh().await);
        remote.clone().spawn_refresher(Duration::from_millis(50));
        let signer = RingSigner::new(ring(), Some(remote.clone()));

        // Own tokens and the remote service's both verify.
        assert!(signer.verify(&signer.sign(&claims()).unwrap()).is_ok());
        assert_eq!(
            signer.verify(&first.sign(&claims()).unwrap()).unwrap(),
            claims()
        );

        // The other service rotates: its new key is unknown until a token
        // naming it makes this process fetch the document again.
        *body.lock().unwrap() = second.jwks().to_string();
        let token = second.sign(&claims()).unwrap();
        assert_eq!(signer.verify(&token), Err(DomainError::InvalidToken));
        let mut accepted = false;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if signer.verify(&token).is_ok() {
                accepted = true;
                break;
            }
        }
        assert!(accepted, "the rotated key was never fetched");
        // Tokens of a key the other service withdrew are refused now.
        assert_eq!(
            signer.verify(&first.sign(&claims()).unwrap()),
            Err(DomainError::InvalidToken)
        );

        // A burst of unknown kids costs at most one fetch per interval.
        let before = hits.load(std::sync::atomic::Ordering::SeqCst);
        let stranger = ring().sign(&claims()).unwrap();
        for _ in 0..50 {
            let _ = signer.verify(&stranger);
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        let after = hits.load(std::sync::atomic::Ordering::SeqCst);
        assert!(after - before <= 1, "{before} -> {after}");
    }

    #[tokio::test]
    async fn a_failed_fetch_keeps_the_previous_ring() {
        let first = ring();
        let body = Arc::new(Mutex::new(first.jwks().to_string()));
        let (url, _) = serve(body.clone()).await;
        let remote = RemoteJwks::new(&url, ISS, AUD).unwrap();
        assert!(remote.refresh().await);
        *body.lock().unwrap() = "not json".into();
        assert!(!remote.refresh().await);
        let ring = remote.ring().unwrap();
        assert!(ring.verify(&first.sign(&claims()).unwrap()).is_ok());
    }
}
