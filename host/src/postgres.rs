//! `spin:postgres/postgres@4.0.0` on a pooled `tokio-postgres` connection per address.
//!
//! TLS with certificate verification is used unless the address says
//! `sslmode=disable`, as Spin does. Every parameter and column type of the WIT is
//! mapped both ways; anything else comes back as `unsupported` raw bytes.

// The WIT's `error` is what guests receive, so functions return it as it is, however
// large clippy finds it.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::error::Error as StdError;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use bytes::BytesMut;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use postgres_protocol::types as pgtypes;
use rust_decimal::Decimal;
use tokio_postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use tokio_postgres::{NoTls, Row};
use wasmtime::component::Resource;

use crate::bindings::spin::postgres4_0_0::postgres::{
    self as wit, Column, DbDataType, DbValue, Error, Interval, ParameterValue, QueryError,
    RangeBoundKind, RowSet,
};
use crate::state::InstanceState;

/// Connections per database address. Small: the services' statements are short and
/// PostgreSQL's own limit is shared by every address.
const POOL_SIZE: usize = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The pools of every address any component has opened, shared by all instances.
#[derive(Default)]
pub struct PgPools(Mutex<HashMap<String, Pool>>);

impl PgPools {
    fn get(&self, address: &str) -> Result<Pool, Error> {
        let mut pools = self.0.lock().unwrap();
        if let Some(pool) = pools.get(address) {
            return Ok(pool.clone());
        }
        let pool = build_pool(address)?;
        pools.insert(address.to_string(), pool.clone());
        Ok(pool)
    }
}

fn build_pool(address: &str) -> Result<Pool, Error> {
    let mut config = tokio_postgres::Config::from_str(address)
        .map_err(|e| Error::ConnectionFailed(format!("invalid address: {e}")))?;
    config.connect_timeout(CONNECT_TIMEOUT);
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = if config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable {
        Manager::from_config(config, NoTls, manager_config)
    } else {
        Manager::from_config(config, tls_connector(), manager_config)
    };
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| Error::ConnectionFailed(e.to_string()))
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
        match self.component.allowed_hosts.allows_url(&address) {
            Ok(true) => {}
            Ok(false) => {
                let msg = format!(
                    "component `{}` may not connect to {}: add it to allowed_outbound_hosts",
                    self.component.id,
                    redact(&address)
                );
                eprintln!("{msg}");
                return Ok(Err(Error::ConnectionFailed(msg)));
            }
            Err(e) => {
                return Ok(Err(Error::ConnectionFailed(format!(
                    "invalid address: {e}"
                ))));
            }
        }
        let pool = match self.services.pg.get(&address) {
            Ok(pool) => pool,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(self.table.push(PgConnection { pool })?))
    }

    async fn query(
        &mut self,
        conn: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<RowSet, Error>> {
        let pool = self.table.get(&conn)?.pool.clone();
        Ok(run_query(&pool, &statement, params).await)
    }

    async fn execute(
        &mut self,
        conn: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let pool = self.table.get(&conn)?.pool.clone();
        Ok(run_execute(&pool, &statement, params).await)
    }

    async fn drop(&mut self, conn: Resource<PgConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

/// A pooled connection with `statement` prepared (and cached on that connection).
async fn prepare(
    pool: &Pool,
    statement: &str,
) -> Result<(deadpool_postgres::Object, tokio_postgres::Statement), Error> {
    let client = pool
        .get()
        .await
        .map_err(|e| Error::ConnectionFailed(format!("{e}")))?;
    let prepared = client
        .prepare_cached(statement)
        .await
        .map_err(query_error)?;
    Ok((client, prepared))
}

fn params_of(params: Vec<ParameterValue>) -> Vec<Param> {
    params.into_iter().map(Param).collect()
}

fn as_refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

async fn run_query(
    pool: &Pool,
    statement: &str,
    params: Vec<ParameterValue>,
) -> Result<RowSet, Error> {
    let (client, prepared) = prepare(pool, statement).await?;
    let params = params_of(params);
    let rows = client
        .query(&prepared, &as_refs(&params))
        .await
        .map_err(query_error)?;
    let columns = prepared
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_string(),
            data_type: data_type(c.type_()),
        })
        .collect();
    let rows = rows
        .iter()
        .map(convert_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RowSet { columns, rows })
}

