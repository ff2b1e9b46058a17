//! `SHOP_TRUST_PROXY`: which peers are the operator's proxies, whose
//! `X-Forwarded-For` is believed.

use std::net::IpAddr;

use shop_settings::{SettingError, Source};

/// An address range, `addr/len` (a bare address is a range of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    len: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (addr, len) = match text.split_once('/') {
            Some((addr, len)) => (addr.parse::<IpAddr>().ok()?, Some(len.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = len.unwrap_or(max);
        (len <= max).then_some(Self { addr, len })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), usize::from(self.len))
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), usize::from(self.len))
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) as the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: usize) -> bool {
    let whole = bits / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[whole] & mask == b[whole] & mask
}

/// The peers whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TrustedProxies {
    /// None: the client is the peer (`false`, the default).
    #[default]
    None,
    /// Every peer (`true`, kept for compatibility).
    All,
    /// Peers in these ranges.
    Ranges(Vec<IpRange>),
}

impl TrustedProxies {
    pub fn from_settings(src: &Source<'_>) -> Result<Self, SettingError> {
        const NAME: &str = "SHOP_TRUST_PROXY";
        let Some(raw) = src.get(NAME) else {
            return Ok(Self::None);
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "false" | "0" | "no" | "off" => return Ok(Self::None),
            "true" | "1" | "yes" | "on" => return Ok(Self::All),
            _ => {}
        }
        let ranges = raw
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(|part| {
                IpRange::parse(part).ok_or_else(|| {
                    SettingError::new(
                        NAME,
                        format!(
                            "{:?} is not an address or CIDR range (nor true or false)",
                            part.trim()
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Ranges(ranges))
    }

    pub fn trusts(&self, peer: IpAddr) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Ranges(ranges) => ranges.iter().any(|r| r.contains(peer)),
        }
    }

    /// The client of a request from `peer` carrying `forwarded` (the
    /// addresses of `X-Forwarded-For`, in order): the peer unless it is a
    /// trusted proxy, else the right-most forwarded address that is no
    /// trusted proxy (the left-most when all are; the peer when none
    /// parses).
    pub fn client(&self, peer: IpAddr, forwarded: &[IpAddr]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        if matches!(self, Self::All) {
            return forwarded.last().copied().map_or(peer, canonical);
        }
        let mut client = peer;
        for ip in forwarded.iter().rev().copied().map(canonical) {
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(raw: &str) -> TrustedProxies {
        let lookup = move |name: &str| (name == "SHOP_TRUST_PROXY").then(|| raw.to_string());
        TrustedProxies::from_settings(&Source::new(&lookup)).unwrap()
    }

    #[test]
    fn ranges_contain_their_addresses() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains(ip("10.255.1.2")) && !r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.1.2.3")));
        let r = IpRange::parse("2001:db8:1::/48").unwrap();
        assert!(r.contains(ip("2001:db8:1:ffff::1")) && !r.contains(ip("2001:db8:2::1")));
        let r = IpRange::parse("192.168.1.0/23").unwrap();
        assert!(r.contains(ip("192.168.0.9")) && !r.contains(ip("192.168.2.1")));
        assert_eq!(
            IpRange::parse("127.0.0.1").unwrap(),
            IpRange::parse("127.0.0.1/32").unwrap()
        );
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/x", ""] {
            assert_eq!(IpRange::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn words_and_lists_are_read() {
        assert_eq!(proxies("false"), TrustedProxies::None);
        assert_eq!(proxies("true"), TrustedProxies::All);
        assert_eq!(
            proxies("10.0.0.0/8, 192.168.0.0/16"),
            TrustedProxies::Ranges(vec![
                IpRange::parse("10.0.0.0/8").unwrap(),
                IpRange::parse("192.168.0.0/16").unwrap()
            ])
        );
        let lookup = |_: &str| Some("10.0.0.0/8,bogus".to_string());
        let e = TrustedProxies::from_settings(&Source::new(&lookup)).unwrap_err();
        assert!(e.to_string().contains("SHOP_TRUST_PROXY"), "{e}");
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let p = proxies("10.0.0.0/8");
        let xff = [ip("203.0.113.9"), ip("198.51.100.7"), ip("10.1.1.1")];
        // A trusted peer: skip the trusted hops from the right.
        assert_eq!(p.client(ip("10.0.0.2"), &xff), ip("198.51.100.7"));
        // An untrusted peer's header is ignored.
        assert_eq!(p.client(ip("192.0.2.1"), &xff), ip("192.0.2.1"));
        // No header: the peer.
        assert_eq!(p.client(ip("10.0.0.2"), &[]), ip("10.0.0.2"));
        assert_eq!(
            TrustedProxies::None.client(ip("10.0.0.2"), &xff),
            ip("10.0.0.2")
        );
        assert_eq!(
            TrustedProxies::All.client(ip("192.0.2.1"), &xff),
            ip("10.1.1.1")
        );
    }
}
