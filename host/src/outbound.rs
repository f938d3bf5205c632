//! `allowed_outbound_hosts`: which addresses a component may reach, for every scheme, parsed
//! and matched as Spin's `outbound-networking-config` does (v3.6.3 and v4.0.2 agree).
//!
//! An entry is `scheme://host[:port]`. The scheme is `*` or letters, matched exactly. The
//! host is `*`, `*.domain`, `self`, or a literal (domains compare case-insensitively, after
//! URL host parsing). The port is `*`, a number, or a range `a..b` that excludes `b`;
//! without one, the scheme's well-known port is meant and a scheme without one is an
//! error. `insecure:allow-all` is refused. `*.spin.internal` stands for the app's own
//! components only. Spin also accepts CIDR hosts (`10.0.0.0/8`); this host refuses them as
//! paths, which no manifest here needs.

use anyhow::{Context, Result, bail};

const SERVICE_CHAINING_SUFFIX: &str = ".spin.internal";

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// `*.domain`, kept as `.domain`: matches any host ending with it.
    Subdomains(String),
    /// `self`: only requests without a host (to the app itself), which no absolute URL is.
    ToSelf,
    Exact(url::Host),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    Port(u16),
    /// `a..b`: from `a` up to but excluding `b`, as Spin's `Range`.
    Range(u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    /// `None` for `*`.
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

/// The parsed `allowed_outbound_hosts` of one component.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    entries: Vec<AllowedHost>,
}

pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        "postgres" => Some(5432),
        "redis" => Some(6379),
        "mysql" => Some(3306),
        "mqtt" => Some(1883),
        _ => None,
    }
}

impl AllowedHosts {
    /// Parses already-expanded entries. `components` are the app's component ids, which
    /// `*.spin.internal` stands for.
    pub fn parse(entries: &[String], components: &[String]) -> Result<AllowedHosts> {
        if let [only] = entries
            && only == "insecure:allow-all"
        {
            bail!(
                "'insecure:allow-all' is not allowed - use '*://*:*' instead if you really want to allow all outbound traffic'"
            );
        }
        let mut parsed = Vec::with_capacity(entries.len());
        for entry in entries {
            let allowed = parse_entry(entry)
                .with_context(|| format!("allowed_outbound_hosts entry {entry:?}"))?;
            match &allowed.host {
                HostPattern::Subdomains(suffix) if suffix == SERVICE_CHAINING_SUFFIX => parsed
                    .extend(components.iter().filter_map(|id| {
                        let host = url::Host::parse(&format!("{id}{SERVICE_CHAINING_SUFFIX}"));
                        Some(AllowedHost {
                            host: HostPattern::Exact(host.ok()?),
                            ..allowed.clone()
                        })
                    })),
                _ => parsed.push(allowed),
            }
        }
        Ok(AllowedHosts { entries: parsed })
    }

    /// Whether `scheme://host:port` may be reached.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let Some(host) = parse_request_host(host) else {
            return false;
        };
        self.entries.iter().any(|e| {
            e.scheme.as_deref().is_none_or(|s| s == scheme)
                && match &e.host {
                    HostPattern::Any => true,
                    HostPattern::Subdomains(suffix) => {
                        matches!(&host, url::Host::Domain(d) if d.ends_with(suffix.as_str()))
                    }
                    HostPattern::ToSelf => false,
                    HostPattern::Exact(literal) => *literal == host,
                }
                && match e.port {
                    PortPattern::Any => true,
                    PortPattern::Port(p) => p == port,
                    PortPattern::Range(lo, hi) => (lo..hi).contains(&port),
                }
        })
    }

    /// Whether a URL (`postgres://user@host:port/db?...`) may be reached. A URL without a
    /// port means its scheme's well-known port; a scheme without one is never allowed.
    pub fn allows_url(&self, url: &str) -> Result<bool> {
        let parsed = url::Url::parse(url).context("not a valid URL")?;
        let host = parsed.host_str().context("URL has no host")?;
        Ok(
            match parsed.port().or_else(|| default_port(parsed.scheme())) {
                Some(port) => self.allows(parsed.scheme(), host, port),
                None => false,
            },
        )
    }
}