async fn run_execute(
    pool: &Pool,
    statement: &str,
    params: Vec<ParameterValue>,
) -> Result<u64, Error> {
    let (client, prepared) = prepare(pool, statement).await?;
    let params = params_of(params);
    client
        .execute(&prepared, &as_refs(&params))
        .await
        .map_err(query_error)
}

fn query_error(e: tokio_postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let mut extras = Vec::new();
        let mut extra = |name: &str, value: Option<&str>| {
            if let Some(v) = value {
                extras.push((name.to_string(), v.to_string()));
            }
        };
        extra("hint", db.hint());
        extra("schema", db.schema());
        extra("table", db.table());
        extra("column", db.column());
        extra("constraint", db.constraint());
        return Error::QueryFailed(QueryError::DbError(wit::DbError {
            as_text: db.to_string(),
            severity: db.severity().to_string(),
            code: db.code().code().to_string(),
            message: db.message().to_string(),
            detail: db.detail().map(str::to_string),
            extras,
        }));
    }
    // Not from the server: the connection broke or a value could not be converted.
    let mut text = e.to_string();
    if let Some(source) = e.source() {
        text = format!("{text}: {source}");
    }
    if e.is_closed() {
        Error::ConnectionFailed(text)
    } else {
        Error::QueryFailed(QueryError::Text(text))
    }
}

fn redact(address: &str) -> String {
    match url::Url::parse(address) {
        Ok(mut url) => {
            let _ = url.set_password(None);
            url.set_query(None);
            url.to_string()
        }
        Err(_) => "an invalid address".to_string(),
    }
}

/// The column type as the WIT names it.
fn data_type(ty: &Type) -> DbDataType {
    match *ty {
        Type::BOOL => DbDataType::Boolean,
        Type::CHAR => DbDataType::Int8,
        Type::INT2 => DbDataType::Int16,
        Type::INT4 => DbDataType::Int32,
        Type::INT8 => DbDataType::Int64,
        Type::FLOAT4 => DbDataType::Floating32,
        Type::FLOAT8 => DbDataType::Floating64,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => DbDataType::Str,
        Type::BYTEA => DbDataType::Binary,
        Type::DATE => DbDataType::Date,
        Type::TIME => DbDataType::Time,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => DbDataType::Datetime,
        Type::UUID => DbDataType::Uuid,
        Type::JSON | Type::JSONB => DbDataType::Jsonb,
        Type::NUMERIC => DbDataType::Decimal,
        Type::INT4_RANGE => DbDataType::RangeInt32,
        Type::INT8_RANGE => DbDataType::RangeInt64,
        Type::NUM_RANGE => DbDataType::RangeDecimal,
        Type::INT4_ARRAY => DbDataType::ArrayInt32,
        Type::INT8_ARRAY => DbDataType::ArrayInt64,
        Type::NUMERIC_ARRAY => DbDataType::ArrayDecimal,
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY | Type::BPCHAR_ARRAY => DbDataType::ArrayStr,
        Type::INTERVAL => DbDataType::Interval,
        _ => DbDataType::Other(ty.name().to_string()),
    }
}

fn convert_row(row: &Row) -> Result<Vec<DbValue>, Error> {
    (0..row.len()).map(|i| convert_value(row, i)).collect()
}

