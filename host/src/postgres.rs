//! `spin:postgres/postgres@4.0.0` as Spin implements it (`crates/factor-outbound-pg` at
//! v3.6.3, and at v4.0.2 where a guest's 4.0.0 import is served by its 4.2.0 host):
//! the same values both ways (see `values`), the same error variants with the same
//! text, the same address checks. For an error met while a `query` streams its rows
//! this follows Spin 4.x. An instance has at most 1,024 connections open at once, as on
//! Spin ([`ConnectionSlots`](crate::state::ConnectionSlots)).
//!
//! Deliberately different: connections. Spin holds one pooled connection (64 per
//! component and address, recycled with `Clean`, no time limits) for the life of a guest
//! connection; here each statement borrows one from a pool per address shared by all
//! components (16, recycled with `Fast`, 5 s limits) and statements are prepared once
//! per pooled connection. So session state (`SET`, temporary tables) does not carry
//! from one statement to the next, as a guest must not rely on it under Spin either.

// The WIT's `error` is what guests receive, so functions return it as it is, however
// large clippy finds it.
#![allow(clippy::result_large_err)]

mod values;

use std::collections::HashMap;
use std::pin::pin;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures::TryStreamExt;
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::types::ToSql;
use wasmtime::component::Resource;

use crate::bindings::spin::postgres4_0_0::postgres::{
    self as wit, Column, Error, ParameterValue, QueryError, RowSet,
};
use crate::outbound::AllowedHosts;
use crate::state::InstanceState;

/// Connections per database address. Small: the services' statements are short and
/// PostgreSQL's own limit is shared by every address.
const POOL_SIZE: usize = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Spin's `MAX_HOST_BUFFERED_BYTES`: the most a `query` result may hold.
const MAX_RESULT_BYTES: usize = 128 << 20;

/// The pools of every address any component has opened, shared by all instances.
#[derive(Default)]
pub struct PgPools(Mutex<HashMap<String, Pool>>);

impl PgPools {
    fn get(&self, address: &str) -> anyhow::Result<Pool> {
        let mut pools = self.0.lock().unwrap();
        if let Some(pool) = pools.get(address) {
            return Ok(pool.clone());
        }
        let pool = build_pool(address)?;
        pools.insert(address.to_string(), pool.clone());
        Ok(pool)
    }
}

/// TLS unless the address says `sslmode=disable`, as Spin does; with the default
/// `prefer` a server that offers TLS must present a certificate the host trusts. Spin
/// uses the system's roots through native-tls, the host Mozilla's through rustls.
fn build_pool(address: &str) -> anyhow::Result<Pool> {
    let mut config = tokio_postgres::Config::from_str(address)?;
    config.connect_timeout(CONNECT_TIMEOUT);
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = if config.get_ssl_mode() == SslMode::Disable {
        Manager::from_config(config, NoTls, manager_config)
    } else {
        Manager::from_config(config, tls_connector(), manager_config)
    };
    Ok(Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()?)
}

fn tls_connector() -> tokio_postgres_rustls::MakeRustlsConnect {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(
        rustls::crypto::ring::default_provider().into(),
    )
    .with_safe_default_protocol_versions()
    .expect("rustls protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_postgres_rustls::MakeRustlsConnect::new(config)
}

/// The host side of a guest's `connection` resource.
pub struct PgConnection {
    pool: Pool,
}

impl wit::Host for InstanceState {}

impl wit::HostConnection for InstanceState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<PgConnection>, Error>> {
        if let Err(e) = check_address(&self.component.allowed_hosts, &address) {
            eprintln!("component `{}`: {e:?}", self.component.id);
            return Ok(Err(e));
        }
        match connect(&self.services.pg, &address).await {
            Ok(_) if !self.pg_connections.take() => Ok(Err(Error::ConnectionFailed(
                "too many connections".to_string(),
            ))),
            Ok(pool) => Ok(Ok(self.table.push(PgConnection { pool })?)),
            // The guest supplied the address: Spin hands back the whole chain of causes.
            Err(e) => Ok(Err(Error::ConnectionFailed(format!("{e:?}")))),
        }
    }

    async fn query(
        &mut self,
        conn: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<RowSet, Error>> {
        let pool = self.table.get(&conn)?.pool.clone();
        Ok(run_query(&pool, &statement, &params).await)
    }

    async fn execute(
        &mut self,
        conn: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let pool = self.table.get(&conn)?.pool.clone();
        Ok(run_execute(&pool, &statement, &params).await)
    }

    async fn drop(&mut self, conn: Resource<PgConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        self.pg_connections.give_back();
        Ok(())
    }
}

/// Spin's check: the address is parsed as tokio-postgres parses it (URL or `key=value`),
/// and every host in it, with its port or the only port given, must be allowed for
/// `postgres`. (Spin 3.6 checks a lone port against the first host only.)
fn check_address(allowed: &AllowedHosts, address: &str) -> Result<(), Error> {
    let config = tokio_postgres::Config::from_str(address)
        .map_err(|e| Error::ConnectionFailed(e.to_string()))?;
    let ports = config.get_ports();
    for (i, host) in config.get_hosts().iter().enumerate() {
        let Host::Tcp(host) = host else {
            return Err(Error::ConnectionFailed(
                "Unix sockets are not supported on WebAssembly".into(),
            ));
        };
        let port = ports.get(i).or_else(|| {
            if ports.len() == 1 {
                ports.first()
            } else {
                None
            }
        });
        if !allowed.allows("postgres", host, port.copied().unwrap_or(5432)) {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            return Err(Error::ConnectionFailed(format!(
                "address postgres://{host}{port} is not permitted"
            )));
        }
    }
    Ok(())
}

/// The address's pool, once a connection from it has proved the address works: Spin
/// connects when the guest opens, so a wrong address or password fails `open`.
async fn connect(pools: &PgPools, address: &str) -> anyhow::Result<Pool> {
    let pool = pools
        .get(address)
        .context("establishing PostgreSQL connection pool")?;
    drop(pool.get().await?);
    Ok(pool)
}

/// A pooled connection for one statement. Under Spin the statement would run on the
/// guest connection's own, and a broken one fails it as a `text` query error.
async fn checkout(pool: &Pool) -> Result<deadpool_postgres::Object, Error> {
    pool.get()
        .await
        .map_err(|e| text_error(format!("{:?}", anyhow::Error::from(e))))
}

/// Each parameter as the Rust value Spin binds it as; the first invalid one fails them all.
fn bind(params: &[ParameterValue]) -> anyhow::Result<Vec<Box<dyn ToSql + Send + Sync>>> {
    params.iter().map(values::to_sql).collect()
}

fn as_refs(
    params: &[Box<dyn ToSql + Send + Sync>],
) -> impl ExactSizeIterator<Item = &(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync))
}

