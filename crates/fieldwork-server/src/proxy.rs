//! Who the client is when fieldwork runs behind a reverse proxy (`serve --trusted-proxy`).
//!
//! Behind a proxy every connection comes from the proxy, so the peer address alone would put
//! every respondent in one rate-limit bucket and one sign-in throttle. The proxy says who its
//! client was in `X-Forwarded-For` (or RFC 7239 `Forwarded`), but any client can send those
//! headers too, so they are read only when the peer is a proxy the operator named, and then
//! from the right: each trusted proxy appends the address it saw, so the first address from
//! the right that is not a trusted proxy is the client. Whatever a client wrote to the left of
//! that is ignored. One header is read, the one the operator's proxy sets (`--client-address-header`):
//! reading both would let a client supply the one the proxy passes through untouched.

use std::net::IpAddr;

use actix_web::{web, HttpRequest};
use ipnet::IpNet;

use crate::AppState;

/// Which header the trusted proxies put the client's address in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx's `$proxy_add_x_forwarded_for`).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for="[2001:db8::1]:443"`.
    Forwarded,
}

impl std::str::FromStr for ForwardedHeader {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err(format!(
                "`{text}` is not a client address header: use x-forwarded-for or forwarded"
            )),
        }
    }
}

/// The proxies whose word on the client's address is taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    pub networks: Vec<IpNet>,
    pub header: ForwardedHeader,
}

impl TrustedProxies {
    /// Parse `--trusted-proxy` values: a CIDR block (`10.0.0.0/8`) or a single address.
    pub fn parse(values: &[String], header: ForwardedHeader) -> Result<Self, String> {
        let networks = values
            .iter()
            .map(|value| {
                value
                    .parse::<IpNet>()
                    .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "`{value}` is not an address or a CIDR block (like 10.0.0.0/8 or 127.0.0.1)"
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies { networks, header })
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.networks.iter().any(|net| net.contains(&address))
    }

    /// The client's address, given the connection's peer and the request's headers.
    pub fn client_address(&self, peer: IpAddr, req: &HttpRequest) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let name = match self.header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        };
        // Several header lines are one list, in order.
        let hops: Vec<&str> = req
            .headers()
            .get_all(name)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let parsed = match self.header {
                ForwardedHeader::XForwardedFor => parse_address(hop.trim()),
                ForwardedHeader::Forwarded => forwarded_for(hop),
            };
            // A hop that is not an address (garbage, `unknown`, an obfuscated name) ends
            // the walk: the last trusted proxy is as near to the client as can be known.
            let Some(address) = parsed else { break };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// The client's address as every limit, throttle and audit entry sees it: the peer, or what
/// a trusted proxy said. `None` only when actix knows no peer (a test request).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.config.trusted_proxies.client_address(peer, req),
        None => canonical(peer),
    })
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.1`) is the IPv4 address, so
/// that a CIDR block and a bucket name it one way.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// An address as a proxy writes it: `192.0.2.1`, `2001:db8::1`, and with a port
/// `192.0.2.1:4711` or `[2001:db8::1]:4711`.
fn parse_address(text: &str) -> Option<IpAddr> {
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Ok(socket) = text.parse::<std::net::SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    let inner = text.strip_prefix('[')?.split(']').next()?;
    inner.parse::<IpAddr>().ok().map(canonical)
}

/// The `for=` of one element of a `Forwarded` header (`for=192.0.2.60;proto=https`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        parse_address(value.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn proxies(header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies::parse(&["10.0.0.0/8".into(), "127.0.0.1".into()], header).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// (peer, X-Forwarded-For lines, the client address expected)
    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let cases: &[(&str, &[&str], &str)] = &[
            // Not a proxy: its headers are ignored.
            ("192.0.2.9", &["198.51.100.1"], "192.0.2.9"),
            // A proxy with one client.
            ("127.0.0.1", &["198.51.100.1"], "198.51.100.1"),
            // A client's forged entry is left of what the proxy appended.
            ("127.0.0.1", &["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
            // Two trusted proxies in a row.
            ("127.0.0.1", &["198.51.100.1, 10.1.2.3"], "198.51.100.1"),
            // Several header lines are one list.
            ("127.0.0.1", &["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
            // No header: the proxy itself.
            ("127.0.0.1", &[], "127.0.0.1"),
            // Garbage stops at the last trusted hop.
            ("127.0.0.1", &["198.51.100.1, nonsense"], "127.0.0.1"),
            ("127.0.0.1", &["nonsense, 10.0.0.1"], "10.0.0.1"),
            // Ports and IPv6.
            ("127.0.0.1", &["[2001:db8::1]:4711"], "2001:db8::1"),
            ("127.0.0.1", &["198.51.100.1:80"], "198.51.100.1"),
            ("::ffff:127.0.0.1", &["198.51.100.7"], "198.51.100.7"),
        ];
        let trusted = proxies(ForwardedHeader::XForwardedFor);
        for (peer, lines, expected) in cases {
            let mut req = TestRequest::default();
            for line in *lines {
                req = req.append_header(("X-Forwarded-For", *line));
            }
            let got = trusted.client_address(ip(peer), &req.to_http_request());
            assert_eq!(got, ip(expected), "peer {peer}, X-Forwarded-For {lines:?}");
        }
    }

    #[test]
    fn forwarded_is_read_only_when_configured() {
        let req = TestRequest::default()
            .append_header((
                "Forwarded",
                "for=6.6.6.6, for=\"[2001:db8::5]:1\";proto=https",
            ))
            .append_header(("X-Forwarded-For", "198.51.100.1"))
            .to_http_request();
        let by_forwarded = proxies(ForwardedHeader::Forwarded);
        assert_eq!(
            by_forwarded.client_address(ip("10.0.0.2"), &req),
            ip("2001:db8::5")
        );
        let by_xff = proxies(ForwardedHeader::XForwardedFor);
        assert_eq!(
            by_xff.client_address(ip("10.0.0.2"), &req),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn bad_proxy_values_are_named() {
        let error =
            TrustedProxies::parse(&["10.0.0.0/33".into()], ForwardedHeader::default()).unwrap_err();
        assert!(
            error.contains("`10.0.0.0/33` is not an address or a CIDR block"),
            "{error}"
        );
        assert!("via".parse::<ForwardedHeader>().is_err());
        let none = TrustedProxies::default();
        let req = TestRequest::default()
            .append_header(("X-Forwarded-For", "198.51.100.1"))
            .to_http_request();
        assert_eq!(none.client_address(ip("127.0.0.1"), &req), ip("127.0.0.1"));
    }
}
