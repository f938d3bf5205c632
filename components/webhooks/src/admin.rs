//! `/orders/webhooks/...`: what an admin needs to watch and repair deliveries, and the
//! wake-up a scheduler can call.
//!
//! - `GET  /orders/webhooks/deliveries?status=pending|delivered|failed&order_id=&skip=&limit=`
//!   newest first, `X-Total-Count`, each delivery with its attempts.
//! - `POST /orders/webhooks/deliveries/{id}/retry` a `failed` delivery goes back to
//!   `pending` with its attempt count reset (409 for any other status).
//! - `POST /orders/webhooks/wake` (admin or the service token): publishes a wake-up, e.g.
//!   from a cron job, so deliveries left behind by a host restart go on without waiting for
//!   the next order change.

use serde::Serialize;
use serde_json::{Value, json};
use service_kit::query::Query;
use service_kit::routing::Routes;
use service_kit::{
    ApiError, ApiResult, Conditions, FieldError, RequestContext, auth, config, db, health, json,
};
use spin_sdk::http::{Method, Params, Request, Response, Router};
use spin_sdk::pg4::{Connection, DbValue};

use crate::store::{int, text};

pub fn router() -> Router {
    Routes::new("webhooks", "/orders/webhooks")
        .at(
            "/healthz",
            &[(Method::Get, |_, _, _| Ok(health::healthz()))],
        )
        .at("/readyz", &[(Method::Get, |_, _, _| Ok(health::readyz()))])
        .at("/deliveries", &[(Method::Get, list)])
        .at("/deliveries/:id/retry", &[(Method::Post, retry)])
        .at("/wake", &[(Method::Post, wake)])
        .build()
}

/// A delivery as the admin endpoints show it.
#[derive(Debug, Serialize)]
struct Delivery {
    id: i64,
    event_id: String,
    event: String,
    order_id: String,
    url: String,
    status: String,
    /// Attempts since creation or the last admin retry (at most 8 before `failed`).
    attempt_count: i64,
    /// When the next attempt is due (pending deliveries only).
    next_attempt_at: Option<String>,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: String,
    updated_at: String,
    delivered_at: Option<String>,
    /// Every attempt, oldest first: `{attempt, status_code, error, attempted_at, duration_ms}`.
    attempts: Value,
}

const COLUMNS: &str = "d.id, o.event_id::text, o.event, d.order_id, d.url, d.status, d.attempts, \
     CASE WHEN d.status = 'pending' THEN webhook_time(d.next_attempt_at) END, \
     d.last_status_code, d.last_error, webhook_time(d.created_at), webhook_time(d.updated_at), \
     webhook_time(d.delivered_at), \
     coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'status_code', a.status_code, \
                 'error', a.error, 'attempted_at', webhook_time(a.attempted_at), \
                 'duration_ms', a.duration_ms) ORDER BY a.attempt) \
                 FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]')::text";

impl Delivery {
    fn from_row(row: &[DbValue]) -> ApiResult<Delivery> {
        let corrupt = || ApiError::internal("unexpected database value in webhook_deliveries");
        let get = |i: usize| row.get(i).ok_or_else(corrupt);
        let required = |i: usize| get(i).and_then(|v| text(v).ok_or_else(corrupt));
        let optional = |i: usize| get(i).map(text);
        Ok(Delivery {
            id: int(get(0)?).ok_or_else(corrupt)?,
            event_id: required(1)?,
            event: required(2)?,
            order_id: required(3)?,
            url: required(4)?,
            status: required(5)?,
            attempt_count: int(get(6)?).ok_or_else(corrupt)?,
            next_attempt_at: optional(7)?,
            last_status_code: int(get(8)?),
            last_error: optional(9)?,
            created_at: required(10)?,
            updated_at: required(11)?,
            delivered_at: optional(12)?,
            attempts: serde_json::from_str(&required(13)?).map_err(ApiError::internal)?,
        })
    }
}

fn admin(req: &Request, ctx: &RequestContext) -> ApiResult<()> {
    ctx.authenticate(req)?.require_admin()
}

fn list(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    admin(req, ctx)?;
    let query = Query::of(req);
    let status = match query.str("status") {
        None => None,
        Some(s @ ("pending" | "delivered" | "failed")) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::invalid_field(FieldError::query(
                "status",
                "must be one of pending, delivered, failed",
                "enum",
            )));
        }
    };
    let order_id = query.str("order_id").map(str::to_string);
    let page = query.page()?;
    let conn = db::connect()?;
    let mut conditions = Conditions::default();
    if let Some(status) = status {
        conditions.and_eq("d.status", status);
    }
    if let Some(order_id) = order_id {
        conditions.and_eq("d.order_id", order_id);
    }
    let page = conditions.page(page);
    // Every delivery has its outbox event (a foreign key), so the join counts no more.
    let (rows, total) = db::page_with_total(
        &conn,
        &format!(
            "FROM webhook_deliveries d JOIN webhook_outbox o ON o.seq = d.event_seq WHERE {}",
            conditions.sql()
        ),
        COLUMNS,
        &format!("ORDER BY d.id DESC {page}"),
        &conditions.params,
    )?;
    let deliveries = rows
        .iter()
        .map(|row| Delivery::from_row(row))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json::list(&deliveries, total))
}

fn retry(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    admin(req, ctx)?;
    let not_found = || ApiError::not_found("delivery not found");
    let id: i64 = params
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(not_found)?;
    let conn = db::connect()?;
    let rows = conn.query(
        "UPDATE webhook_deliveries \
            SET status = 'pending', attempts = 0, next_attempt_at = utc_now(), \
                lease_token = NULL, lease_until = NULL, updated_at = utc_now() \
          WHERE id = $1 AND status = 'failed' RETURNING id",
        &[id.into()],
    )?;
    if rows.rows.is_empty() {
        return match find(&conn, id)? {
            Some(d) => Err(ApiError::conflict(format!(
                "only a failed delivery can be retried (this one is {})",
                d.status
            ))),
            None => Err(not_found()),
        };
    }
    service_kit::redis::wake_webhooks();
    Ok(json::ok(&find(&conn, id)?.ok_or_else(not_found)?))
}

fn find(conn: &Connection, id: i64) -> ApiResult<Option<Delivery>> {
    let rows = conn.query(
        &format!(
            "SELECT {COLUMNS} FROM webhook_deliveries d JOIN webhook_outbox o ON o.seq = d.event_seq \
              WHERE d.id = $1"
        ),
        &[id.into()],
    )?;
    rows.rows
        .first()
        .map(|row| Delivery::from_row(row))
        .transpose()
}

fn wake(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let service_token = config::get("service_token")?;
    if !auth::is_service_call(req, &service_token) {
        admin(req, ctx)?;
    }
    // A wake-up that could not be published says so, so that the scheduler (or the
    // deliverer's supervisor) tries again rather than leave deliveries waiting.
    if !service_kit::redis::wake_webhooks_now() {
        return Err(ApiError::unavailable(
            "the wake-up could not be published (Redis)",
        ));
    }
    Ok(json::respond(202, &json!({ "status": "woken" })))
}
