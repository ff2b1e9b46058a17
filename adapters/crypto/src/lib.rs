//! Password hashing (argon2id) and access tokens for the domain's
//! [`PasswordHasher`](shop_domain::account::PasswordHasher) and
//! [`TokenSigner`](shop_domain::account::TokenSigner) ports: HS256 with a
//! shared secret ([`JwtSigner`]), or EdDSA with a key ring ([`KeyRing`])
//! whose public keys other services verify with, from files or a JWKS.

mod claims;
mod eddsa;
mod jwt;
mod keydir;
mod password;

pub use eddsa::{Ed25519Key, Ed25519PublicKey, KeyError, KeyRing};
pub use jwt::{JwtSigner, MIN_SECRET_LEN};
pub use keydir::{KEY_DIR_NAME, load_or_create_key_dir, rotate};
pub use password::{
    Argon2Hasher, BUSY_REFUSAL_DELAY, HashBudget, MAX_HASH_WAIT, cpus, default_hash_permits,
};
