//! Password hashing (argon2id) and access tokens (HS256 JWT) for the
//! domain's [`PasswordHasher`](shop_domain::account::PasswordHasher) and
//! [`TokenSigner`](shop_domain::account::TokenSigner) ports.

mod jwt;
mod password;

pub use jwt::{JwtSigner, MIN_SECRET_LEN};
pub use password::Argon2Hasher;
