//! PostgreSQL through Spin's `pg4` API: connecting, and mapping errors to the contract.
//!
//! Spin's Postgres API has no transaction handle and the host pools connections, so every
//! write that must be atomic is one SQL statement (a CTE or a function from a migration).

use spin_sdk::pg4::{Connection, DbValue, Decode, ParameterValue, PgError, QueryError};

use crate::error::ApiError;

/// SQLSTATE of a unique-constraint violation.
pub const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of a foreign-key violation.
pub const FOREIGN_KEY_VIOLATION: &str = "23503";

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

/// What [`update_unless_taken`] did.
pub enum Guarded {
    /// The new value belongs to another row: nothing was changed.
    Taken,
    /// No row matched the update.
    Missing,
    /// The row as `RETURNING` gave it.
    Changed(Vec<DbValue>),
}

/// Runs `update` (an `UPDATE … WHERE …`, without `RETURNING`) with `AND NOT taken` added,
/// returning `columns`, and says whether `taken` (an `EXISTS (…)` over the rows holding
/// the new value of a unique column) held: one statement, one snapshot.
///
/// Why not let the unique index refuse it: a unique violation met while Spin streams a
/// `query`'s rows comes back as `query-error::text`, and on Spin 3.6 that text holds no
/// SQLSTATE at all (see [`sqlstate`]). Checked here, a taken value is a result, not an
/// error. Two updates racing for one value can still both pass; the index refuses the
/// second, which [`sqlstate`] recognises where Spin says the code: `on_error` maps the
/// statement's errors.
pub fn update_unless_taken(
    conn: &Connection,
    update: &str,
    taken: &str,
    columns: &str,
    params: &[ParameterValue],
    on_error: impl FnOnce(PgError) -> ApiError,
) -> Result<Guarded, ApiError> {
    let rows = conn
        .query(
            &format!(
                "WITH changed AS ({update} AND NOT {taken} RETURNING {columns}) \
                 SELECT {taken}, changed.* FROM (SELECT 1) AS one LEFT JOIN changed ON TRUE"
            ),
            params,
        )
        .map_err(on_error)?
        .rows;
    let Some(mut row) = rows.into_iter().next() else {
        return Ok(Guarded::Missing);
    };
    Ok(match row.first() {
        Some(DbValue::Boolean(true)) => Guarded::Taken,
        // The first returned column is the row's key: NULL when nothing matched.
        _ if matches!(row.get(1), Some(DbValue::DbNull) | None) => Guarded::Missing,
        _ => {
            row.remove(0);
            Guarded::Changed(row)
        }
    })
}

/// The SQLSTATE code of a database error, if the error says it.
///
/// Spin reports a server error as `query-error::db-error` with its code, except one met
/// while a `query` streams its rows (a unique violation of `INSERT … RETURNING`, say):
/// that one comes back as `query-error::text`. On Spin 4.x the text is the `Debug` of the
/// `db-error` (`Error::QueryFailed(QueryError::DbError(DbError { as-text: "…", severity:
/// "ERROR", code: "23505", … }))`), and the code is read from it. A tokio-postgres
/// `Debug` (`DbError { …, code: SqlState(E23505), … }`) is recognised too. On Spin 3.6
/// the text is the error's display chain, with no code: statements that must answer a
/// conflict either way check for it in SQL (`ON CONFLICT DO NOTHING`,
/// [`update_unless_taken`]), and the two violations the services map to 409 are known by
/// their server message (see [`sqlstate_of_spin_3_message`]).
pub fn sqlstate(err: &PgError) -> Option<&str> {
    match err {
        PgError::QueryFailed(QueryError::DbError(db)) => Some(db.code.as_str()),
        PgError::QueryFailed(QueryError::Text(text)) => {
            sqlstate_in_debug(text).or_else(|| sqlstate_of_spin_3_message(text))
        }
        _ => None,
    }
}

/// Spin 3.6's text of a server error met while a query streams: `db error`, then the
/// server's `ERROR: <message>` (and its `DETAIL`, which may quote values). Only the
/// message's first line is read, and only the two violations the services answer with a
/// 409; PostgreSQL writes them in English unless its `lc_messages` says otherwise.
fn sqlstate_of_spin_3_message(text: &str) -> Option<&'static str> {
    let after_prefix = text.strip_prefix("db error")?;
    let message = after_prefix.split_once("ERROR: ")?.1.lines().next()?;
    if message.starts_with("duplicate key value violates unique constraint ") {
        Some(UNIQUE_VIOLATION)
    } else if message.contains(" violates foreign key constraint ") {
        Some(FOREIGN_KEY_VIOLATION)
    } else {
        None
    }
}

