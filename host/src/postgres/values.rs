//! Values across `spin:postgres`, both ways, with the Rust types Spin converts them with
//! (`crates/factor-outbound-pg/src/types.rs` at v3.6.3 and v4.0.2): tokio-postgres then
//! accepts and refuses exactly what it does under Spin. Notably a `timestamptz` column is
//! reported as `datetime` but read as `NaiveDateTime`, which fails, and a `datetime`
//! parameter is bound as `NaiveDateTime`, which a `timestamptz` placeholder refuses.

use anyhow::{Context, anyhow};
use bytes::{BufMut, BytesMut};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use postgres_range::{BoundSided, BoundType, Normalizable, Range, RangeBound};
use rust_decimal::Decimal;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::bindings::spin::postgres4_0_0::postgres::{
    DbDataType, DbValue, Interval, ParameterValue, RangeBoundKind,
};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// The column type as Spin reports it; anything it does not list is `other(name)`.
pub fn data_type(ty: &Type) -> DbDataType {
    match *ty {
        Type::BOOL => DbDataType::Boolean,
        Type::BYTEA => DbDataType::Binary,
        Type::FLOAT4 => DbDataType::Floating32,
        Type::FLOAT8 => DbDataType::Floating64,
        Type::INT2 => DbDataType::Int16,
        Type::INT4 => DbDataType::Int32,
        Type::INT8 => DbDataType::Int64,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => DbDataType::Str,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => DbDataType::Datetime,
        Type::DATE => DbDataType::Date,
        Type::TIME => DbDataType::Time,
        Type::UUID => DbDataType::Uuid,
        Type::JSONB => DbDataType::Jsonb,
        Type::NUMERIC => DbDataType::Decimal,
        Type::INT4_RANGE => DbDataType::RangeInt32,
        Type::INT8_RANGE => DbDataType::RangeInt64,
        Type::NUM_RANGE => DbDataType::RangeDecimal,
        Type::INT4_ARRAY => DbDataType::ArrayInt32,
        Type::INT8_ARRAY => DbDataType::ArrayInt64,
        Type::NUMERIC_ARRAY => DbDataType::ArrayDecimal,
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY | Type::BPCHAR_ARRAY => DbDataType::ArrayStr,
        Type::INTERVAL => DbDataType::Interval,
        _ => DbDataType::Other(ty.name().to_owned()),
    }
}

/// Column `index` of `row`, read as the Rust type Spin reads that column type as. The
/// type check comes first, so a refused type fails even for a NULL.
pub fn db_value(row: &Row, index: usize) -> Result<DbValue, tokio_postgres::Error> {
    fn get<'a, T: FromSql<'a>>(
        row: &'a Row,
        index: usize,
        wrap: impl FnOnce(T) -> DbValue,
    ) -> Result<DbValue, tokio_postgres::Error> {
        Ok(row
            .try_get::<_, Option<T>>(index)?
            .map_or(DbValue::DbNull, wrap))
    }
    match *row.columns()[index].type_() {
        Type::BOOL => get(row, index, DbValue::Boolean),
        Type::BYTEA => get(row, index, DbValue::Binary),
        Type::FLOAT4 => get(row, index, DbValue::Floating32),
        Type::FLOAT8 => get(row, index, DbValue::Floating64),
        Type::INT2 => get(row, index, DbValue::Int16),
        Type::INT4 => get(row, index, DbValue::Int32),
        Type::INT8 => get(row, index, DbValue::Int64),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => get(row, index, DbValue::Str),
        Type::TIMESTAMP | Type::TIMESTAMPTZ => get(row, index, |t: NaiveDateTime| {
            let (h, mi, s, ns) = time_tuple(t.time());
            DbValue::Datetime((t.year(), t.month() as u8, t.day() as u8, h, mi, s, ns))
        }),
        Type::DATE => get(row, index, |d: NaiveDate| {
            DbValue::Date((d.year(), d.month() as u8, d.day() as u8))
        }),
        Type::TIME => get(row, index, |t: NaiveTime| DbValue::Time(time_tuple(t))),
        Type::UUID => get(row, index, |u: uuid::Uuid| DbValue::Uuid(u.to_string())),
        Type::JSONB => get(row, index, |v: serde_json::Value| {
            DbValue::Jsonb(serde_json::to_vec(&v).expect("a JSON value always serialises"))
        }),
        Type::NUMERIC => get(row, index, |d: Decimal| DbValue::Decimal(d.to_string())),
        Type::INT4_RANGE => get(row, index, |r: Range<i32>| {
            DbValue::RangeInt32(range_to_wit(&r, |v| *v))
        }),
        Type::INT8_RANGE => get(row, index, |r: Range<i64>| {
            DbValue::RangeInt64(range_to_wit(&r, |v| *v))
        }),
        Type::NUM_RANGE => get(row, index, |r: Range<RangeableDecimal>| {
            DbValue::RangeDecimal(range_to_wit(&r, |v| v.0.to_string()))
        }),
        Type::INT4_ARRAY => get(row, index, DbValue::ArrayInt32),
        Type::INT8_ARRAY => get(row, index, DbValue::ArrayInt64),
        Type::NUMERIC_ARRAY => get(row, index, |v: Vec<Option<Decimal>>| {
            DbValue::ArrayDecimal(v.iter().map(|d| d.map(|d| d.to_string())).collect())
        }),
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY | Type::BPCHAR_ARRAY => {
            get(row, index, DbValue::ArrayStr)
        }
        Type::INTERVAL => get(row, index, |v: PgInterval| DbValue::Interval(v.0)),
        _ => get(row, index, |v: RawBytes| DbValue::Unsupported(v.0)),
    }
}

