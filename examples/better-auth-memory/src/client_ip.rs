//! Who the client is, by address: the peer of the connection, or, when that peer is a proxy
//! listed in `TRUSTED_PROXIES`, the address it forwarded (`X-Forwarded-For`, else `Forwarded`).
//! The per-address rate limit (src/rate_limit.rs) is keyed by it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed; empty by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR ranges: `10.0.0.0/8, 192.168.1.7`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => item.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                    format!("`{item}` is neither an IP address nor a CIDR range like 10.0.0.0/8")
                })?,
            };
            nets.push(net.trunc());
        }
        Ok(Self(nets.into()))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: `peer`'s, unless `peer` is a trusted proxy. Then the forwarded
    /// hops are read from the right (the nearest proxy's) and the first address that is not a
    /// trusted proxy is the client's: anything to its left the client itself could have sent.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        let mut check = |hop: Option<IpAddr>| match hop {
            Some(ip) if self.contains(ip) => {
                client = ip;
                true
            }
            Some(ip) => {
                client = ip;
                false
            }
            // Not an address: whatever is to its left cannot be trusted either.
            None => false,
        };
        if headers.contains_key(X_FORWARDED_FOR) {
            let hops = headers
                .get_all(X_FORWARDED_FOR)
                .iter()
                .rev()
                .flat_map(|value| value.to_str().unwrap_or_default().rsplit(','));
            for hop in hops {
                if !check(hop.trim().parse().ok().map(canonical)) {
                    break;
                }
            }
        } else {
            let hops = headers
                .get_all(header::FORWARDED)
                .iter()
                .rev()
                .flat_map(|value| value.to_str().unwrap_or_default().rsplit(','));
            for hop in hops {
                if !check(forwarded_for(hop)) {
                    break;
                }
            }
        }
        client
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The address of a `Forwarded` element's `for=` (RFC 7239 §5.2): `for=192.0.2.60`,
/// `for="[2001:db8::17]:4711"`; `None` for an obfuscated or unknown one.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let value = element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then_some(value.trim())
    })?;
    let value = value.trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok().map(canonical);
    }
    match value.parse::<IpAddr>() {
        Ok(ip) => Some(canonical(ip)),
        Err(_) => value
            .parse::<SocketAddr>()
            .ok()
            .map(|addr| canonical(addr.ip())),
    }
}

/// IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`: one client, one address.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn lists_of_addresses_and_ranges_parse() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7,,fd00::/8").unwrap();
        assert!(proxies.contains(ip("10.1.2.3")));
        assert!(proxies.contains(ip("::ffff:10.1.2.3")));
        assert!(proxies.contains(ip("192.168.1.7")));
        assert!(!proxies.contains(ip("192.168.1.8")));
        assert!(proxies.contains(ip("fd00::1")));
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0.1/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let proxies = TrustedProxies::parse("10.0.0.1").unwrap();
        let forwarded = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &forwarded),
            ip("198.51.100.1")
        );
        let nobody = TrustedProxies::default();
        assert_eq!(nobody.client_ip(ip("10.0.0.1"), &forwarded), ip("10.0.0.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.1");
        let cases: &[(&[(&'static str, &str)], &str)] = &[
            (&[("x-forwarded-for", "203.0.113.9")], "203.0.113.9"),
            // The client wrote the leftmost entry itself.
            (
                &[("x-forwarded-for", "1.2.3.4, 203.0.113.9")],
                "203.0.113.9",
            ),
            (
                &[("x-forwarded-for", "203.0.113.9, 10.0.0.7")],
                "203.0.113.9",
            ),
            (
                &[
                    ("x-forwarded-for", "1.2.3.4"),
                    ("x-forwarded-for", "203.0.113.9, 10.0.0.7"),
                ],
                "203.0.113.9",
            ),
            // Only proxies: the farthest one.
            (&[("x-forwarded-for", "10.0.0.9, 10.0.0.7")], "10.0.0.9"),
            // Garbage stops the walk at the last address believed.
            (
                &[("x-forwarded-for", "203.0.113.9, nonsense, 10.0.0.7")],
                "10.0.0.7",
            ),
            (&[], "10.0.0.1"),
            (
                &[("forwarded", "for=203.0.113.9;proto=https")],
                "203.0.113.9",
            ),
            (
                &[("forwarded", r#"for=1.2.3.4, for="[2001:db8::17]:4711""#)],
                "2001:db8::17",
            ),
            (
                &[("forwarded", "for=203.0.113.9:80, for=10.0.0.7")],
                "203.0.113.9",
            ),
            (&[("forwarded", "for=_hidden, for=10.0.0.7")], "10.0.0.7"),
            // X-Forwarded-For, when present, is the one read.
            (
                &[
                    ("forwarded", "for=1.2.3.4"),
                    ("x-forwarded-for", "203.0.113.9"),
                ],
                "203.0.113.9",
            ),
        ];
        for (pairs, client) in cases {
            assert_eq!(
                proxies.client_ip(peer, &headers(pairs)),
                ip(client),
                "{pairs:?}"
            );
        }
    }
}
