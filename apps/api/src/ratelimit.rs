//! Per-client rate limits (governor keyed GCRA limiters) for the routes that
//! attract brute force and spam: login, register, contact, and per user for
//! password changes.
//!
//! A client is an IPv4 address or an IPv6 /64 (one customer's allocation:
//! rotating addresses inside it gains nothing). These limits live in each
//! process; the per-address sign-in back-off (the domain's, in the shared
//! store) is what holds across instances and IPs. The former (IP, e-mail)
//! limiter is gone: with the same quota as the per-IP one it never acted,
//! and the back-off covers one account from any number of IPs.

use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use shop_bootstrap::config::{RateLimitConfig, TrustedProxies};
use shop_domain::ids::UserId;

use crate::problem::ApiError;

/// The rate-limit key of a client address: an IPv4 address as it is (an
/// IPv4-mapped IPv6 one too), an IPv6 address cut to its /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> Self {
        match shop_bootstrap::config::canonical_ip(ip) {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                Self(IpAddr::V6(Ipv6Addr::new(
                    s[0], s[1], s[2], s[3], 0, 0, 0, 0,
                )))
            }
            v4 => Self(v4),
        }
    }
}

pub struct RateLimits {
    login: DefaultKeyedRateLimiter<ClientKey>,
    register: DefaultKeyedRateLimiter<ClientKey>,
    contact: DefaultKeyedRateLimiter<ClientKey>,
    password_change: DefaultKeyedRateLimiter<String>,
    /// Verification resends; the register quota, counted apart.
    resend_verification: DefaultKeyedRateLimiter<ClientKey>,
    /// Password reset requests; the register quota, counted apart.
    password_reset: DefaultKeyedRateLimiter<ClientKey>,
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::rate_limited(u32::try_from(seconds.max(1)).unwrap_or(u32::MAX))
    })
}

impl RateLimits {
    pub fn new(config: &RateLimitConfig) -> Self {
        Self {
            login: RateLimiter::keyed(Quota::per_minute(config.login_per_minute)),
            register: RateLimiter::keyed(Quota::per_minute(config.register_per_minute)),
            contact: RateLimiter::keyed(Quota::per_minute(config.contact_per_minute)),
            password_change: RateLimiter::keyed(Quota::per_minute(
                config.password_change_per_minute,
            )),
            resend_verification: RateLimiter::keyed(Quota::per_minute(config.register_per_minute)),
            password_reset: RateLimiter::keyed(Quota::per_minute(config.register_per_minute)),
        }
    }

    /// Counts a login attempt against the client.
    pub fn login(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.login, &ClientKey::of(ip))
    }

    pub fn register(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.register, &ClientKey::of(ip))
    }

    pub fn contact(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.contact, &ClientKey::of(ip))
    }

    /// Counts a password change against the signed-in user (each runs
    /// argon2 once or twice).
    pub fn password_change(&self, user: &UserId) -> Result<(), ApiError> {
        check(&self.password_change, &user.as_str().to_string())
    }

    pub fn resend_verification(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.resend_verification, &ClientKey::of(ip))
    }

    pub fn password_reset(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.password_reset, &ClientKey::of(ip))
    }

    /// Forgets clients whose quota has fully replenished (bounds memory).
    pub fn retain_recent(&self) {
        self.login.retain_recent();
        self.register.retain_recent();
        self.contact.retain_recent();
        self.password_change.retain_recent();
        self.resend_verification.retain_recent();
        self.password_reset.retain_recent();
    }
}

/// The client's IP: the peer address, unless the peer is a trusted proxy
/// (`SHOP_TRUST_PROXY`): then the right-most `X-Forwarded-For` address that
/// is not one (earlier entries are whatever the client sent).
pub fn client_ip(req: &HttpRequest, proxies: &TrustedProxies) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !proxies.trusts(shop_bootstrap::config::canonical_ip(peer)) {
        return shop_bootstrap::config::canonical_ip(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.trim().parse::<IpAddr>().ok())
        .collect();
    proxies.client(peer, &forwarded)
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use actix_web::test::TestRequest;
    use shop_bootstrap::config::IpRange;

    use super::*;

    fn limits(n: u32) -> RateLimits {
        let n = NonZeroU32::new(n).unwrap();
        RateLimits::new(&RateLimitConfig {
            login_per_minute: n,
            register_per_minute: n,
            contact_per_minute: n,
            password_change_per_minute: n,
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn quota_then_429_with_retry_after() {
        let l = limits(2);
        assert!(l.register(ip("10.0.0.1")).is_ok());
        assert!(l.register(ip("10.0.0.1")).is_ok());
        let e = l.register(ip("10.0.0.1")).unwrap_err();
        assert_eq!(e.code, "rate_limited");
        assert!(e.retry_after.unwrap() >= 1);
        assert!(l.register(ip("10.0.0.2")).is_ok());
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let l = limits(2);
        assert!(l.login(ip("2001:db8:1:2::1")).is_ok());
        assert!(l.login(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")).is_ok());
        assert!(l.login(ip("2001:db8:1:2:abcd::9")).is_err());
        assert!(l.login(ip("2001:db8:1:3::1")).is_ok());
        // An IPv4-mapped address is its IPv4 address.
        assert_eq!(
            ClientKey::of(ip("::ffff:192.0.2.1")),
            ClientKey::of(ip("192.0.2.1"))
        );
    }

    #[test]
    fn password_changes_are_limited_per_user() {
        let l = limits(1);
        assert!(l.password_change(&UserId::new("u1")).is_ok());
        assert!(l.password_change(&UserId::new("u1")).is_err());
        assert!(l.password_change(&UserId::new("u2")).is_ok());
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let req = TestRequest::default()
            .peer_addr("192.0.2.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7"))
            .to_http_request();
        assert_eq!(client_ip(&req, &TrustedProxies::None), ip("192.0.2.1"));
        assert_eq!(client_ip(&req, &TrustedProxies::All), ip("198.51.100.7"));
        let lan = TrustedProxies::Ranges(vec![IpRange::parse("10.0.0.0/8").unwrap()]);
        assert_eq!(client_ip(&req, &lan), ip("192.0.2.1"));
        let from_proxy = TestRequest::default()
            .peer_addr("10.0.0.5:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.2.2.2"))
            .to_http_request();
        assert_eq!(client_ip(&from_proxy, &lan), ip("198.51.100.7"));
    }
}
