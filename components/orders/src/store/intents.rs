//! Order intents (`migrations/orders/V3__order_intents.sql`): the durable record of a create
//! saga between its reservation and its insert, so a saga that dies there (host killed,
//! PostgreSQL down, failed compensation) leaves something that reconciliation can act on.

use service_kit::ApiResult;
use spin_sdk::pg4::{Connection, ParameterValue};

use super::{int, text};
use crate::domain::OrderId;

/// How long a reconciliation run holds the intents it took before another run may take
/// them over (the run died, or stopped at an inventory that did not answer).
const CLAIM_SECONDS: u32 = 60;

fn id_param(id: &OrderId) -> ParameterValue {
    id.as_str().to_string().into()
}

/// Records that the saga for `id` is about to reserve stock. `false` when the id is taken:
/// by an order (deleted ones included) or by another saga in flight with the same id.
pub fn record(conn: &Connection, id: &OrderId, user_id: i64) -> ApiResult<bool> {
    let rows = conn.query(
        "INSERT INTO order_intents (order_id, user_id) \
         SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id = $1) \
         ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
        &[id_param(id), user_id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Forgets the intent once its saga gave the stock back (or never took any). Best effort:
/// an intent left behind is released again (idempotently) and deleted by reconciliation.
pub fn forget(conn: &Connection, id: &OrderId) {
    let result = conn.execute(
        "DELETE FROM order_intents WHERE order_id = $1",
        &[id_param(id)],
    );
    if let Err(e) = result {
        eprintln!("forgetting the intent of order {id} (reconciliation will): {e:?}");
    }
}

/// A stale intent taken by one reconciliation run.
pub struct Claimed {
    pub order_id: String,
    pub user_id: i64,
}

/// Takes up to `limit` intents older than `stale_seconds` that no other run holds, oldest
/// first. One indexed statement; rows another run is taking right now are skipped.
pub fn claim_stale(
    conn: &Connection,
    token: &str,
    stale_seconds: u32,
    limit: i64,
) -> ApiResult<Vec<Claimed>> {
    let rows = conn.query(
        &format!(
            "UPDATE order_intents i \
                SET claim_token = $1, claimed_until = utc_now() + interval '{CLAIM_SECONDS} seconds' \
              WHERE i.order_id IN ( \
                    SELECT order_id FROM order_intents \
                     WHERE created_at < utc_now() - interval '{stale_seconds} seconds' \
                       AND (claimed_until IS NULL OR claimed_until < utc_now()) \
                     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING i.order_id, i.user_id"
        ),
        &[token.to_string().into(), limit.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            Ok(Claimed {
                order_id: text(&row[0])?,
                user_id: int(&row[1])?,
            })
        })
        .collect()
}

/// Deletes an intent this run took and settled.
pub fn settle(conn: &Connection, order_id: &str, token: &str) -> ApiResult<()> {
    conn.execute(
        "DELETE FROM order_intents WHERE order_id = $1 AND claim_token = $2",
        &[order_id.to_string().into(), token.to_string().into()],
    )?;
    Ok(())
}

/// Whether an order row with this id exists (deleted ones included).
pub fn order_exists(conn: &Connection, order_id: &str) -> ApiResult<bool> {
    let rows = conn.query(
        "SELECT 1 FROM orders WHERE id = $1",
        &[order_id.to_string().into()],
    )?;
    Ok(!rows.rows.is_empty())
}
