//! `fermyon:spin/redis@2.0.0`: Redis commands from guests, with the errors of Spin's
//! `factor-outbound-redis` (v3.6.3 and v4.0.2 agree): an address the component may not
//! reach, or that is no Redis URL, is `invalid-address`; a failed connection or command is
//! `other` with the Redis client's text, except a failed conversion of `sadd`'s answer,
//! which is `type-error`; an answer larger than Spin's buffer limit is refused, and so is
//! an `execute` answer the WIT cannot carry (maps, attributes, pushes, verbatim strings).
//!
//! As on Spin, an instance has at most 1,024 connections open at once
//! ([`ConnectionSlots`](crate::state::ConnectionSlots)): one more is
//! `too-many-connections`.

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, ErrorKind, RedisError};
use wasmtime::component::Resource;

use crate::bindings::fermyon::spin2_0_0::redis::{
    self as wit, Error, Payload, RedisParameter, RedisResult,
};
use crate::state::InstanceState;

/// Spin's `MAX_HOST_BUFFERED_BYTES`: the most one host call buffers for its answer.
pub const MAX_HOST_BUFFERED_BYTES: usize = 128 << 20;

/// `value` when its `size`, as Spin counts it, is within the limit; else Spin's error.
pub fn within_buffer_limit<T>(value: T, size: usize) -> Result<T, String> {
    if size > MAX_HOST_BUFFERED_BYTES {
        Err(format!(
            "query result exceeds limit of {MAX_HOST_BUFFERED_BYTES} bytes"
        ))
    } else {
        Ok(value)
    }
}

/// The host side of a guest's `connection` resource.
pub struct RedisConnection {
    address: String,
    conn: ConnectionManager,
}

fn other(e: RedisError) -> Error {
    Error::Other(e.to_string())
}

impl InstanceState {
    async fn redis<T>(
        &mut self,
        conn: &Resource<RedisConnection>,
        op: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> wasmtime::Result<redis::RedisResult<T>> {
        let entry = self.table.get(conn)?;
        let address = entry.address.clone();
        let mut connection = entry.conn.clone();
        let result = op(&mut connection).await;
        if let Err(e) = &result
            && crate::redis_pool::is_connection_error(e)
        {
            self.services.redis.forget(&address).await;
        }
        Ok(result)
    }
}

impl wit::Host for InstanceState {}

impl wit::HostConnection for InstanceState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<RedisConnection>, Error>> {
        if !self
            .component
            .allowed_hosts
            .allows_url(&address)
            .unwrap_or(false)
        {
            eprintln!(
                "component `{}` may not connect to redis at {address}: add it to allowed_outbound_hosts",
                self.component.id
            );
            return Ok(Err(Error::InvalidAddress));
        }
        if redis::Client::open(address.as_str()).is_err() {
            return Ok(Err(Error::InvalidAddress));
        }
        match self.services.redis.open(&address).await {
            Ok(_) if !self.redis_connections.take() => Ok(Err(Error::TooManyConnections)),
            Ok(conn) => Ok(Ok(self.table.push(RedisConnection { address, conn })?)),
            Err(e) => Ok(Err(Error::Other(e))),
        }
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        let published = self
            .redis(&c, async |conn| {
                conn.publish::<_, _, ()>(channel, payload).await
            })
            .await?;
        Ok(published.map_err(other))
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Payload>, Error>> {
        let value = self
            .redis(&c, async |conn| conn.get::<_, Option<Vec<u8>>>(key).await)
            .await?;
        Ok(value.map_err(other).and_then(|value| {
            let size = size_of::<Option<Vec<u8>>>() + value.as_ref().map_or(0, Vec::len);
            within_buffer_limit(value, size).map_err(Error::Other)
        }))
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        let set = self
            .redis(&c, async |conn| conn.set::<_, _, ()>(key, value).await)
            .await?;
        Ok(set.map_err(other))
    }

