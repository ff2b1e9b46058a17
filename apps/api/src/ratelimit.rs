//! Per-client rate limits (governor keyed GCRA limiters) for the routes that
//! attract brute force and spam: login, register, contact.

use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::problem::ApiError;
use shop_bootstrap::config::RateLimitConfig;

pub struct RateLimits {
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_account: DefaultKeyedRateLimiter<(IpAddr, String)>,
    register_ip: DefaultKeyedRateLimiter<IpAddr>,
    contact_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Verification resends; the register quota, counted apart.
    resend_verification_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Password reset requests; the register quota, counted apart.
    password_reset_ip: DefaultKeyedRateLimiter<IpAddr>,
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
            login_ip: RateLimiter::keyed(Quota::per_minute(config.login_per_minute)),
            login_account: RateLimiter::keyed(Quota::per_minute(config.login_per_minute)),
            register_ip: RateLimiter::keyed(Quota::per_minute(config.register_per_minute)),
            contact_ip: RateLimiter::keyed(Quota::per_minute(config.contact_per_minute)),
            resend_verification_ip: RateLimiter::keyed(Quota::per_minute(
                config.register_per_minute,
            )),
            password_reset_ip: RateLimiter::keyed(Quota::per_minute(config.register_per_minute)),
        }
    }

    /// Counts a login attempt against the client IP and against the pair
    /// (client IP, e-mail as typed, lower-cased).
    pub fn login(&self, ip: IpAddr, email: &str) -> Result<(), ApiError> {
        check(&self.login_ip, &ip)?;
        let email: String = email.trim().to_lowercase().chars().take(254).collect();
        check(&self.login_account, &(ip, email))
    }

    pub fn register(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.register_ip, &ip)
    }

    pub fn contact(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.contact_ip, &ip)
    }

    pub fn resend_verification(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.resend_verification_ip, &ip)
    }

    pub fn password_reset(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(&self.password_reset_ip, &ip)
    }

    /// Forgets clients whose quota has fully replenished (bounds memory).
    pub fn retain_recent(&self) {
        self.login_ip.retain_recent();
        self.login_account.retain_recent();
        self.register_ip.retain_recent();
        self.contact_ip.retain_recent();
        self.resend_verification_ip.retain_recent();
        self.password_reset_ip.retain_recent();
    }
}

/// The client's IP: the peer address, or with `trust_proxy` the last entry
/// of `X-Forwarded-For` (the one your own proxy appended; earlier entries are
/// whatever the client sent).
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|v| v.trim().parse::<IpAddr>().ok())
            .last();
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use actix_web::test::TestRequest;

    use super::*;

    fn limits(n: u32) -> RateLimits {
        let n = NonZeroU32::new(n).unwrap();
        RateLimits::new(&RateLimitConfig {
            login_per_minute: n,
            register_per_minute: n,
            contact_per_minute: n,
        })
    }

    #[test]
    fn quota_then_429_with_retry_after() {
        let l = limits(2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(l.register(ip).is_ok());
        assert!(l.register(ip).is_ok());
        let e = l.register(ip).unwrap_err();
        assert_eq!(e.code, "rate_limited");
        assert!(e.retry_after.unwrap() >= 1);
        assert!(l.register("10.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn login_limits_per_ip_and_account() {
        let l = limits(1);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(l.login(ip, "a@example.com").is_ok());
        assert!(l.login(ip, "b@example.com").is_err());
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("192.0.2.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, false),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(&req, true),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }
}
