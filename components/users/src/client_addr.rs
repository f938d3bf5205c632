//! The address a request comes from, for the per-address login limit.
//!
//! Spin's `spin-client-addr` is the connecting peer. Behind a balancer (HAProxy in
//! `make run-scaled`, the ingress controller on SpinKube) that is the balancer, the same for
//! every client, so the limit would count everybody together. The `trusted_proxies` variable
//! lists the balancers (addresses or CIDRs, separated by commas or spaces; empty: none, and
//! `X-Forwarded-For` is ignored). When the peer is one of them, the client is the right-most
//! `X-Forwarded-For` entry that is not itself a trusted proxy: each proxy appends the
//! address it saw, so everything left of the entry a trusted proxy wrote may be forged by the
//! client and is never looked at.
//!
//! The Spin SDK keeps one value per header name, the last line: HAProxy appends its entry as
//! a line of its own, which is then the one read (a client's own line before it is dropped);
//! nginx-style proxies extend the one line, walked from the right.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use service_kit::{ApiError, ApiResult};
use spin_sdk::http::Request;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `127.0.0.1, 10.244.0.0/16 ::1`. An entry that is neither an address nor a
    /// CIDR is an error: a typo must not silently trust less (or more) than meant.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let entries = list.split([',', ' ', '\t']).filter(|e| !e.is_empty());
        entries
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{entry}` is not an IP address or CIDR"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address: the peer's (`spin-client-addr`), or when the peer is a trusted
/// proxy, the one `X-Forwarded-For` names. `None` when the peer is unknown (not served over
/// TCP) or unreadable.
pub fn client_ip(
    peer: &str,
    forwarded_for: Option<&str>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = parse_ip(peer)?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    Some(
        forwarded_for
            .and_then(|header| forwarded_client(header, trusted))
            .unwrap_or(peer),
    )
}

/// The right-most entry that is not a trusted proxy; if every entry is one, the farthest
/// (left-most). `None` (the peer is used) when the walk meets an entry that is not an
/// address before finding the client, or the header is empty.
fn forwarded_client(header: &str, trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut farthest = None;
    for entry in header.rsplit(',') {
        let ip = parse_ip(entry)?;
        if !trusted.contains(ip) {
            return Some(ip);
        }
        farthest = Some(ip);
    }
    farthest
}

/// An address as `spin-client-addr` (`1.2.3.4:5678`, `[::1]:5678`) or `X-Forwarded-For`
/// (`1.2.3.4`, `2001:db8::1`, sometimes with a port) write it. The port is dropped (each
/// connection has its own), and an IPv4-mapped IPv6 address (a dual-stack listener's) is
/// the IPv4 address it maps, so it matches the IPv4 entries of `trusted_proxies`.
fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = text
        .parse::<SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| text.parse::<IpAddr>())
        .ok()?;
    Some(ip.to_canonical())
}

/// The client address of `req` under the `trusted_proxies` variable. A malformed variable
/// is a deployment mistake: a 500 with the cause in the log.
pub fn of(req: &Request) -> ApiResult<Option<IpAddr>> {
    let trusted = match service_kit::config::get_optional("trusted_proxies") {
        Some(list) => TrustedProxies::parse(&list)
            .map_err(|e| ApiError::internal(format!("variable `trusted_proxies`: {e}")))?,
        None => TrustedProxies::default(),
    };
    let header = |name| req.header(name).and_then(|v| v.as_str());
    Ok(header("spin-client-addr")
        .and_then(|peer| client_ip(peer, header("x-forwarded-for"), &trusted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn trusted(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn parses_addresses_and_cidrs() {
        let proxies = trusted(" 127.0.0.1, 10.244.0.0/16 ::1\t2001:db8::/32,");
        for inside in ["127.0.0.1", "10.244.3.7", "::1", "2001:db8::5"] {
            assert!(proxies.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["127.0.0.2", "10.245.0.1", "::2", "2001:db9::1"] {
            assert!(!proxies.contains(outside.parse().unwrap()), "{outside}");
        }
        assert!(trusted("").0.is_empty());
        assert!(trusted(" , ").0.is_empty());
    }

    #[test]
    fn a_malformed_entry_is_an_error() {
        for bad in [
            "localhost",
            "10.0.0.0/33",
            "10.0.0.1:80",
            "127.0.0.1;10.0.0.1",
        ] {
            let err = TrustedProxies::parse(bad).unwrap_err();
            assert!(err.contains("is not an IP address or CIDR"), "{bad}: {err}");
        }
    }

    #[test]
    fn trusting_nobody_uses_the_peer_and_ignores_the_header() {
        let nobody = TrustedProxies::default();
        assert_eq!(client_ip("127.0.0.1:54321", None, &nobody), ip("127.0.0.1"));
        assert_eq!(
            client_ip("127.0.0.1:54321", Some("203.0.113.9"), &nobody),
            ip("127.0.0.1")
        );
        assert_eq!(client_ip("[::1]:80", None, &nobody), ip("::1"));
        assert_eq!(client_ip("garbage", Some("203.0.113.9"), &nobody), None);
    }

    #[test]
    fn an_untrusted_peer_cannot_forward() {
        let proxies = trusted("10.0.0.1");
        assert_eq!(
            client_ip("198.51.100.4:5000", Some("203.0.113.9"), &proxies),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_entry() {
        let proxies = trusted("127.0.0.1, 10.244.0.0/16");
        let from = |header| client_ip("127.0.0.1:40000", Some(header), &proxies);
        assert_eq!(from("203.0.113.9"), ip("203.0.113.9"));
        // Entries left of the client's are the client's to forge: never read.
        assert_eq!(from("6.6.6.6, 203.0.113.9"), ip("203.0.113.9"));
        assert_eq!(from("garbage, 203.0.113.9"), ip("203.0.113.9"));
        assert_eq!(from("127.0.0.1, 203.0.113.9"), ip("203.0.113.9"));
        // Through a chain of trusted proxies.
        assert_eq!(from("6.6.6.6, 203.0.113.9, 10.244.1.2"), ip("203.0.113.9"));
        assert_eq!(from(" 203.0.113.9 ,10.244.1.2 "), ip("203.0.113.9"));
        assert_eq!(from("2001:db8::7, 10.244.1.2"), ip("2001:db8::7"));
        assert_eq!(from("203.0.113.9:61000"), ip("203.0.113.9"));
        assert_eq!(from("[2001:db8::7]:443"), ip("2001:db8::7"));
        // Only trusted proxies: the farthest of them.
        assert_eq!(from("10.244.9.9, 10.244.1.2"), ip("10.244.9.9"));
    }

    #[test]
    fn a_malformed_header_falls_back_to_the_peer() {
        let proxies = trusted("127.0.0.1, 10.244.0.0/16");
        for header in [
            "",
            " ",
            "unknown",
            "203.0.113.9, ",
            "203.0.113.9, nope, 10.244.1.2",
        ] {
            assert_eq!(
                client_ip("127.0.0.1:40000", Some(header), &proxies),
                ip("127.0.0.1"),
                "{header:?}"
            );
        }
        assert_eq!(
            client_ip("127.0.0.1:40000", None, &proxies),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_proxies() {
        let proxies = trusted("127.0.0.1");
        assert_eq!(
            client_ip("[::ffff:127.0.0.1]:40000", Some("203.0.113.9"), &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip("[::ffff:127.0.0.1]:40000", None, &proxies),
            ip("127.0.0.1")
        );
    }
}
