//! Shared Redis connections, one multiplexed connection per address.
//!
//! Spin opens a new connection for every guest `open` of the Redis API; the host shares
//! one per address instead (a deliberate difference: a TCP connection per request costs
//! more than the commands it carries). What the guest sees is kept: a failed connection
//! reports the Redis client's own error text, as Spin's does.
//!
//! Redis is optional for the application (a cache and rate limits), so an unreachable
//! server must cost little: connecting times out quickly, and after a failure the
//! address is not retried for a short while, so requests fail fast (with the failure's
//! text) instead of each waiting for a timeout.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2);

enum Slot {
    Connected(ConnectionManager),
    /// When it failed, and the error.
    Failed(Instant, String),
}

#[derive(Default)]
pub struct RedisPool(tokio::sync::Mutex<HashMap<String, Slot>>);

impl RedisPool {
    pub async fn get(&self, address: &str) -> Result<ConnectionManager, String> {
        let mut slots = self.0.lock().await;
        match slots.get(address) {
            Some(Slot::Connected(conn)) => return Ok(conn.clone()),
            Some(Slot::Failed(at, error)) if at.elapsed() < RETRY_AFTER_FAILURE => {
                return Err(error.clone());
            }
            _ => {}
        }
        match connect(address).await {
            Ok(conn) => {
                slots.insert(address.to_string(), Slot::Connected(conn.clone()));
                Ok(conn)
            }
            Err(e) => {
                eprintln!("redis at {address} is unavailable: {e}");
                slots.insert(address.to_string(), Slot::Failed(Instant::now(), e.clone()));
                Err(e)
            }
        }
    }

    /// A connection that answers now, for a guest's `open`: Spin connects afresh there,
    /// so `open` fails while the server is down. A shared connection whose server went
    /// away is replaced, and the error is the new connection's.
    pub async fn open(&self, address: &str) -> Result<ConnectionManager, String> {
        let mut conn = self.get(address).await?;
        match redis::cmd("PING").query_async::<()>(&mut conn).await {
            Ok(()) => Ok(conn),
            Err(e) if is_connection_error(&e) => {
                self.forget(address).await;
                self.get(address).await
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Forgets a connection whose server went away, so the next call reconnects (and, if
    /// the server is still gone, fails fast with that attempt's error) instead of
    /// waiting on a dead socket.
    pub async fn forget(&self, address: &str) {
        self.0.lock().await.remove(address);
    }
}

async fn connect(address: &str) -> Result<ConnectionManager, String> {
    let client = redis::Client::open(address).map_err(|e| e.to_string())?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(CONNECT_TIMEOUT)
        .set_response_timeout(RESPONSE_TIMEOUT)
        // No retries of its own (backon waits a second between them): a refused connection
        // reports the refusal at once, as Spin's fresh connection does, and the pool
        // decides when to try again.
        .set_number_of_retries(0);
    tokio::time::timeout(
        CONNECT_TIMEOUT * 2,
        ConnectionManager::new_with_config(client, config),
    )
    .await
    .map_err(|_| "connection timed out".to_string())?
    .map_err(|e| e.to_string())
}

/// Whether an error means the server is gone rather than a bad command.
pub fn is_connection_error(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_timeout() || e.is_connection_refusal()
}
