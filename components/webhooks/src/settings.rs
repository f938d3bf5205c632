//! The component's configuration (Spin variables) and the delivery policy.

use std::time::Duration;

use service_kit::config;

/// Attempts per delivery before it is marked `failed` (an admin retry starts over).
pub const MAX_ATTEMPTS: i32 = 8;
/// The first retry waits this long; each further one twice as long ...
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// ... up to this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long one POST may take before it counts as a failed attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// A claimed delivery is held this long: longer than an attempt, so only a dead invocation
/// loses its claims (and then another sends them: at least once).
pub const CLAIM_LEASE: Duration = Duration::from_secs(20);
/// A woken invocation waits this long before its first pass, and the runner as long after
/// a pass that caught up. The wake-up flag stays set meanwhile, so the changes of those
/// milliseconds send no wake-up of their own and go out in the next pass: under load, about
/// ten passes a second instead of one every few orders, for a tenth of a second more
/// before the first attempt.
pub const GATHER: Duration = Duration::from_millis(100);
/// Deliveries sent at once by one pass.
pub const BATCH: i64 = 16;
/// An invocation claims and polls for this long, then hands over to a fresh one (by a
/// wake-up message): the last batch still has [`ATTEMPT_TIMEOUT`], so an invocation ends
/// well inside the host's 30 s limit.
pub const POLL_WINDOW: Duration = Duration::from_secs(12);
/// The longest sleep between two polls (a claim held by another invocation may end any
/// time).
pub const MAX_POLL_SLEEP: Duration = Duration::from_secs(1);

/// The retry delay after failed attempt `attempt` (1-based): 1 s, 2 s, 4 s ... 60 s.
pub fn backoff(attempt: i32) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF)
}

/// The receivers and the signing key.
pub struct Settings {
    pub urls: Vec<String>,
    pub secret: String,
}

impl Settings {
    pub fn load() -> anyhow::Result<Settings> {
        Ok(Settings {
            urls: parse_urls(&config::get_optional("webhook_urls").unwrap_or_default()),
            secret: config::get("webhook_secret").map_err(|e| anyhow::anyhow!("{}", e.detail))?,
        })
    }
}

/// `webhook_urls`: comma-separated, blanks ignored, each URL once.
pub fn parse_urls(value: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for url in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let secs: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(1000), MAX_BACKOFF);
        assert_eq!(backoff(0), FIRST_BACKOFF);
    }

    #[test]
    fn urls_are_split_trimmed_and_deduplicated() {
        assert_eq!(
            parse_urls(" http://a/x , ,http://b/y,http://a/x,"),
            ["http://a/x", "http://b/y"]
        );
        assert!(parse_urls("").is_empty());
    }

    #[test]
    fn an_invocation_ends_inside_the_host_limit() {
        assert!(POLL_WINDOW + ATTEMPT_TIMEOUT < Duration::from_secs(30));
        assert!(CLAIM_LEASE > ATTEMPT_TIMEOUT);
    }
}
