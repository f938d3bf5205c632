//! What Spin's HTTP trigger does to a request between routing it and running the
//! component (`crates/trigger-http/src/server.rs` `set_req_uri`, `headers.rs`
//! `prepare_request_headers` / `compute_default_headers`, `wasi.rs` `prepare_request`; the
//! same at v3.6.3 and v4.0.2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{Context, Result, bail};
use http::uri::{Authority, Scheme};
use http::{HeaderName, HeaderValue, Request, Uri};

use crate::routing::RouteMatch;

/// `spin-client-addr` of a chained request (Spin's `CHAINED_CLIENT_ADDR`).
pub const CHAINED_CLIENT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

/// Makes the request's URI absolute, `http://<authority><path>`, as the guest sees it. The
/// authority is the `Host` header's or the request line's, and they must agree. An error
/// is a request Spin answers with nothing: it drops the connection.
pub fn set_absolute_uri<B>(req: &mut Request<B>) -> Result<()> {
    let from_header = req
        .headers()
        .get(http::header::HOST)
        .map(|host| -> Result<Authority> {
            host.to_str()
                .context("'Host' header is not valid UTF-8")?
                .parse()
                .context("'Host' header contains an invalid authority")
        })
        .transpose()?;
    let mut parts = req.uri().clone().into_parts();
    let authority = match (from_header, parts.authority.take()) {
        (None, None) => bail!("no 'Host' header present in request"),
        (Some(authority), None) | (None, Some(authority)) => authority,
        (Some(header), Some(uri)) if header == uri => header,
        (Some(_), Some(_)) => bail!("authority in 'Host' header does not match authority in URI"),
    };
    parts.scheme = Some(Scheme::HTTP);
    parts.authority = Some(authority);
    *req.uri_mut() = Uri::from_parts(parts)?;
    Ok(())
}

/// Spin hands the component every header as a string: a value that is not UTF-8 fails
/// the request (500, empty body) before the component runs.
pub fn check_header_values<B>(req: &Request<B>) -> Result<()> {
    for (name, value) in req.headers() {
        std::str::from_utf8(value.as_bytes()).with_context(|| format!("header {name}"))?;
    }
    Ok(())
}

/// Adds the `spin-*` headers Spin gives every request. Spin appends them after the
/// client's headers without removing any a client sent under the same names: an SDK that
/// keeps one value per name sees Spin's, the last.
pub fn add_spin_headers<B>(req: &mut Request<B>, matched: &RouteMatch, client_addr: SocketAddr) {
    // Spin reads the `Host` header only (a chained request has none); `check_header_values`
    // has made sure it is a string.
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| std::str::from_utf8(h.as_bytes()).ok())
        .unwrap_or("localhost");
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let full_url = format!("http://{host}{path_and_query}");

    let mut headers = vec![
        ("spin-path-info".to_string(), matched.path_info.clone()),
        ("spin-full-url".to_string(), full_url),
        ("spin-matched-route".to_string(), matched.raw_route.clone()),
        ("spin-base-path".to_string(), "/".to_string()),
        (
            "spin-raw-component-route".to_string(),
            matched.raw_route.clone(),
        ),
        (
            "spin-component-route".to_string(),
            matched.component_route.clone(),
        ),
        ("spin-client-addr".to_string(), client_addr.to_string()),
    ];
    // `SPIN_PATH_MATCH_<NAME>` made a header name: `_` becomes `-`, all lower case.
    headers.extend(matched.params.iter().map(|(name, value)| {
        (
            format!(
                "spin-path-match-{}",
                name.replace('_', "-").to_ascii_lowercase()
            ),
            value.clone(),
        )
    }));
    for (name, value) in headers {
        // Spin leaves out a header it cannot build; none of these fails in practice.
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            req.headers_mut().append(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, host: Option<&[u8]>) -> Request<()> {
        let mut builder = Request::builder().uri(uri);
        if let Some(host) = host {
            builder = builder.header("host", HeaderValue::from_bytes(host).unwrap());
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn the_uri_takes_the_host_header_or_its_own_authority() {
        let mut req = request("/a?b=1", Some(b"example.com:8080"));
        set_absolute_uri(&mut req).unwrap();
        assert_eq!(req.uri(), "http://example.com:8080/a?b=1");

        let mut req = request("http://inventory.spin.internal/inventory/x", None);
        set_absolute_uri(&mut req).unwrap();
        assert_eq!(req.uri(), "http://inventory.spin.internal/inventory/x");
    }

    #[test]
    fn a_missing_or_bad_host_fails_the_request() {
        for (uri, host) in [
            ("/a", None),
            ("/a", Some(&b"bad host"[..])),
            ("/a", Some(&b"h\xffst"[..])),
            ("http://a.example/x", Some(&b"b.example"[..])),
        ] {
            assert!(
                set_absolute_uri(&mut request(uri, host)).is_err(),
                "{uri} {host:?}"
            );
        }
    }

    #[test]
    fn header_values_must_be_utf8() {
        let mut req = request("/a", Some(b"h"));
        req.headers_mut()
            .insert("x-name", HeaderValue::from_bytes("zoë".as_bytes()).unwrap());
        assert!(check_header_values(&req).is_ok());
        req.headers_mut()
            .insert("x-key", HeaderValue::from_bytes(b"k\xff").unwrap());
        let error = check_header_values(&req).unwrap_err();
        assert!(
            format!("{error:#}").contains("invalid utf-8 sequence"),
            "{error:#}"
        );
    }

    #[test]
    fn spin_headers_follow_the_clients_and_name_localhost_without_a_host() {
        let mut req = request("http://backend.spin.internal/echo?x=1", None);
        req.headers_mut()
            .insert("spin-path-info", HeaderValue::from_static("/forged"));
        let matched = RouteMatch {
            component: "backend".into(),
            raw_route: "/items/:item_id/...".into(),
            component_route: "/items/:item_id".into(),
            path_info: "/echo".into(),
            params: vec![("item_id".into(), "7".into())],
        };
        add_spin_headers(&mut req, &matched, CHAINED_CLIENT_ADDR);
        let values: Vec<_> = req.headers().get_all("spin-path-info").iter().collect();
        assert_eq!(values, ["/forged", "/echo"]);
        assert_eq!(req.headers()["spin-full-url"], "http://localhost/echo?x=1");
        assert_eq!(req.headers()["spin-client-addr"], "0.0.0.0:0");
        assert_eq!(req.headers()["spin-path-match-item-id"], "7");
    }
}
