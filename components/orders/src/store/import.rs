//! The CSV import's write: every row upserted by id, each with its timeline event, in one
//! statement, so a file is applied completely or not at all.

use serde::Serialize;
use service_kit::money::Money;
use service_kit::{ApiError, ApiResult};
use spin_sdk::pg4::Connection;

use super::int;
use crate::domain::{Items, OrderId, Status};

/// A validated row of an import file.
#[derive(Debug, Serialize)]
pub struct ImportRow {
    pub id: OrderId,
    pub user_id: i64,
    pub total: Money,
    pub status: Status,
    pub items: Items,
    /// Only used for new orders: an existing order keeps its creation time. UTC, as
    /// `service_kit::time::to_db_text` writes it.
    pub created_at: Option<String>,
}

pub struct Counts {
    pub created: i64,
    pub updated: i64,
}

/// Upserts `rows` by id for admin `actor`. A deleted order that is imported again comes
/// back. Orders are written as given: no stock moves (see the README on imports).
pub fn upsert(conn: &Connection, rows: &[ImportRow], actor: i64) -> ApiResult<Counts> {
    let input = serde_json::to_string(rows).map_err(ApiError::internal)?;
    let result = conn.query(
        "WITH input AS (\
           SELECT * FROM jsonb_to_recordset($1::text::jsonb) \
                AS r(id text, user_id bigint, total numeric, status text, items jsonb, created_at timestamp)), \
         o AS (\
           INSERT INTO orders AS o (id, user_id, total, status, items, created_at) \
           SELECT id, user_id, total, status, items, coalesce(created_at, utc_now()) FROM input \
           ON CONFLICT (id) DO UPDATE \
              SET user_id = EXCLUDED.user_id, total = EXCLUDED.total, status = EXCLUDED.status, \
                  items = EXCLUDED.items, updated_at = utc_now(), deleted_at = NULL \
           RETURNING o.id, o.status, (xmax = 0) AS inserted), \
         events AS (\
           INSERT INTO order_events (order_id, event_type, description, old_value, new_value, user_id) \
           SELECT id, CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'imported from CSV', NULL, status, $2 \
             FROM o) \
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM o",
        &[input.into(), actor.into()],
    )?;
    let row = result
        .rows
        .first()
        .ok_or_else(|| ApiError::internal("import returned no counts"))?;
    Ok(Counts {
        created: int(&row[0])?,
        updated: int(&row[1])?,
    })
}