    async fn incr(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, Error>> {
        let value = self
            .redis(&c, async |conn| conn.incr::<_, _, i64>(key, 1).await)
            .await?;
        Ok(value.map_err(other))
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let deleted = self
            .redis(&c, async |conn| conn.del::<_, u32>(keys).await)
            .await?;
        Ok(deleted.map_err(other))
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let added = self
            .redis(&c, async |conn| conn.sadd::<_, _, u32>(key, values).await)
            .await?;
        Ok(added.map_err(|e| match e.kind() {
            ErrorKind::TypeError => Error::TypeError,
            _ => other(e),
        }))
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let members = self
            .redis(&c, async |conn| conn.smembers::<_, Vec<String>>(key).await)
            .await?;
        Ok(members.map_err(other))
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let removed = self
            .redis(&c, async |conn| conn.srem::<_, _, u32>(key, values).await)
            .await?;
        Ok(removed.map_err(other))
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> wasmtime::Result<Result<Vec<RedisResult>, Error>> {
        let mut cmd = redis::cmd(&command);
        for argument in arguments {
            match argument {
                RedisParameter::Int64(v) => cmd.arg(v),
                RedisParameter::Binary(v) => cmd.arg(v),
            };
        }
        let reply = self
            .redis(&c, async |conn| cmd.query_async::<redis::Value>(conn).await)
            .await?;
        Ok(reply
            .and_then(|value| {
                let mut results = Vec::new();
                flatten(value, &mut results)?;
                Ok(results)
            })
            .map_err(other)
            .and_then(|results| {
                let size =
                    size_of::<Vec<RedisResult>>() + results.iter().map(memory_size).sum::<usize>();
                within_buffer_limit(results, size).map_err(Error::Other)
            }))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        self.redis_connections.give_back();
        Ok(())
    }
}

/// Appends a reply to the WIT's flat list of results (arrays are spread out), refusing
/// what Spin refuses, with Spin's messages.
fn flatten(value: redis::Value, out: &mut Vec<RedisResult>) -> redis::RedisResult<()> {
    use redis::Value as V;
    let unsupported = |what: &str| {
        Err(RedisError::from((
            ErrorKind::TypeError,
            "Could not convert Redis response",
            format!("Redis {what} is not supported"),
        )))
    };
    match value {
        V::Nil => out.push(RedisResult::Nil),
        V::Int(i) => out.push(RedisResult::Int64(i)),
        V::BulkString(bytes) => out.push(RedisResult::Binary(bytes)),
        V::SimpleString(s) => out.push(RedisResult::Status(s)),
        V::Okay => out.push(RedisResult::Status("OK".to_string())),
        V::Array(items) | V::Set(items) => {
            for item in items {
                flatten(item, out)?;
            }
        }
        V::Double(d) => out.push(RedisResult::Binary(d.to_string().into_bytes())),
        V::Boolean(b) => out.push(RedisResult::Int64(i64::from(b))),
        V::BigNumber(n) => out.push(RedisResult::Binary(n.to_string().into_bytes())),
        V::Map(_) => return unsupported("Map type"),
        V::Attribute { .. } => return unsupported("Attribute type"),
        V::VerbatimString { .. } => return unsupported("string with format attribute"),
        V::Push { .. } => return unsupported("Pub/Sub types"),
        V::ServerError(e) => {
            return Err(RedisError::from((
                ErrorKind::ResponseError,
                "Server error",
                format!("{e:?}"),
            )));
        }
    }
    Ok(())
}

/// A result's size as Spin counts it against the buffer limit.
fn memory_size(value: &RedisResult) -> usize {
    size_of::<RedisResult>()
        + match value {
            RedisResult::Nil | RedisResult::Int64(_) => 0,
            RedisResult::Binary(b) => b.len(),
            RedisResult::Status(s) => s.len(),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(value: redis::Value) -> Result<Vec<RedisResult>, String> {
        let mut out = Vec::new();
        flatten(value, &mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn replies_flatten_as_in_spin() {
        use redis::Value as V;
        let got = flat(V::Array(vec![
            V::Int(1),
            V::Nil,
            V::Array(vec![V::BulkString(b"x".to_vec())]),
            V::Okay,
            V::Boolean(true),
        ]))
        .unwrap();
        assert_eq!(
            format!("{got:?}"),
            "[RedisResult::Int64(1), RedisResult::Nil, RedisResult::Binary([120]), \
             RedisResult::Status(\"OK\"), RedisResult::Int64(1)]"
        );
        assert_eq!(
            flat(V::Array(vec![V::Int(1), V::Map(vec![])])).unwrap_err(),
            "Could not convert Redis response - TypeError: Redis Map type is not supported"
        );
    }

    #[test]
    fn the_buffer_limit_is_spins() {
        assert_eq!(within_buffer_limit((), MAX_HOST_BUFFERED_BYTES), Ok(()));
        assert_eq!(
            within_buffer_limit((), MAX_HOST_BUFFERED_BYTES + 1).unwrap_err(),
            "query result exceeds limit of 134217728 bytes"
        );
    }
}
