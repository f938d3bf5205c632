//! One Redis message = one delivery pass, and for one invocation at a time, polling for
//! the retries that fall due in the next seconds.
//!
//! A pass fans new outbox events out to deliveries, claims the due ones and sends them
//! concurrently, recording each attempt as it ends. The invocation that holds the runner
//! lease keeps polling (sleeping until the next retry is due, at most [`MAX_POLL_SLEEP`] at
//! a time) for [`POLL_WINDOW`]; then, if work remains, it publishes a wake-up on its own
//! channel, so a fresh invocation carries on. Every other invocation makes one pass and
//! returns: the runner re-reads the backlog after releasing its lease, so nothing an
//! invocation leaves behind goes unseen.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use futures::future::join_all;
use spin_sdk::http::{ErrorCode, Method, Request, Response, SendError};
use spin_sdk::pg4::Connection;

use crate::settings::{
    ATTEMPT_TIMEOUT, BATCH, CLAIM_LEASE, GATHER, MAX_ATTEMPTS, MAX_POLL_SLEEP, POLL_WINDOW,
    Settings, backoff,
};
use crate::sign;
use crate::store::{self, Claimed, Recorded};

/// Extra time on the runner lease beyond what the next step may take.
const RUNNER_SLACK: Duration = Duration::from_secs(3);
/// The shortest nap between polls.
const MIN_POLL_SLEEP: Duration = Duration::from_millis(50);

pub async fn run() -> Result<()> {
    let started = Instant::now();
    let settings = Settings::load()?;
    let conn = service_kit::db::connect().map_err(|e| anyhow!("database: {}", e.detail))?;
    let me = uuid::Uuid::new_v4().to_string();

    std::thread::sleep(GATHER);
    // Before the pass, so a change committed after this point wakes a later run.
    service_kit::redis::take_webhooks_wake();
    pass(&conn, &settings, &me).await?;
    if !store::hold_runner(&conn, &me, MIN_POLL_SLEEP + RUNNER_SLACK)? {
        // Another invocation is polling; it will see what this one left.
        return Ok(());
    }
    let polled = poll(&conn, &settings, &me, started).await;
    let released = store::release_runner(&conn, &me);
    // Read after the release: whatever another pass recorded while this one held the
    // lease is seen here, or that pass found the lease free and became the runner.
    if !store::backlog(&conn)?.is_empty() {
        service_kit::redis::wake_webhooks_now();
    }
    polled.and(released)
}

/// The runner's loop: pass whenever something is due, otherwise sleep until it is.
async fn poll(conn: &Connection, settings: &Settings, me: &str, started: Instant) -> Result<()> {
    loop {
        let elapsed = started.elapsed();
        if elapsed >= POLL_WINDOW {
            return Ok(());
        }
        let backlog = store::backlog(conn)?;
        if backlog.is_empty() {
            return Ok(());
        }
        if backlog.unfanned || backlog.next_due == Some(Duration::ZERO) {
            if !store::hold_runner(conn, me, ATTEMPT_TIMEOUT + RUNNER_SLACK)? {
                return Ok(());
            }
            let done = pass(conn, settings, me).await?;
            if done.full() {
                continue;
            }
            if done.any() {
                // Caught up, while changes may still be coming in: gather them for one
                // pass rather than loop at once, which under a steady stream of orders
                // would be a busy loop of small passes.
                std::thread::sleep(GATHER);
                continue;
            }
        }
        let nap = backlog
            .next_due
            .unwrap_or(MAX_POLL_SLEEP)
            .clamp(MIN_POLL_SLEEP, MAX_POLL_SLEEP)
            .min(POLL_WINDOW - elapsed);
        if !store::hold_runner(conn, me, nap + RUNNER_SLACK)? {
            return Ok(());
        }
        std::thread::sleep(nap);
    }
}

/// What one pass did.
struct Done {
    fanned: usize,
    sent: usize,
}

impl Done {
    fn any(&self) -> bool {
        self.fanned + self.sent > 0
    }

    /// A whole batch of either: more is waiting.
    fn full(&self) -> bool {
        self.fanned == store::FAN_OUT_BATCH || self.sent == BATCH as usize
    }
}

/// Fans out new events, then sends what is due.
async fn pass(conn: &Connection, settings: &Settings, me: &str) -> Result<Done> {
    let fanned = store::fan_out(conn, &settings.urls)?;
    let claimed = store::claim(conn, me, BATCH, CLAIM_LEASE)?;
    let sent = claimed.len();
    let results = join_all(claimed.iter().map(|delivery| async move {
        let started = Instant::now();
        let outcome = attempt(settings, delivery).await;
        let took = started.elapsed();
        record(conn, me, delivery, &outcome, took)
    }))
    .await;
    for result in results {
        if let Err(e) = result {
            // The claim runs out and another invocation sends it again.
            eprintln!("webhooks: {e:#}");
        }
    }
    Ok(Done { fanned, sent })
}