fn time_tuple(t: NaiveTime) -> (u8, u8, u8, u32) {
    (
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        t.nanosecond(),
    )
}

type WitRange<W> = (Option<(W, RangeBoundKind)>, Option<(W, RangeBoundKind)>);

fn range_to_wit<T: PartialOrd + Normalizable, W>(r: &Range<T>, f: impl Fn(&T) -> W) -> WitRange<W> {
    fn bound<S: BoundSided, T, W>(
        b: &RangeBound<S, T>,
        f: impl Fn(&T) -> W,
    ) -> (W, RangeBoundKind) {
        let kind = match b.type_ {
            BoundType::Inclusive => RangeBoundKind::Inclusive,
            BoundType::Exclusive => RangeBoundKind::Exclusive,
        };
        (f(&b.value), kind)
    }
    (
        r.lower().map(|b| bound(b, &f)),
        r.upper().map(|b| bound(b, &f)),
    )
}

/// A parameter as the Rust value Spin binds it as, so the placeholder types it is
/// accepted for are tokio-postgres' own: `str` binds as `String` (text-like placeholders
/// only), `datetime` as `NaiveDateTime` (`timestamp` only), `timestamp` as
/// `DateTime<Utc>` (`timestamptz` only), `db-null` as a NULL of any type. A value that
/// is not valid for its own variant (a bad UUID, date, decimal, JSON) fails here.
pub fn to_sql(value: &ParameterValue) -> anyhow::Result<Box<dyn ToSql + Send + Sync>> {
    use ParameterValue as P;
    Ok(match value {
        P::Boolean(v) => Box::new(*v),
        P::Int8(v) => Box::new(*v),
        P::Int16(v) => Box::new(*v),
        P::Int32(v) => Box::new(*v),
        P::Int64(v) => Box::new(*v),
        P::Floating32(v) => Box::new(*v),
        P::Floating64(v) => Box::new(*v),
        P::Str(v) => Box::new(v.clone()),
        P::Binary(v) => Box::new(v.clone()),
        P::Date(d) => Box::new(date(*d)?),
        P::Time(t) => Box::new(time(*t)?),
        P::Datetime((y, mo, d, h, mi, s, ns)) => Box::new(NaiveDateTime::new(
            date((*y, *mo, *d))?,
            time((*h, *mi, *s, *ns))?,
        )),
        P::Timestamp(secs) => Box::new(
            DateTime::<Utc>::from_timestamp(*secs, 0)
                .ok_or_else(|| anyhow!("invalid epoch timestamp {secs}"))?,
        ),
        P::Uuid(v) => {
            Box::new(uuid::Uuid::parse_str(v).with_context(|| format!("invalid UUID {v}"))?)
        }
        P::Jsonb(v) => Box::new(
            serde_json::from_slice::<serde_json::Value>(v)
                .with_context(|| format!("invalid JSON {}", String::from_utf8_lossy(v)))?,
        ),
        P::Decimal(v) => Box::new(decimal(v)?),
        P::RangeInt32(r) => Box::new(range_to_pg(r, |v| Ok(*v))?),
        P::RangeInt64(r) => Box::new(range_to_pg(r, |v| Ok(*v))?),
        P::RangeDecimal(r) => Box::new(range_to_pg(r, |v| decimal(v).map(RangeableDecimal))?),
        P::ArrayInt32(v) => Box::new(v.clone()),
        P::ArrayInt64(v) => Box::new(v.clone()),
        P::ArrayDecimal(v) => Box::new(
            v.iter()
                .map(|d| d.as_deref().map(decimal).transpose())
                .collect::<anyhow::Result<Vec<_>>>()?,
        ),
        P::ArrayStr(v) => Box::new(v.clone()),
        P::Interval(v) => Box::new(PgInterval(*v)),
        P::DbNull => Box::new(PgNull),
    })
}

fn date((y, m, d): (i32, u8, u8)) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m.into(), d.into())
        .ok_or_else(|| anyhow!("invalid date y={y}, m={m}, d={d}"))
}