fn convert_value(row: &Row, i: usize) -> Result<DbValue, Error> {
    fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<Option<T>, Error> {
        row.try_get::<_, Option<T>>(i)
            .map_err(|e| Error::ValueConversionFailed(format!("column {i}: {e}")))
    }
    let ty = row.columns()[i].type_().clone();
    let value = match ty {
        Type::BOOL => get::<bool>(row, i)?.map(DbValue::Boolean),
        Type::CHAR => get::<i8>(row, i)?.map(DbValue::Int8),
        Type::INT2 => get::<i16>(row, i)?.map(DbValue::Int16),
        Type::INT4 => get::<i32>(row, i)?.map(DbValue::Int32),
        Type::INT8 => get::<i64>(row, i)?.map(DbValue::Int64),
        Type::FLOAT4 => get::<f32>(row, i)?.map(DbValue::Floating32),
        Type::FLOAT8 => get::<f64>(row, i)?.map(DbValue::Floating64),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            get::<String>(row, i)?.map(DbValue::Str)
        }
        Type::BYTEA => get::<Vec<u8>>(row, i)?.map(DbValue::Binary),
        Type::DATE => get::<NaiveDate>(row, i)?
            .map(|d| DbValue::Date((d.year(), d.month() as u8, d.day() as u8))),
        Type::TIME => get::<NaiveTime>(row, i)?.map(|t| DbValue::Time(time_tuple(&t))),
        Type::TIMESTAMP => {
            get::<NaiveDateTime>(row, i)?.map(|t| DbValue::Datetime(datetime_tuple(&t)))
        }
        Type::TIMESTAMPTZ => {
            get::<DateTime<Utc>>(row, i)?.map(|t| DbValue::Datetime(datetime_tuple(&t.naive_utc())))
        }
        Type::UUID => get::<uuid::Uuid>(row, i)?.map(|u| DbValue::Uuid(u.to_string())),
        Type::JSON | Type::JSONB => get::<serde_json::Value>(row, i)?
            .map(|v| DbValue::Jsonb(serde_json::to_vec(&v).unwrap_or_default())),
        Type::NUMERIC => get::<Decimal>(row, i)?.map(|d| DbValue::Decimal(d.to_string())),
        Type::INT4_RANGE => {
            get::<Range<i32>>(row, i)?.map(|r| DbValue::RangeInt32((r.lower, r.upper)))
        }
        Type::INT8_RANGE => {
            get::<Range<i64>>(row, i)?.map(|r| DbValue::RangeInt64((r.lower, r.upper)))
        }
        Type::NUM_RANGE => get::<Range<Decimal>>(row, i)?.map(|r| {
            let text = |b: Option<(Decimal, RangeBoundKind)>| b.map(|(v, k)| (v.to_string(), k));
            DbValue::RangeDecimal((text(r.lower), text(r.upper)))
        }),
        Type::INT4_ARRAY => get::<Vec<Option<i32>>>(row, i)?.map(DbValue::ArrayInt32),
        Type::INT8_ARRAY => get::<Vec<Option<i64>>>(row, i)?.map(DbValue::ArrayInt64),
        Type::NUMERIC_ARRAY => get::<Vec<Option<Decimal>>>(row, i)?.map(|v| {
            DbValue::ArrayDecimal(v.into_iter().map(|d| d.map(|d| d.to_string())).collect())
        }),
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY | Type::BPCHAR_ARRAY => {
            get::<Vec<Option<String>>>(row, i)?.map(DbValue::ArrayStr)
        }
        Type::INTERVAL => get::<PgInterval>(row, i)?.map(|v| DbValue::Interval(v.0)),
        _ => get::<RawBytes>(row, i)?.map(|b| DbValue::Unsupported(b.0)),
    };
    Ok(value.unwrap_or(DbValue::DbNull))
}

fn time_tuple(t: &NaiveTime) -> (u8, u8, u8, u32) {
    (
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond(),
    )
}

fn datetime_tuple(t: &NaiveDateTime) -> (i32, u8, u8, u8, u8, u8, u32) {
    (
        t.year(),
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond(),
    )
}

/// A guest parameter, encoded for whatever type the statement expects; a mismatch is
/// reported by tokio-postgres as a conversion error, never sent as wrong bytes.
#[derive(Debug)]
struct Param(ParameterValue);

type BoxError = Box<dyn StdError + Sync + Send>;

fn bad(msg: String) -> BoxError {
    msg.into()
}

impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        use ParameterValue as P;
        match &self.0 {
            P::Boolean(v) => v.to_sql_checked(ty, out),
            P::Int8(v) => v.to_sql_checked(ty, out),
            P::Int16(v) => v.to_sql_checked(ty, out),
            P::Int32(v) => v.to_sql_checked(ty, out),
            P::Int64(v) => v.to_sql_checked(ty, out),
            P::Floating32(v) => v.to_sql_checked(ty, out),
            P::Floating64(v) => v.to_sql_checked(ty, out),
            P::Str(v) => v.to_sql_checked(ty, out),
            P::Binary(v) => v.to_sql_checked(ty, out),
            P::Date((y, m, d)) => NaiveDate::from_ymd_opt(*y, u32::from(*m), u32::from(*d))
                .ok_or_else(|| bad(format!("invalid date {y}-{m}-{d}")))?
                .to_sql_checked(ty, out),
            P::Time(t) => naive_time(*t)?.to_sql_checked(ty, out),
            P::Datetime((y, mo, d, h, mi, s, ns)) => {
                let date = NaiveDate::from_ymd_opt(*y, u32::from(*mo), u32::from(*d))
                    .ok_or_else(|| bad(format!("invalid date {y}-{mo}-{d}")))?;
                let datetime = date.and_time(naive_time((*h, *mi, *s, *ns))?);
                encode_datetime(datetime, ty, out)
            }
            P::Timestamp(secs) => {
                let t = DateTime::from_timestamp(*secs, 0)
                    .ok_or_else(|| bad(format!("invalid timestamp {secs}")))?;
                encode_datetime(t.naive_utc(), ty, out)
            }
            P::Uuid(v) => uuid::Uuid::parse_str(v)
                .map_err(|e| bad(format!("invalid UUID: {e}")))?
                .to_sql_checked(ty, out),
            P::Jsonb(bytes) => serde_json::from_slice::<serde_json::Value>(bytes)
                .map_err(|e| bad(format!("invalid JSON: {e}")))?
                .to_sql_checked(ty, out),
            P::Decimal(v) => decimal(v)?.to_sql_checked(ty, out),
            P::RangeInt32((lo, hi)) => Range {
                lower: *lo,
                upper: *hi,
            }
            .to_sql_checked(ty, out),
            P::RangeInt64((lo, hi)) => Range {
                lower: *lo,
                upper: *hi,
            }
            .to_sql_checked(ty, out),
            P::RangeDecimal((lo, hi)) => {
                let bound = |b: &Option<(String, RangeBoundKind)>| -> Result<_, BoxError> {
                    b.as_ref().map(|(v, k)| Ok((decimal(v)?, *k))).transpose()
                };
                Range {
                    lower: bound(lo)?,
                    upper: bound(hi)?,
                }
                .to_sql_checked(ty, out)
            }
            P::ArrayInt32(v) => v.to_sql_checked(ty, out),
            P::ArrayInt64(v) => v.to_sql_checked(ty, out),
            P::ArrayDecimal(v) => v
                .iter()
                .map(|d| d.as_deref().map(decimal).transpose())
                .collect::<Result<Vec<_>, _>>()?
                .to_sql_checked(ty, out),
            P::ArrayStr(v) => v.to_sql_checked(ty, out),
            P::Interval(v) => PgInterval(*v).to_sql_checked(ty, out),
            P::DbNull => Ok(IsNull::Yes),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Each variant checks its own type in `to_sql`.
        true
    }

    to_sql_checked!();
}

fn naive_time((h, m, s, ns): (u8, u8, u8, u32)) -> Result<NaiveTime, BoxError> {
    NaiveTime::from_hms_nano_opt(u32::from(h), u32::from(m), u32::from(s), ns)
        .ok_or_else(|| bad(format!("invalid time {h}:{m}:{s}.{ns}")))
}

fn decimal(text: &str) -> Result<Decimal, BoxError> {
    Decimal::from_str_exact(text.trim()).map_err(|e| bad(format!("invalid decimal {text:?}: {e}")))
}