/// Spin's `query`: rows are read as they stream; an error met there (a constraint
/// violated by `INSERT ... RETURNING`, a column that cannot be read) is a `text` error,
/// while one met before the first row (a bad statement, a refused parameter) keeps its
/// own variant.
async fn run_query(
    pool: &Pool,
    statement: &str,
    params: &[ParameterValue],
) -> Result<RowSet, Error> {
    let params = bind(params).map_err(|e| Error::BadParameter(format!("{e:?}")))?;
    let client = checkout(pool).await?;
    let prepared = client
        .prepare_cached(statement)
        .await
        .map_err(query_failed)?;
    let mut stream = pin!(
        client
            .query_raw(&prepared, as_refs(&params))
            .await
            .map_err(query_failed)?
    );
    let mut rows = Vec::new();
    let mut bytes = std::mem::size_of::<RowSet>();
    while let Some(row) = stream
        .try_next()
        .await
        .map_err(|e| while_streaming(query_failed(e)))?
    {
        let row = (0..row.len())
            .map(|i| values::db_value(&row, i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| while_streaming(text_error(format!("{:?}", anyhow::Error::from(e)))))?;
        bytes += row.iter().map(values::memory_size).sum::<usize>();
        if bytes > MAX_RESULT_BYTES {
            return Err(text_error(format!(
                "query result exceeds limit of {MAX_RESULT_BYTES} bytes"
            )));
        }
        rows.push(row);
    }
    // Spin takes the columns from the first row, so a result without rows has none
    // (3.6; 4.0.0 to 4.0.2 never answer such a query, later 4.x name them).
    let columns = if rows.is_empty() {
        Vec::new()
    } else {
        prepared
            .columns()
            .iter()
            .map(|c| Column {
                name: c.name().to_owned(),
                data_type: values::data_type(c.type_()),
            })
            .collect()
    };
    Ok(RowSet { columns, rows })
}

/// Spin's `execute`: every failure keeps its own variant, and an invalid parameter is a
/// `value-conversion-failed` here where `query` says `bad-parameter`.
async fn run_execute(
    pool: &Pool,
    statement: &str,
    params: &[ParameterValue],
) -> Result<u64, Error> {
    let params = bind(params).map_err(|e| Error::ValueConversionFailed(format!("{e:?}")))?;
    let client = checkout(pool).await?;
    let prepared = client
        .prepare_cached(statement)
        .await
        .map_err(query_failed)?;
    client
        .execute_raw(&prepared, as_refs(&params))
        .await
        .map_err(query_failed)
}

fn text_error(text: String) -> Error {
    Error::QueryFailed(QueryError::Text(text))
}

/// Spin 4.x passes an error met while streaming through `anyhow` into a `text` error:
/// what the guest reads is the first error's `Debug` (Spin 3.6 gives tokio-postgres'
/// own `anyhow` chain there instead).
fn while_streaming(first: Error) -> Error {
    text_error(format!("{first:?}"))
}

/// A tokio-postgres error as Spin reports it: the server's errors as `db-error` with its
/// fields, anything else as `text`; both carry the error's `Debug`.
fn query_failed(e: tokio_postgres::Error) -> Error {
    let flattened = format!("{e:?}");
    let Some(db) = e.as_db_error() else {
        return text_error(flattened);
    };
    let extras = [
        ("column", db.column().map(str::to_owned)),
        ("constraint", db.constraint().map(str::to_owned)),
        ("routine", db.routine().map(str::to_owned)),
        ("hint", db.hint().map(str::to_owned)),
        ("table", db.table().map(str::to_owned)),
        ("datatype", db.datatype().map(str::to_owned)),
        ("schema", db.schema().map(str::to_owned)),
        ("file", db.file().map(str::to_owned)),
        ("line", db.line().map(|l| l.to_string())),
        ("where_", db.where_().map(str::to_owned)),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_owned(), value?)))
    .collect();
    Error::QueryFailed(QueryError::DbError(wit::DbError {
        as_text: flattened,
        severity: db.severity().to_owned(),
        code: db.code().code().to_owned(),
        message: db.message().to_owned(),
        detail: db.detail().map(str::to_owned),
        extras,
    }))
}
