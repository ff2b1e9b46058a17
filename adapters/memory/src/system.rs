//! Clocks, id generation and a fast password hasher.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use rand::{RngCore as _, TryRngCore as _};
use shop_domain::{Clock, IdGenerator};

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one adapter of the system clock"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to, for tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock() = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock();
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock()
    }
}

/// UUID v7 identifiers (time-ordered, monotonic within the process) and
/// 256-bit secrets from the operating system's RNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidIds;

impl IdGenerator for UuidIds {
    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }

    fn new_secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    }
}

/// Bytes from the OS RNG; should it fail, from the thread-local CSPRNG
/// (itself seeded from the OS), never from anything predictable.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    if rand::rngs::OsRng.try_fill_bytes(&mut bytes).is_err() {
        rand::rng().fill_bytes(&mut bytes);
    }
    bytes
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::seconds(90));
        assert_eq!(clock.now(), start + Duration::seconds(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn ids_are_time_ordered_uuids_and_secrets_are_256_bit() {
        let ids = UuidIds;
        let a = ids.new_id();
        let b = ids.new_id();
        assert!(a < b, "{a} should sort before {b}");
        assert_eq!(uuid::Uuid::parse_str(&a).unwrap().get_version_num(), 7);
        let secret = ids.new_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        assert_ne!(secret, ids.new_secret());
    }
}
