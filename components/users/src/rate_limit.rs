//! Failed-login limits per email and per client address, as counters with expiry in
//! Redis (Spin's key-value API has no atomic increment or expiry).
//!
//! A counter starts at the first failure and expires a fixed window later; once it holds
//! the maximum, further attempts for that email or from that address get 429 until it
//! expires, with `Retry-After` saying when. Without Redis there is no limit: logins keep
//! working and the outage is logged.

use std::net::IpAddr;

use service_kit::{ApiError, ApiResult};
use spin_sdk::redis::{Connection, RedisParameter, RedisResult};

/// Failures one email may have within the window. Small: nobody mistypes their own
/// password five times in a row, but guessing needs thousands of tries.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures one client address may have within the window, over all emails: higher,
/// because many people can share one address (an office, a NAT), but it stops one client
/// from trying a common password against many emails.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const WINDOW_SECS: i64 = 15 * 60;

/// Increments a counter and starts its expiry on the first increment, atomically (a
/// separate EXPIRE could be lost and leave a counter that never expires).
const INCREMENT_SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
     if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end \
     return n";

struct Counter {
    key: String,
    max: i64,
}

pub struct LoginLimiter {
    redis: Option<Connection>,
    email: Counter,
    address: Option<Counter>,
}

impl LoginLimiter {
    /// The limits that apply to a login for `email` from `client` (see
    /// [`crate::client_addr`]; unknown when not served over TCP).
    pub fn new(email: &str, client: Option<IpAddr>) -> LoginLimiter {
        LoginLimiter {
            redis: service_kit::redis::connect(),
            email: Counter {
                key: service_kit::redis::key("users", &format!("login-failures:email:{email}")),
                max: MAX_FAILURES_PER_EMAIL,
            },
            address: client.map(|ip| Counter {
                key: service_kit::redis::key("users", &format!("login-failures:addr:{ip}")),
                max: MAX_FAILURES_PER_ADDRESS,
            }),
        }
    }

    fn counters(&self) -> impl Iterator<Item = &Counter> {
        std::iter::once(&self.email).chain(&self.address)
    }

    /// 429 with `Retry-After` when the email or the address has used up its failures.
    pub fn check(&self) -> ApiResult<()> {
        let Some(redis) = &self.redis else {
            return Ok(());
        };
        for counter in self.counters() {
            let failures = match redis.get(&counter.key) {
                Ok(value) => value.as_deref().and_then(parse_count).unwrap_or(0),
                Err(e) => {
                    eprintln!("rate limit check failed, not limiting: {e}");
                    return Ok(());
                }
            };
            if failures >= counter.max {
                let ttl = single_int(redis.execute("TTL", &[binary(&counter.key)]));
                return Err(ApiError::rate_limited(retry_after(ttl)));
            }
        }
        Ok(())
    }

    /// Counts a failed login against the email and the address.
    pub fn record_failure(&self) {
        let Some(redis) = &self.redis else { return };
        for counter in self.counters() {
            let args = [
                binary(INCREMENT_SCRIPT),
                RedisParameter::Int64(1),
                binary(&counter.key),
                RedisParameter::Int64(WINDOW_SECS),
            ];
            if let Err(e) = redis.execute("EVAL", &args) {
                eprintln!("counting a failed login failed: {e}");
            }
        }
    }

    /// A successful login clears the email's failures (not the address's: one known
    /// password must not buy a client fresh guesses at other accounts).
    pub fn record_success(&self) {
        let Some(redis) = &self.redis else { return };
        if let Err(e) = redis.del(std::slice::from_ref(&self.email.key)) {
            eprintln!("clearing login failures failed: {e}");
        }
    }
}

fn binary(s: &str) -> RedisParameter {
    RedisParameter::Binary(s.as_bytes().to_vec())
}

fn parse_count(bytes: &[u8]) -> Option<i64> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

fn single_int(result: Result<Vec<RedisResult>, spin_sdk::redis::Error>) -> Option<i64> {
    match result.ok()?.first()? {
        RedisResult::Int64(n) => Some(*n),
        _ => None,
    }
}

/// Seconds until the counter expires: its TTL when Redis gave a positive one, else the
/// whole window (the counter is about to be recreated, or its TTL is unknown).
fn retry_after(ttl: Option<i64>) -> u64 {
    let secs = ttl.filter(|t| *t > 0).unwrap_or(WINDOW_SECS);
    u64::try_from(secs).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_uses_the_ttl_when_known() {
        assert_eq!(retry_after(Some(42)), 42);
        assert_eq!(retry_after(Some(-1)), WINDOW_SECS as u64);
        assert_eq!(retry_after(None), WINDOW_SECS as u64);
    }

    #[test]
    fn counts_are_read_from_redis_strings() {
        assert_eq!(parse_count(b"7"), Some(7));
        assert_eq!(parse_count(b"x"), None);
    }
}
