//! `allowed_outbound_hosts`: which addresses a component may reach, for every scheme.
//!
//! Entries are `scheme://host[:port]` where the scheme or host may be `*`, the host may be
//! `*.domain`, and the port may be `*` or a range `a..b`; without a port the scheme's
//! default port is meant. Hosts are matched literally: `localhost` is not `127.0.0.1`.

use anyhow::{Context, Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Subdomains(String),
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    Range(u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

/// The parsed `allowed_outbound_hosts` of one component.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    entries: Vec<AllowedHost>,
    allow_all: bool,
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
    /// Parses already-expanded entries.
    pub fn parse(entries: &[String]) -> Result<AllowedHosts> {
        let mut allowed = AllowedHosts::default();
        for entry in entries {
            if entry == "insecure:allow-all" {
                allowed.allow_all = true;
                continue;
            }
            allowed.entries.push(
                parse_entry(entry)
                    .with_context(|| format!("allowed_outbound_hosts entry {entry:?}"))?,
            );
        }
        Ok(allowed)
    }

    /// Whether `scheme://host:port` may be reached.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.allow_all
            || self.entries.iter().any(|e| {
                e.scheme
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case(scheme))
                    && match &e.host {
                        HostPattern::Any => true,
                        HostPattern::Exact(h) => h.eq_ignore_ascii_case(host),
                        HostPattern::Subdomains(domain) => {
                            host.len() > domain.len() + 1
                                && host
                                    .to_ascii_lowercase()
                                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
                        }
                    }
                    && match e.port {
                        PortPattern::Any => true,
                        PortPattern::Range(lo, hi) => (lo..=hi).contains(&port),
                    }
            })
    }

    /// Whether a URL (`postgres://user@host:port/db?...`) may be reached.
    pub fn allows_url(&self, url: &str) -> Result<bool> {
        let parsed = url::Url::parse(url).context("not a valid URL")?;
        let host = parsed.host_str().context("URL has no host")?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = parsed
            .port()
            .or_else(|| default_port(parsed.scheme()))
            .context("URL has no port and its scheme has no default port")?;
        Ok(self.allows(parsed.scheme(), host, port))
    }
}

fn parse_entry(entry: &str) -> Result<AllowedHost> {
    let (scheme, rest) = entry
        .split_once("://")
        .context("expected scheme://host[:port]")?;
    if scheme.is_empty() {
        bail!("missing scheme");
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') || rest.contains('?') {
        bail!("must not contain a path or query");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => (host, Some(port)),
        _ => (rest, None),
    };
    let host = match host {
        "" => bail!("missing host"),
        "*" => HostPattern::Any,
        h if h.starts_with("*.") => HostPattern::Subdomains(h[2..].to_string()),
        h if h.contains('*') => bail!("`*` is only allowed as the whole host or as `*.domain`"),
        h => HostPattern::Exact(h.trim_start_matches('[').trim_end_matches(']').to_string()),
    };
    let scheme_pattern = (scheme != "*").then(|| scheme.to_ascii_lowercase());
    let port = match port {
        Some("*") => PortPattern::Any,
        Some(p) => match p.split_once("..") {
            Some((lo, hi)) => PortPattern::Range(
                lo.parse().context("bad port")?,
                hi.parse().context("bad port")?,
            ),
            None => {
                let p: u16 = p.parse().context("bad port")?;
                PortPattern::Range(p, p)
            }
        },
        None => match scheme_pattern.as_deref().and_then(default_port) {
            Some(p) => PortPattern::Range(p, p),
            None => bail!("a port is required for scheme `{scheme}`"),
        },
    };
    Ok(AllowedHost {
        scheme: scheme_pattern,
        host,
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str]) -> AllowedHosts {
        AllowedHosts::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn exact_hosts_with_default_ports() {
        let h = hosts(&["postgres://127.0.0.1", "https://api.example.com"]);
        assert!(h.allows("postgres", "127.0.0.1", 5432));
        assert!(!h.allows("postgres", "127.0.0.1", 5433));
        assert!(
            !h.allows("postgres", "localhost", 5432),
            "matched literally"
        );
        assert!(h.allows("https", "API.example.com", 443));
        assert!(!h.allows("http", "api.example.com", 80));
    }

    #[test]
    fn wildcards() {
        let h = hosts(&[
            "*://*.spin.internal:*",
            "redis://*:6379",
            "http://127.0.0.1:8000..8010",
        ]);
        assert!(h.allows("http", "users.spin.internal", 80));
        assert!(!h.allows("http", "spin.internal", 80));
        assert!(h.allows("redis", "cache.local", 6379));
        assert!(h.allows("http", "127.0.0.1", 8005));
        assert!(!h.allows("http", "127.0.0.1", 8011));
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
        assert!(!hosts(&[]).allows_url("redis://127.0.0.1:6379").unwrap());
    }

    #[test]
    fn invalid_entries() {
        for bad in [
            "127.0.0.1",
            "http://a/b",
            "*://a",
            "http://a*b.com",
            "http://a:port",
        ] {
            assert!(AllowedHosts::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
        assert!(hosts(&["insecure:allow-all"]).allows("ftp", "x", 21));
    }
}
