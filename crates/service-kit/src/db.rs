//! PostgreSQL through Spin's `pg4` API: connecting, and mapping errors to the contract.
//!
//! Spin's Postgres API has no transaction handle and the host pools connections, so every
//! write that must be atomic is one SQL statement (a CTE or a function from a migration).

use spin_sdk::pg4::{Connection, DbValue, Decode, ParameterValue, PgError, QueryError};

use crate::error::ApiError;

/// SQLSTATE of a unique-constraint violation.
pub const UNIQUE_VIOLATION: &str = "23505";

/// Opens the database named by the `db_url` variable.
pub fn connect() -> Result<Connection, ApiError> {
    let url = crate::config::get("db_url")?;
    Connection::open(&url).map_err(db_error)
}

/// One page of rows and how many rows match in all, from one statement: one round trip,
/// one snapshot. `matching` is the `FROM … WHERE …` both read, `columns` what a page row
/// holds, `order_and_page` its `ORDER BY … OFFSET … LIMIT …`. Each keeps its own plan, so
/// the page still comes from an index in order.
pub fn page_with_total(
    conn: &Connection,
    matching: &str,
    columns: &str,
    order_and_page: &str,
    params: &[ParameterValue],
) -> Result<(Vec<Vec<DbValue>>, i64), ApiError> {
    let mut rows = conn
        .query(
            &format!(
                "SELECT (SELECT count(*) {matching}), p.* FROM (SELECT 1) AS one \
                 LEFT JOIN (SELECT {columns} {matching} {order_and_page}) AS p ON TRUE"
            ),
            params,
        )?
        .rows;
    let total = match rows.first() {
        Some(row) => i64::decode(&row[0])?,
        None => 0,
    };
    // An empty page is still one row: the count, and NULLs.
    rows.retain(|row| !matches!(row.get(1), Some(DbValue::DbNull) | None));
    for row in &mut rows {
        row.remove(0);
    }
    Ok((rows, total))
}

/// The SQLSTATE code of a database error, if the database returned one.
pub fn sqlstate(err: &PgError) -> Option<&str> {
    match err {
        PgError::QueryFailed(QueryError::DbError(db)) => Some(db.code.as_str()),
        _ => None,
    }
}

/// Maps a database error to a response: unreachable database → 503, anything else → 500
/// with the cause logged, never shown.
pub fn db_error(err: PgError) -> ApiError {
    match &err {
        PgError::ConnectionFailed(msg) => {
            eprintln!("database unavailable: {msg}");
            ApiError::unavailable("database unavailable")
        }
        PgError::QueryFailed(QueryError::Text(msg)) if is_connection_text(msg) => {
            eprintln!("database unavailable: {msg}");
            ApiError::unavailable("database unavailable")
        }
        PgError::QueryFailed(QueryError::DbError(db))
            if db.code.starts_with("08") || db.code.starts_with("57P") =>
        {
            eprintln!("database unavailable: {}", db.as_text);
            ApiError::unavailable("database unavailable")
        }
        _ => ApiError::internal(format!("database error: {err:?}")),
    }
}

impl From<PgError> for ApiError {
    fn from(err: PgError) -> Self {
        db_error(err)
    }
}

impl From<spin_sdk::pg4::Error> for ApiError {
    fn from(err: spin_sdk::pg4::Error) -> Self {
        match err {
            spin_sdk::pg4::Error::PgError(e) => db_error(e),
            decode => ApiError::internal(format!("decoding a database value: {decode}")),
        }
    }
}

fn is_connection_text(msg: &str) -> bool {
    let msg = msg.to_ascii_lowercase();
    msg.contains("connection") || msg.contains("closed") || msg.contains("timed out")
}

/// Reads an `i64` column, accepting any integer width.
pub fn as_i64(value: &DbValue) -> Option<i64> {
    match value {
        DbValue::Int16(v) => Some(i64::from(*v)),
        DbValue::Int32(v) => Some(i64::from(*v)),
        DbValue::Int64(v) => Some(*v),
        _ => None,
    }
}