/// A request's host as Spin compares it: parsed as a URL host (lower-cased, IPv6 in
/// brackets).
fn parse_request_host(host: &str) -> Option<url::Host> {
    let bracketed;
    let host = if host.contains(':') && !host.starts_with('[') {
        bracketed = format!("[{host}]");
        &bracketed
    } else {
        host
    };
    url::Host::parse(host).ok()
}

fn parse_entry(entry: &str) -> Result<AllowedHost> {
    let entry = entry.trim();
    let Some((scheme, rest)) = entry.split_once("://") else {
        match entry {
            "*" | ":" | "" | "?" => bail!(
                "{entry:?} is not an allowed outbound host format: hosts must be in the form <scheme>://<host>[:<port>], with '*' wildcards allowed for each ('*://*:*' allows everything)"
            ),
            _ => bail!("{entry:?} does not contain a scheme (e.g., 'http://' or '*://')"),
        }
    };
    // As Spin: the port is whatever follows the last `:`, which a trailing `/` may end.
    let (host, rest) = rest.rsplit_once(':').unwrap_or((rest, ""));
    let port = match rest.split_once('/') {
        Some((_, path)) if !path.is_empty() => bail!("{entry:?} has a path but is not allowed to"),
        Some((port, _)) => port,
        None => rest,
    };
    let port =
        parse_port(port, scheme).with_context(|| format!("Invalid allowed host port {port:?}"))?;
    let scheme =
        parse_scheme(scheme).with_context(|| format!("Invalid allowed host scheme {scheme:?}"))?;
    let host = parse_host(host).with_context(|| format!("Invalid allowed host {host:?}"))?;
    Ok(AllowedHost { scheme, host, port })
}

fn parse_scheme(scheme: &str) -> Result<Option<String>> {
    if scheme == "*" {
        return Ok(None);
    }
    if scheme.starts_with('{') {
        bail!("scheme lists are not supported");
    }
    if scheme.chars().any(|c| !c.is_alphabetic()) {
        bail!("only alphabetic characters are allowed");
    }
    Ok(Some(scheme.to_string()))
}

fn parse_host(host: &str) -> Result<HostPattern> {
    let host = host.trim();
    match host {
        "*" => return Ok(HostPattern::Any),
        "self" | "self.alt" => return Ok(HostPattern::ToSelf),
        _ => {}
    }
    if host.starts_with('{') {
        bail!("host lists are not yet supported");
    }
    let host = host.trim_end_matches('/');
    if host.contains('/') {
        bail!("must not include a path");
    }
    if let Some(domain) = host.strip_prefix("*.") {
        if domain.contains('*') {
            bail!("wildcards are allowed only as prefixes");
        }
        return Ok(HostPattern::Subdomains(format!(".{domain}")));
    }
    if host.contains('*') {
        bail!("wildcards are allowed only as subdomains");
    }
    Ok(HostPattern::Exact(url::Host::parse(host)?))
}

