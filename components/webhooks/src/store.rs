//! SQL of the outbox, the deliveries and their attempts (tables: the orders migration
//! `V2__webhooks.sql`). Spin's PostgreSQL API has no transactions, so every step that must
//! be atomic is one statement; concurrent invocations are kept apart by row locks
//! (`FOR UPDATE`, `SKIP LOCKED`) and leases, never by a session.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use spin_sdk::pg4::{Connection, DbValue, ParameterValue, RowSet};

fn run(conn: &Connection, what: &str, sql: &str, params: &[ParameterValue]) -> Result<RowSet> {
    conn.query(sql, params)
        .map_err(|e| anyhow!("{what}: {e:?}"))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub fn int(value: &DbValue) -> Option<i64> {
    service_kit::db::as_i64(value)
}

pub fn text(value: &DbValue) -> Option<String> {
    match value {
        DbValue::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// The most events one fan-out takes.
pub const FAN_OUT_BATCH: usize = 1000;

/// Creates one delivery per URL for every outbox event not yet fanned out, in event
/// order, and marks the events fanned out — one statement, so an event gets its
/// deliveries exactly once, at most [`FAN_OUT_BATCH`] events per call. `FOR UPDATE` (not
/// `SKIP LOCKED`): a concurrent fan-out waits, so an order's later event never gets its
/// delivery before an earlier one has. With no URL configured the events are marked and
/// nothing is sent. Returns how many events.
pub fn fan_out(conn: &Connection, urls: &[String]) -> Result<usize> {
    let urls = serde_json::to_string(urls)?;
    let rows = run(
        conn,
        "fanning out outbox events",
        "WITH new_events AS (\
           SELECT seq, order_id FROM webhook_outbox WHERE fanned_out_at IS NULL \
            ORDER BY seq LIMIT $2 FOR UPDATE), \
         deliveries AS (\
           INSERT INTO webhook_deliveries (event_seq, order_id, url) \
           SELECT n.seq, n.order_id, u.url \
             FROM new_events n \
            CROSS JOIN jsonb_array_elements_text($1::text::jsonb) WITH ORDINALITY AS u (url, position) \
            ORDER BY n.seq, u.position \
           ON CONFLICT (event_seq, url) DO NOTHING) \
         UPDATE webhook_outbox o SET fanned_out_at = utc_now() \
           FROM new_events n WHERE o.seq = n.seq \
         RETURNING o.seq",
        &[urls.into(), (FAN_OUT_BATCH as i64).into()],
    )?;
    Ok(rows.rows.len())
}

/// A delivery claimed for one attempt.
pub struct Claimed {
    pub id: i64,
    pub url: String,
    /// Attempts made before this one.
    pub attempts: i32,
    pub event_id: String,
    pub event: String,
    pub payload: String,
}

/// Claims up to `limit` due deliveries for `token`, holding each for `lease`. Only the
/// oldest pending delivery of each (order, URL) can be claimed, so an order's events reach
/// a URL in order; `SKIP LOCKED` lets concurrent invocations take different ones, and the
/// `status`/lease conditions are checked again on the locked row.
pub fn claim(conn: &Connection, token: &str, limit: i64, lease: Duration) -> Result<Vec<Claimed>> {
    let rows = run(
        conn,
        "claiming deliveries",
        "WITH head AS (\
           SELECT DISTINCT ON (order_id, url) id FROM webhook_deliveries \
            WHERE status = 'pending' ORDER BY order_id, url, event_seq), \
         due AS (\
           SELECT d.id FROM webhook_deliveries d JOIN head h ON h.id = d.id \
            WHERE d.status = 'pending' AND d.next_attempt_at <= utc_now() \
              AND (d.lease_until IS NULL OR d.lease_until < utc_now()) \
            ORDER BY d.next_attempt_at, d.id LIMIT $2 \
            FOR UPDATE OF d SKIP LOCKED) \
         UPDATE webhook_deliveries d \
            SET lease_token = $1, lease_until = utc_now() + $3::bigint * interval '1 millisecond' \
           FROM due, webhook_outbox o \
          WHERE d.id = due.id AND o.seq = d.event_seq \
         RETURNING d.id, d.url, d.attempts, o.event_id::text, o.event, o.payload",
        &[token.to_string().into(), limit.into(), millis(lease).into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let column = |i: usize| row.get(i).context("missing column");
            Ok(Claimed {
                id: int(column(0)?).context("id")?,
                url: text(column(1)?).context("url")?,
                attempts: int(column(2)?).context("attempts")? as i32,
                event_id: text(column(3)?).context("event_id")?,
                event: text(column(4)?).context("event")?,
                payload: text(column(5)?).context("payload")?,
            })
        })
        .collect()
}

/// What became of a delivery after an attempt.
pub struct Recorded<'a> {
    pub status: &'static str,
    /// When `status` is `pending`: the wait before the next attempt.
    pub retry_in: Duration,
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub took: Duration,
}

/// Records an attempt and the delivery's new state in one statement, if `token` still
/// holds the delivery. The attempt number continues over admin retries.
pub fn record(conn: &Connection, id: i64, token: &str, outcome: &Recorded) -> Result<bool> {
    let rows = run(
        conn,
        "recording an attempt",
        "WITH d AS (\
           UPDATE webhook_deliveries \
              SET attempts = attempts + 1, status = $3, \
                  next_attempt_at = utc_now() + $4::bigint * interval '1 millisecond', \
                  last_status_code = $5::int, last_error = $6::text, \
                  delivered_at = CASE WHEN $3 = 'delivered' THEN utc_now() END, \
                  lease_token = NULL, lease_until = NULL, updated_at = utc_now() \
            WHERE id = $1 AND lease_token = $2 RETURNING id) \
         INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, attempted_at, duration_ms) \
         SELECT d.id, \
                coalesce((SELECT max(a.attempt) FROM webhook_attempts a WHERE a.delivery_id = d.id), 0) + 1, \
                $5::int, $6::text, utc_now() - $7::bigint * interval '1 millisecond', $7::bigint::int \
           FROM d \
         RETURNING delivery_id",
        &[
            id.into(),
            token.to_string().into(),
            outcome.status.to_string().into(),
            millis(outcome.retry_in).into(),
            outcome.status_code.into(),
            outcome.error.map(str::to_string).into(),
            millis(outcome.took).min(i64::from(i32::MAX)).into(),
        ],
    )?;
    Ok(!rows.rows.is_empty())
}

/// What is left to do.
pub struct Backlog {
    /// Events not yet fanned out.
    pub unfanned: bool,
    /// Until the first (order, URL) queue head can be claimed: `Some(ZERO)` if one can be
    /// now, `None` if nothing is pending.
    pub next_due: Option<Duration>,
}

impl Backlog {
    pub fn is_empty(&self) -> bool {
        !self.unfanned && self.next_due.is_none()
    }
}

pub fn backlog(conn: &Connection) -> Result<Backlog> {
    let rows = run(
        conn,
        "reading the backlog",
        "WITH head AS (\
           SELECT DISTINCT ON (order_id, url) next_attempt_at, lease_until FROM webhook_deliveries \
            WHERE status = 'pending' ORDER BY order_id, url, event_seq) \
         SELECT EXISTS (SELECT 1 FROM webhook_outbox WHERE fanned_out_at IS NULL), \
                (SELECT ceil(1000 * extract(epoch FROM \
                          min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) - utc_now()))::bigint \
                   FROM head)",
        &[],
    )?;
    let row = rows.rows.first().context("backlog: no row")?;
    Ok(Backlog {
        unfanned: matches!(row.first(), Some(DbValue::Boolean(true))),
        next_due: row
            .get(1)
            .and_then(int)
            .map(|ms| Duration::from_millis(ms.max(0) as u64)),
    })
}

/// Takes (or renews) the single poller lease for `token` until `ttl` from now; false if
/// another invocation holds it.
pub fn hold_runner(conn: &Connection, token: &str, ttl: Duration) -> Result<bool> {
    let rows = run(
        conn,
        "taking the runner lease",
        "UPDATE webhook_runner SET token = $1, lease_until = utc_now() + $2::bigint * interval '1 millisecond' \
          WHERE id = 1 AND (token = $1 OR lease_until IS NULL OR lease_until < utc_now()) \
         RETURNING id",
        &[token.to_string().into(), millis(ttl).into()],
    )?;
    Ok(!rows.rows.is_empty())
}

pub fn release_runner(conn: &Connection, token: &str) -> Result<()> {
    run(
        conn,
        "releasing the runner lease",
        "UPDATE webhook_runner SET token = NULL, lease_until = NULL WHERE id = 1 AND token = $1 \
         RETURNING id",
        &[token.to_string().into()],
    )?;
    Ok(())
}
