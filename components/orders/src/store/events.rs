//! The order timeline: events written by the statement that makes the change.

use serde::Serialize;
use service_kit::ApiResult;
use spin_sdk::pg4::Connection;

use super::{int, optional_text, text, timestamp};
use crate::domain::OrderId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Created,
    StatusChanged,
    Updated,
    Deleted,
}

/// An event about to be written, by `user_id`.
#[derive(Debug, Serialize)]
pub struct NewEvent {
    pub event_type: EventType,
    pub description: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub user_id: i64,
}

/// A CTE named `events` that writes `$param` (a JSON array of [`NewEvent`]) for the order
/// returned by CTE `source`, so the events commit or fail with the change itself.
pub fn insert_cte(source: &str, param: &str) -> String {
    format!(
        "events AS (\
           INSERT INTO order_events (order_id, event_type, description, old_value, new_value, user_id) \
           SELECT s.id, e.event_type, e.description, e.old_value, e.new_value, e.user_id \
             FROM {source} s \
            CROSS JOIN jsonb_to_recordset({param}::text::jsonb) \
                 AS e(event_type text, description text, old_value text, new_value text, user_id bigint))"
    )
}

/// The `events` parameter of [`insert_cte`].
pub fn param(events: &[NewEvent]) -> String {
    serde_json::to_string(events).expect("events serialize")
}

/// An event as the timeline shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub order_id: String,
    /// `created`, `status_changed`, `updated` or `deleted`.
    pub event_type: String,
    pub description: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub user_id: Option<i64>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Every event of an order, oldest first (deleted orders included).
pub fn timeline(db: &Connection, order: &OrderId) -> ApiResult<Vec<Event>> {
    let rows = db.query(
        "SELECT id, order_id, event_type, description, old_value, new_value, user_id, created_at \
           FROM order_events WHERE order_id = $1 ORDER BY id",
        &[order.as_str().to_string().into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            Ok(Event {
                id: int(&row[0])?,
                order_id: text(&row[1])?,
                event_type: text(&row[2])?,
                description: text(&row[3])?,
                old_value: optional_text(&row[4])?,
                new_value: optional_text(&row[5])?,
                user_id: service_kit::db::as_i64(&row[6]),
                created_at: timestamp(&row[7])?,
            })
        })
        .collect()
}