/// The first `code: "XXXXX"` or `code: SqlState(EXXXXX)` field of a `Debug` text, outside
/// its quoted strings: a message, detail or nested `Debug` (all quoted, with `"` escaped)
/// cannot pass for the field, whatever values they quote.
fn sqlstate_in_debug(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut quoted = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1, // skips the escaped character
            b'"' => quoted = !quoted,
            b'c' if !quoted && text[i..].starts_with("code: ") => {
                let value = &text[i + "code: ".len()..];
                for (open, close) in [("\"", '"'), ("SqlState(E", ')')] {
                    if let Some(code) = value
                        .strip_prefix(open)
                        .and_then(|rest| rest.get(..5).zip(rest.get(5..)))
                        .filter(|(code, rest)| {
                            code.bytes().all(|b| b.is_ascii_alphanumeric())
                                && rest.starts_with(close)
                        })
                        .map(|(code, _)| code)
                    {
                        return Some(code);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
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

#[cfg(test)]
mod tests {
    use spin_sdk::pg4::DbError;

    use super::*;

    fn text(text: &str) -> PgError {
        PgError::QueryFailed(QueryError::Text(text.to_string()))
    }

    /// A unique violation as `db-error`, whose `as-text` is tokio-postgres' `Debug`.
    fn unique_violation() -> DbError {
        DbError {
            as_text: "Error { kind: Db, cause: Some(DbError { severity: \"ERROR\", \
                      parsed_severity: Some(Error), code: SqlState(E23505), message: \
                      \"duplicate key value violates unique constraint \\\"items_sku_key\\\"\", \
                      detail: Some(\"Key (sku)=(A-1) already exists.\") }) }"
                .to_string(),
            severity: "ERROR".to_string(),
            code: "23505".to_string(),
            message: "duplicate key value violates unique constraint \"items_sku_key\"".to_string(),
            detail: Some("Key (sku)=(A-1) already exists.".to_string()),
            extras: vec![("constraint".to_string(), "items_sku_key".to_string())],
        }
    }

    #[test]
    fn a_db_error_gives_its_code() {
        let err = PgError::QueryFailed(QueryError::DbError(unique_violation()));
        assert_eq!(sqlstate(&err), Some(UNIQUE_VIOLATION));
    }

    #[test]
    fn spin_4_text_of_a_streamed_error_gives_its_code() {
        // What Spin 4.x returns: the `Debug` of the error it met while streaming.
        let streamed = format!(
            "{:?}",
            PgError::QueryFailed(QueryError::DbError(unique_violation()))
        );
        assert!(streamed.contains(r#"code: "23505""#), "{streamed}");
        assert_eq!(sqlstate(&text(&streamed)), Some(UNIQUE_VIOLATION));
        // Spelled as the host-side bindings print it.
        let host = r#"Error::QueryFailed(QueryError::DbError(DbError { as-text: "Error { kind: Db, cause: Some(DbError { severity: \"ERROR\", code: SqlState(E23503) }) }", severity: "ERROR", code: "23505", message: "m", detail: None, extras: [] }))"#;
        assert_eq!(sqlstate(&text(host)), Some(UNIQUE_VIOLATION));
    }

    #[test]
    fn tokio_postgres_debug_gives_its_code() {
        let debug = unique_violation().as_text;
        assert_eq!(sqlstate(&text(&debug)), Some(UNIQUE_VIOLATION));
    }

    #[test]
    fn quoted_values_cannot_pass_for_the_code() {
        // A check violation whose message quotes a value that looks like a code field.
        let forged = r#"Error::QueryFailed(QueryError::DbError(DbError { as-text: "x", severity: "ERROR", message: "new row violates check constraint, code: \"23505\"", code: "23514", detail: Some("code: SqlState(E23505)"), extras: [] }))"#;
        assert_eq!(sqlstate(&text(forged)), Some("23514"));
    }

    #[test]
    fn spin_3_texts_give_the_code_of_the_violations_we_answer() {
        // Spin 3.6: tokio-postgres' `anyhow` display chain, which names no SQLSTATE.
        let unique = "db error\n\nCaused by:\n    ERROR: duplicate key value violates \
                      unique constraint \"items_sku_key\"\n    DETAIL: Key (sku)=(A-1) already exists.";
        assert_eq!(sqlstate(&text(unique)), Some(UNIQUE_VIOLATION));
        let foreign = "db error: ERROR: update or delete on table \"items\" violates foreign key \
                       constraint \"reservation_lines_sku_fkey\" on table \"reservation_lines\"";
        assert_eq!(sqlstate(&text(foreign)), Some(FOREIGN_KEY_VIOLATION));
        // A value quoted in the DETAIL line cannot pass for the message.
        let detail = "db error: ERROR: value too long\nDETAIL: duplicate key value violates \
                      unique constraint \"x\"";
        assert_eq!(sqlstate(&text(detail)), None);
    }

    #[test]
    fn texts_without_a_code_give_none() {
        assert_eq!(sqlstate(&text("db error: ERROR: division by zero")), None);
        assert_eq!(sqlstate(&text("error deserializing column 6")), None);
        assert_eq!(sqlstate(&text(r#"DbError { code: "2350" }"#)), None);
        assert_eq!(
            sqlstate(&PgError::ConnectionFailed("code: \"23505\"".into())),
            None
        );
    }
}