/// How one attempt went.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered(u16),
    /// Any other answer: retried.
    Refused(u16),
    /// No answer (connection refused, timed out, ...): retried.
    Unreachable(String),
    /// The URL can never work as configured (not allowed, not a URL): failed at once.
    Misconfigured(String),
}

async fn attempt(settings: &Settings, delivery: &Claimed) -> Outcome {
    if let Err(problem) = check_url(&delivery.url) {
        return Outcome::Misconfigured(problem);
    }
    let request = Request::builder()
        .method(Method::Post)
        .uri(delivery.url.as_str())
        .header("content-type", "application/json")
        // A length rather than a chunked body: what most webhook receivers expect.
        .header("content-length", delivery.payload.len().to_string())
        .header("user-agent", "spin-shop-webhooks")
        .header(
            "x-signature-256",
            sign::signature(&settings.secret, delivery.payload.as_bytes()),
        )
        .header("x-webhook-id", delivery.event_id.as_str())
        .header("x-webhook-event", delivery.event.as_str())
        .body(delivery.payload.clone())
        .build();
    match service_kit::deadline::within(
        ATTEMPT_TIMEOUT,
        spin_sdk::http::send::<_, Response>(request),
    )
    .await
    {
        Some(Ok(response)) => match *response.status() {
            code @ 200..=299 => Outcome::Delivered(code),
            code => Outcome::Refused(code),
        },
        Some(Err(SendError::Http(ErrorCode::HttpRequestDenied))) => {
            Outcome::Misconfigured(format!(
                "configuration error: {} is not in allowed_outbound_hosts of the webhooks component \
                 (set the webhook_allowed_hosts variable)",
                delivery.url
            ))
        }
        Some(Err(e)) => Outcome::Unreachable(e.to_string()),
        None => Outcome::Unreachable(format!("no answer within {ATTEMPT_TIMEOUT:?}")),
    }
}

/// An absolute http(s) URL with a host; anything else is a configuration error.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("configuration error: {url} is not an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') || url.chars().any(char::is_whitespace) {
        return Err(format!("configuration error: {url} is not a valid URL"));
    }
    Ok(())
}

/// The delivery's state after an attempt that was attempt number `attempts + 1`.
pub fn next_state(attempts: i32, outcome: &Outcome) -> (&'static str, Duration) {
    let made = attempts + 1;
    match outcome {
        Outcome::Delivered(_) => ("delivered", Duration::ZERO),
        Outcome::Misconfigured(_) => ("failed", Duration::ZERO),
        Outcome::Refused(_) | Outcome::Unreachable(_) if made >= MAX_ATTEMPTS => {
            ("failed", Duration::ZERO)
        }
        Outcome::Refused(_) | Outcome::Unreachable(_) => ("pending", backoff(made)),
    }
}

fn record(
    conn: &Connection,
    me: &str,
    delivery: &Claimed,
    outcome: &Outcome,
    took: Duration,
) -> Result<()> {
    let (status, retry_in) = next_state(delivery.attempts, outcome);
    let (status_code, error) = match outcome {
        Outcome::Delivered(code) | Outcome::Refused(code) => (Some(i32::from(*code)), None),
        Outcome::Unreachable(e) | Outcome::Misconfigured(e) => (None, Some(e.as_str())),
    };
    if status == "failed" {
        eprintln!(
            "webhooks: delivery {} of event {} to {} failed for good: {}",
            delivery.id,
            delivery.event_id,
            delivery.url,
            error.map_or_else(
                || format!("HTTP {}", status_code.unwrap_or(0)),
                str::to_string
            )
        );
    }
    let kept = store::record(
        conn,
        delivery.id,
        me,
        &Recorded {
            status,
            retry_in,
            status_code,
            error,
            took,
        },
    )?;
    if !kept {
        eprintln!(
            "webhooks: delivery {} was claimed again before its attempt was recorded",
            delivery.id
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_fail() {
        let refused = Outcome::Refused(500);
        assert_eq!(next_state(0, &refused), ("pending", Duration::from_secs(1)));
        assert_eq!(next_state(1, &refused), ("pending", Duration::from_secs(2)));
        assert_eq!(
            next_state(6, &refused),
            ("pending", Duration::from_secs(60))
        );
        assert_eq!(next_state(MAX_ATTEMPTS - 1, &refused).0, "failed");
        let down = Outcome::Unreachable("connection refused".into());
        assert_eq!(next_state(2, &down), ("pending", Duration::from_secs(4)));
    }

    #[test]
    fn delivered_and_misconfigured_are_final() {
        assert_eq!(next_state(3, &Outcome::Delivered(204)).0, "delivered");
        assert_eq!(
            next_state(0, &Outcome::Misconfigured("x".into())).0,
            "failed"
        );
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("https://hooks.example.com").is_ok());
        assert!(check_url("ftp://example.com/x").is_err());
        assert!(check_url("example.com/hook").is_err());
        assert!(check_url("http:///path").is_err());
        assert!(check_url("http://:80/x").is_err());
        assert!(check_url("http://a b/").is_err());
    }
}
