//! `fermyon:spin/redis@2.0.0`: Redis commands from guests.

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use wasmtime::component::Resource;

use crate::bindings::fermyon::spin2_0_0::redis::{
    self as wit, Error, Payload, RedisParameter, RedisResult,
};
use crate::state::InstanceState;

/// The host side of a guest's `connection` resource.
pub struct RedisConnection {
    address: String,
    conn: ConnectionManager,
}

impl InstanceState {
    async fn redis<T>(
        &mut self,
        conn: &Resource<RedisConnection>,
        op: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> wasmtime::Result<Result<T, Error>> {
        let entry = self.table.get(conn)?;
        let address = entry.address.clone();
        let mut connection = entry.conn.clone();
        Ok(match op(&mut connection).await {
            Ok(value) => Ok(value),
            Err(e) => {
                if crate::redis_pool::is_connection_error(&e) {
                    self.services.redis.mark_failed(&address).await;
                }
                Err(match e.kind() {
                    redis::ErrorKind::TypeError => Error::TypeError,
                    _ => Error::Other(e.to_string()),
                })
            }
        })
    }
}

impl wit::Host for InstanceState {}

impl wit::HostConnection for InstanceState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<RedisConnection>, Error>> {
        match self.component.allowed_hosts.allows_url(&address) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!(
                    "component `{}` may not connect to redis at {address}: add it to allowed_outbound_hosts",
                    self.component.id
                );
                return Ok(Err(Error::InvalidAddress));
            }
            Err(_) => return Ok(Err(Error::InvalidAddress)),
        }
        match self.services.redis.get(&address).await {
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
        self.redis(&c, async |conn| {
            conn.publish::<_, _, ()>(channel, payload).await
        })
        .await
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Payload>, Error>> {
        self.redis(&c, async |conn| conn.get::<_, Option<Vec<u8>>>(key).await)
            .await
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        self.redis(&c, async |conn| conn.set::<_, _, ()>(key, value).await)
            .await
    }

    async fn incr(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, Error>> {
        self.redis(&c, async |conn| conn.incr::<_, _, i64>(key, 1).await)
            .await
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        self.redis(&c, async |conn| conn.del::<_, u32>(keys).await)
            .await
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        self.redis(&c, async |conn| conn.sadd::<_, _, u32>(key, values).await)
            .await
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        self.redis(&c, async |conn| conn.smembers::<_, Vec<String>>(key).await)
            .await
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        self.redis(&c, async |conn| conn.srem::<_, _, u32>(key, values).await)
            .await
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
        self.redis(&c, async |conn| {
            cmd.query_async::<redis::Value>(conn).await.map(flatten)
        })
        .await
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}

/// A reply as the WIT's flat list of results (array replies are spread out).
fn flatten(value: redis::Value) -> Vec<RedisResult> {
    use redis::Value as V;
    match value {
        V::Nil => vec![RedisResult::Nil],
        V::Int(i) => vec![RedisResult::Int64(i)],
        V::BulkString(bytes) => vec![RedisResult::Binary(bytes)],
        V::SimpleString(s) => vec![RedisResult::Status(s)],
        V::Okay => vec![RedisResult::Status("OK".to_string())],
        V::Array(items) | V::Set(items) => items.into_iter().flat_map(flatten).collect(),
        V::Map(pairs) => pairs
            .into_iter()
            .flat_map(|(k, v)| flatten(k).into_iter().chain(flatten(v)))
            .collect(),
        V::Double(d) => vec![RedisResult::Binary(d.to_string().into_bytes())],
        V::Boolean(b) => vec![RedisResult::Int64(i64::from(b))],
        V::VerbatimString { text, .. } => vec![RedisResult::Binary(text.into_bytes())],
        V::BigNumber(n) => vec![RedisResult::Binary(n.to_string().into_bytes())],
        V::Attribute { data, .. } => flatten(*data),
        V::Push { data, .. } => data.into_iter().flat_map(flatten).collect(),
        V::ServerError(e) => vec![RedisResult::Status(format!("{e:?}"))],
    }
}
