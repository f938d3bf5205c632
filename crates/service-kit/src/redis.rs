//! Spin's Redis API, for what the key-value API cannot do (counters with expiry,
//! publish/subscribe). Redis is never required: callers get `None` when it is not
//! configured or not reachable, the problem is logged, and they carry on without it.

use spin_sdk::redis::Connection;

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

/// Wakes the webhook deliverer after a change that wrote order events. Best effort: the
/// events are already in the outbox, so a lost wake-up only delays them until the next one.
/// Never fails and never waits for delivery.
pub fn wake_webhooks() {
    let Some(conn) = connect() else { return };
    if let Err(e) = conn.publish(&webhooks_channel(), b"wake") {
        eprintln!("waking the webhook deliverer: {e}");
    }
}
