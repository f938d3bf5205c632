//! Spin's Redis API, for what the key-value API cannot do (counters with expiry,
//! publish/subscribe). Redis is never required: callers get `None` when it is not
//! configured or not reachable, the problem is logged, and they carry on without it.

use spin_sdk::redis::{Connection, RedisParameter, RedisResult};

/// A connection to the `redis_url` variable's server, or `None` (logged) without one.
pub fn connect() -> Option<Connection> {
    let url = crate::config::get_optional("redis_url")?;
    Connection::open(&url)
        .map_err(|e| eprintln!("redis unavailable, continuing without it: {e}"))
        .ok()
}

/// A Redis key in this deployment's namespace: `<namespace>:<service>:<name>`.
pub fn key(service: &str, name: &str) -> String {
    format!("{}:{service}:{name}", crate::config::namespace())
}

/// The Redis channel the `webhooks` component listens on (`[[trigger.redis]]` in
/// spin.toml: `channel = "{{ redis_namespace }}:webhooks"`).
pub fn webhooks_channel() -> String {
    format!("{}:webhooks", crate::config::namespace())
}

/// Set while a wake-up is on its way to the deliverer and no pass has started since, so
/// the changes in between need not send one of their own (see [`wake_webhooks`]).
fn webhooks_wake_pending_key() -> String {
    key("webhooks", "wake-pending")
}

/// How long a pending flag holds back other wake-ups at most: the bound on the delay when
/// a woken deliverer dies before it clears the flag.
const WAKE_PENDING_MS: i64 = 2_000;

/// Wakes the webhook deliverer after a change that wrote order events. Best effort: the
/// events are already in the outbox, so a lost wake-up only delays them until the next one.
/// Never fails and never waits for delivery.
///
/// Wake-ups are coalesced: only the change that sets the pending flag publishes. A change
/// that finds it set committed before the woken deliverer clears it
/// ([`take_webhooks_wake`]), and that deliverer's pass starts after the clearing, so it sees
/// this change's events too. Under load this turns one deliverer run per change into one
/// per pass.
pub fn wake_webhooks() {
    let Some(conn) = connect() else { return };
    let flag = conn.execute(
        "SET",
        &[
            RedisParameter::Binary(webhooks_wake_pending_key().into_bytes()),
            RedisParameter::Binary(b"1".to_vec()),
            RedisParameter::Binary(b"NX".to_vec()),
            RedisParameter::Binary(b"PX".to_vec()),
            RedisParameter::Int64(WAKE_PENDING_MS),
        ],
    );
    // `SET NX` answers nil when the flag was already set.
    if let Ok(reply) = &flag
        && reply.iter().all(|r| matches!(r, RedisResult::Nil))
    {
        return;
    }
    publish_wake(&conn);
}

/// Wakes the webhook deliverer whether or not a wake-up is pending: for the deliverer's own
/// hand-over to a fresh run and for schedulers, which must not wait out a stale flag.
/// Returns whether the wake-up was published, so a scheduler can try again.
pub fn wake_webhooks_now() -> bool {
    connect().is_some_and(|conn| publish_wake(&conn))
}

fn publish_wake(conn: &Connection) -> bool {
    conn.publish(&webhooks_channel(), b"wake")
        .map_err(|e| eprintln!("waking the webhook deliverer: {e}"))
        .is_ok()
}

/// Called by the deliverer before each run's first pass: clears the pending flag, so the
/// next change wakes it again.
pub fn take_webhooks_wake() {
    let Some(conn) = connect() else { return };
    if let Err(e) = conn.del(&[webhooks_wake_pending_key()]) {
        eprintln!("clearing the webhook wake-up flag: {e}");
    }
}