/// The WIT's date-times are UTC: stored as-is in `timestamp`, as UTC in `timestamptz`.
fn encode_datetime(t: NaiveDateTime, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    if *ty == Type::TIMESTAMPTZ {
        t.and_utc().to_sql_checked(ty, out)
    } else {
        t.to_sql_checked(ty, out)
    }
}

/// A range with optional bounds, as the WIT models it.
struct Range<T> {
    lower: Option<(T, RangeBoundKind)>,
    upper: Option<(T, RangeBoundKind)>,
}

fn bound_kind(inclusive: bool) -> RangeBoundKind {
    if inclusive {
        RangeBoundKind::Inclusive
    } else {
        RangeBoundKind::Exclusive
    }
}

impl<'a, T: FromSql<'a>> FromSql<'a> for Range<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let Kind::Range(inner) = ty.kind() else {
            return Err(bad(format!("{ty} is not a range")));
        };
        match pgtypes::range_from_sql(raw)? {
            pgtypes::Range::Empty => Ok(Range {
                lower: None,
                upper: None,
            }),
            pgtypes::Range::Nonempty(lo, hi) => {
                let bound = |b: pgtypes::RangeBound<Option<&'a [u8]>>| -> Result<_, BoxError> {
                    match b {
                        pgtypes::RangeBound::Inclusive(Some(v)) => {
                            Ok(Some((T::from_sql(inner, v)?, bound_kind(true))))
                        }
                        pgtypes::RangeBound::Exclusive(Some(v)) => {
                            Ok(Some((T::from_sql(inner, v)?, bound_kind(false))))
                        }
                        _ => Ok(None),
                    }
                };
                Ok(Range {
                    lower: bound(lo)?,
                    upper: bound(hi)?,
                })
            }
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Range(inner) if T::accepts(inner))
    }
}

impl<T: ToSql> ToSql for Range<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let Kind::Range(inner) = ty.kind() else {
            return Err(bad(format!("{ty} is not a range")));
        };
        let encode = |b: &Option<(T, RangeBoundKind)>,
                      buf: &mut BytesMut|
         -> Result<pgtypes::RangeBound<postgres_protocol::IsNull>, BoxError> {
            Ok(match b {
                None => pgtypes::RangeBound::Unbounded,
                Some((v, kind)) => {
                    let is_null = match v.to_sql(inner, buf)? {
                        IsNull::Yes => postgres_protocol::IsNull::Yes,
                        IsNull::No => postgres_protocol::IsNull::No,
                    };
                    match kind {
                        RangeBoundKind::Inclusive => pgtypes::RangeBound::Inclusive(is_null),
                        RangeBoundKind::Exclusive => pgtypes::RangeBound::Exclusive(is_null),
                    }
                }
            })
        };
        pgtypes::range_to_sql(
            |buf| encode(&self.lower, buf),
            |buf| encode(&self.upper, buf),
            out,
        )?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Range(inner) if T::accepts(inner))
    }

    to_sql_checked!();
}

impl<T> std::fmt::Debug for Range<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Range")
    }
}

/// `interval`: microseconds, days and months, in PostgreSQL's binary layout.
#[derive(Debug)]
struct PgInterval(Interval);

impl<'a> FromSql<'a> for PgInterval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        if raw.len() != 16 {
            return Err(bad("interval must be 16 bytes".into()));
        }
        let micros = i64::from_be_bytes(raw[0..8].try_into()?);
        let days = i32::from_be_bytes(raw[8..12].try_into()?);
        let months = i32::from_be_bytes(raw[12..16].try_into()?);
        Ok(PgInterval(Interval {
            micros,
            days,
            months,
        }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

impl ToSql for PgInterval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0.micros.to_be_bytes());
        out.extend_from_slice(&self.0.days.to_be_bytes());
        out.extend_from_slice(&self.0.months.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    to_sql_checked!();
}

/// Any other column type, passed on as its binary representation.
struct RawBytes(Vec<u8>);

impl<'a> FromSql<'a> for RawBytes {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(RawBytes(raw.to_vec()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