fn parse_port(port: &str, scheme: &str) -> Result<PortPattern> {
    if port.is_empty() {
        return default_port(scheme).map(PortPattern::Port).with_context(|| {
            format!(
                "no port was provided and the scheme {scheme:?} does not have a known default port number"
            )
        });
    }
    if port == "*" {
        return Ok(PortPattern::Any);
    }
    if port.starts_with('{') {
        bail!("port lists are not yet supported");
    }
    if let Some((start, end)) = port.split_once("..") {
        let number = |p: &str| {
            p.parse::<u16>()
                .with_context(|| format!("port range {port:?} contains non-number"))
        };
        return Ok(PortPattern::Range(number(start)?, number(end)?));
    }
    Ok(PortPattern::Port(port.parse().with_context(|| {
        format!("port {port:?} is not a number")
    })?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str]) -> AllowedHosts {
        let components = ["users".to_string(), "orders".to_string()];
        AllowedHosts::parse(
            &entries.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &components,
        )
        .unwrap()
    }

    fn rejected(entry: &str) -> bool {
        AllowedHosts::parse(&[entry.to_string()], &[]).is_err()
    }

    #[test]
    fn exact_hosts_with_default_ports() {
        let h = hosts(&["postgres://127.0.0.1", "https://API.example.com/"]);
        assert!(h.allows("postgres", "127.0.0.1", 5432));
        assert!(!h.allows("postgres", "127.0.0.1", 5433));
        assert!(
            !h.allows("postgres", "localhost", 5432),
            "matched literally"
        );
        assert!(
            h.allows("https", "api.EXAMPLE.com", 443),
            "domains ignore case"
        );
        assert!(!h.allows("http", "api.example.com", 80));
        assert!(!h.allows("HTTPS", "api.example.com", 443), "schemes do not");
    }

    #[test]
    fn wildcards_and_ranges() {
        let h = hosts(&[
            "*://*.example.com:*",
            "redis://*:6379",
            "http://127.0.0.1:8000..8010",
            "http://[::1]:8080",
        ]);
        assert!(h.allows("http", "a.b.example.com", 80));
        assert!(!h.allows("http", "example.com", 80));
        assert!(h.allows("redis", "cache.local", 6379));
        assert!(h.allows("http", "127.0.0.1", 8000));
        assert!(h.allows("http", "127.0.0.1", 8009));
        assert!(
            !h.allows("http", "127.0.0.1", 8010),
            "a range excludes its end"
        );
        assert!(h.allows("http", "[::1]", 8080));
        assert!(h.allows("http", "::1", 8080));
    }

    #[test]
    fn service_chaining_wildcard_means_the_apps_components() {
        let h = hosts(&["http://*.spin.internal"]);
        assert!(h.allows("http", "users.spin.internal", 80));
        assert!(h.allows("http", "orders.spin.internal", 80));
        assert!(!h.allows("http", "nope.spin.internal", 80));
    }

    #[test]
    fn self_allows_no_absolute_url() {
        let h = hosts(&["http://self", "https://self.alt"]);
        assert!(!h.allows("http", "self", 80));
        assert!(!h.allows("https", "self.alt", 443));
    }

    #[test]
    fn urls() {
        let h = hosts(&["postgres://127.0.0.1:5432", "redis://127.0.0.1:6379"]);
        assert!(
            h.allows_url("postgres://postgres@127.0.0.1:5432/users?sslmode=disable")
                .unwrap()
        );
        assert!(h.allows_url("postgres://postgres@127.0.0.1/users").unwrap());
        assert!(
            !h.allows_url("postgres://postgres@10.0.0.1:5432/users")
                .unwrap()
        );
        assert!(h.allows_url("redis://127.0.0.1:6379").unwrap());
        assert!(
            !h.allows_url("rediss://127.0.0.1").unwrap(),
            "no well-known port"
        );
        assert!(!hosts(&[]).allows_url("redis://127.0.0.1:6379").unwrap());
    }

    #[test]
    fn invalid_entries() {
        for bad in [
            "127.0.0.1",
            "*",
            "http://a/b",
            "http://a:80/b",
            "*://a",
            "ftp://a",
            "http://a*b.com",
            "http://*.a*.com",
            "http://a:port",
            "http://a:1..x",
            "h2c://a:80",
            "{http,https}://a",
            "http://{a,b}",
            "http://a:{80,81}",
            "http://",
            "insecure:allow-all",
        ] {
            assert!(rejected(bad), "{bad}");
        }
        assert!(
            AllowedHosts::parse(
                &["insecure:allow-all".to_string(), "http://a".to_string()],
                &[]
            )
            .is_err()
        );
        assert!(!rejected("  http://a.com  "), "entries are trimmed");
    }
}
