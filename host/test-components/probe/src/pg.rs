//! `/pg`: one statement through `spin:postgres`, as the request's JSON body describes it
//! (`url`, `op` = `query` or `execute`, `sql`, `params`), answered with what the host
//! returned: every column, value and error as its WIT `Debug`, so tests see the exact
//! variant and text.

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use spin_sdk::pg4::{Connection, Interval, ParameterValue, RangeBoundKind};

pub fn run(body: &[u8]) -> Value {
    run_spec(body).unwrap_or_else(|e| json!({ "probe_error": format!("{e:#}") }))
}

fn run_spec(body: &[u8]) -> Result<Value> {
    let spec: Value = serde_json::from_slice(body).context("the body must be JSON")?;
    let text = |key: &str| {
        spec[key]
            .as_str()
            .with_context(|| format!("`{key}` is missing"))
    };
    let params = match spec["params"].as_array() {
        Some(list) => list.iter().map(param).collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let conn = match Connection::open(text("url")?) {
        Ok(conn) => conn,
        Err(e) => return Ok(json!({ "open_error": format!("{e:?}") })),
    };
    let sql = text("sql")?;
    Ok(match spec["op"].as_str() {
        Some("execute") => match conn.execute(sql, &params) {
            Ok(affected) => json!({ "affected": affected }),
            Err(e) => json!({ "error": format!("{e:?}") }),
        },
        _ => match conn.query(sql, &params) {
            Ok(result) => json!({
                "columns": result.columns.iter()
                    .map(|c| json!([c.name, format!("{:?}", c.data_type)]))
                    .collect::<Vec<_>>(),
                "rows": result.rows.iter()
                    .map(|row| row.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            }),
            Err(e) => json!({ "error": format!("{e:?}") }),
        },
    })
}

/// A parameter written as `[kind, value]`, the kind being the WIT case's name; tuples
/// are arrays, range bounds `null` or `[value, "inclusive" | "exclusive"]`, `jsonb` text.
fn param(spec: &Value) -> Result<ParameterValue> {
    use ParameterValue as P;
    let (kind, v): (String, Value) =
        serde_json::from_value(spec.clone()).with_context(|| format!("parameter {spec}"))?;
    Ok(match kind.as_str() {
        "boolean" => P::Boolean(from(v)?),
        "int8" => P::Int8(from(v)?),
        "int16" => P::Int16(from(v)?),
        "int32" => P::Int32(from(v)?),
        "int64" => P::Int64(from(v)?),
        "floating32" => P::Floating32(from(v)?),
        "floating64" => P::Floating64(from(v)?),
        "str" => P::Str(from(v)?),
        "binary" => P::Binary(from(v)?),
        "date" => P::Date(from(v)?),
        "time" => P::Time(from(v)?),
        "datetime" => P::Datetime(from(v)?),
        "timestamp" => P::Timestamp(from(v)?),
        "uuid" => P::Uuid(from(v)?),
        "jsonb" => P::Jsonb(from::<String>(v)?.into_bytes()),
        "decimal" => P::Decimal(from(v)?),
        "range-int32" => P::RangeInt32(range(v)?),
        "range-int64" => P::RangeInt64(range(v)?),
        "range-decimal" => P::RangeDecimal(range(v)?),
        "array-int32" => P::ArrayInt32(from(v)?),
        "array-int64" => P::ArrayInt64(from(v)?),
        "array-decimal" => P::ArrayDecimal(from(v)?),
        "array-str" => P::ArrayStr(from(v)?),
        "interval" => {
            let (micros, days, months) = from(v)?;
            P::Interval(Interval {
                micros,
                days,
                months,
            })
        }
        "db-null" => P::DbNull,
        other => bail!("unknown parameter kind {other:?}"),
    })
}

fn from<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).context("parameter value")
}

type Bound<T> = Option<(T, RangeBoundKind)>;
/// A bound as the request writes it: the kind by name.
type NamedBound<T> = Option<(T, String)>;

fn range<T: DeserializeOwned>(v: Value) -> Result<(Bound<T>, Bound<T>)> {
    let (lower, upper): (NamedBound<T>, NamedBound<T>) = from(v)?;
    let bound = |b: NamedBound<T>| -> Result<Bound<T>> {
        b.map(|(value, kind)| match kind.as_str() {
            "inclusive" => Ok((value, RangeBoundKind::Inclusive)),
            "exclusive" => Ok((value, RangeBoundKind::Exclusive)),
            other => bail!("unknown bound kind {other:?}"),
        })
        .transpose()
    };
    Ok((bound(lower)?, bound(upper)?))
}