fn time((h, m, s, ns): (u8, u8, u8, u32)) -> anyhow::Result<NaiveTime> {
    NaiveTime::from_hms_nano_opt(h.into(), m.into(), s.into(), ns)
        .ok_or_else(|| anyhow!("invalid time {h}:{m}:{s}:{ns}"))
}

/// Exact, untrimmed: `" 1.5"` is refused as Spin refuses it.
fn decimal(text: &str) -> anyhow::Result<Decimal> {
    Decimal::from_str_exact(text).with_context(|| format!("invalid decimal {text}"))
}

/// `postgres_range` normalises discrete bounds and turns an inverted range into `empty`,
/// before PostgreSQL sees it, as under Spin.
fn range_to_pg<W, T: PartialOrd + Normalizable>(
    (lower, upper): &WitRange<W>,
    f: impl Fn(&W) -> anyhow::Result<T>,
) -> anyhow::Result<Range<T>> {
    fn bound<S: BoundSided, W, T: PartialOrd>(
        (value, kind): &(W, RangeBoundKind),
        f: impl Fn(&W) -> anyhow::Result<T>,
    ) -> anyhow::Result<RangeBound<S, T>> {
        let kind = match kind {
            RangeBoundKind::Inclusive => BoundType::Inclusive,
            RangeBoundKind::Exclusive => BoundType::Exclusive,
        };
        Ok(RangeBound::new(f(value)?, kind))
    }
    Ok(Range::new(
        lower.as_ref().map(|b| bound(b, &f)).transpose()?,
        upper.as_ref().map(|b| bound(b, &f)).transpose()?,
    ))
}

/// A decimal `postgres_range` can hold: its bounds are never normalised.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct RangeableDecimal(Decimal);

impl Normalizable for RangeableDecimal {
    fn normalize<S: BoundSided>(bound: RangeBound<S, Self>) -> RangeBound<S, Self> {
        bound
    }
}

impl<'a> FromSql<'a> for RangeableDecimal {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Decimal::from_sql(ty, raw).map(RangeableDecimal)
    }

    fn accepts(ty: &Type) -> bool {
        <Decimal as FromSql>::accepts(ty)
    }
}

impl ToSql for RangeableDecimal {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <Decimal as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// `interval` in PostgreSQL's binary layout: microseconds, days, months.
#[derive(Debug)]
struct PgInterval(Interval);

impl<'a> FromSql<'a> for PgInterval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let (Ok(micros), Ok(days), Ok(months)) = (
            raw.get(0..8).unwrap_or_default().try_into(),
            raw.get(8..12).unwrap_or_default().try_into(),
            raw.get(12..).unwrap_or_default().try_into(),
        ) else {
            return Err("unexpected binary format for Postgres INTERVAL".into());
        };
        Ok(PgInterval(Interval {
            micros: i64::from_be_bytes(micros),
            days: i32::from_be_bytes(days),
            months: i32::from_be_bytes(months),
        }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

impl ToSql for PgInterval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.put_i64(self.0.micros);
        out.put_i32(self.0.days);
        out.put_i32(self.0.months);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    to_sql_checked!();
}

/// `db-null`: a NULL whatever the placeholder's type (an `Option::None` would be checked).
#[derive(Debug)]
struct PgNull;

impl ToSql for PgNull {
    fn to_sql(&self, _: &Type, _: &mut BytesMut) -> Result<IsNull, BoxError> {
        Ok(IsNull::Yes)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(&self, _: &Type, _: &mut BytesMut) -> Result<IsNull, BoxError> {
        Ok(IsNull::Yes)
    }
}

/// Any column type Spin does not map, passed on as its binary representation.
struct RawBytes(Vec<u8>);

impl<'a> FromSql<'a> for RawBytes {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(RawBytes(raw.to_vec()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// What Spin counts of a value against its 128 MiB limit on a buffered query result
/// (`DbValue::memory_size` in `crates/world/src/lib.rs`).
pub fn memory_size(value: &DbValue) -> usize {
    let own = std::mem::size_of::<DbValue>();
    let strings = |v: &[Option<String>]| {
        v.iter()
            .map(|s| std::mem::size_of::<Option<String>>() + s.as_ref().map_or(0, String::len))
            .sum::<usize>()
    };
    own + match value {
        DbValue::ArrayInt32(v) => v.len() * std::mem::size_of::<Option<i32>>(),
        DbValue::ArrayInt64(v) => v.len() * std::mem::size_of::<Option<i64>>(),
        DbValue::ArrayDecimal(v) | DbValue::ArrayStr(v) => strings(v),
        DbValue::Str(s) | DbValue::Uuid(s) | DbValue::Decimal(s) => s.len(),
        DbValue::Jsonb(b) | DbValue::Binary(b) | DbValue::Unsupported(b) => b.len(),
        _ => 0,
    }
}
