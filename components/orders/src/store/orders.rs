//! Reading and writing orders.

use service_kit::money::Money;
use service_kit::query::Page;
use service_kit::{ApiError, ApiResult, Caller, Conditions, db};
use spin_sdk::pg4::{Connection, DbValue, ParameterValue};

use super::events::{self, NewEvent};
use super::{ORDER_COLUMNS, Order, filter};
use crate::domain::{Items, OrderId, Status};

/// How long a change that calls the inventory may hold an order before another may take it
/// (only reached when the component dies mid-change: a call itself times out sooner).
pub const LEASE_SECONDS: u32 = 30;

fn id_param(id: &OrderId) -> ParameterValue {
    id.as_str().to_string().into()
}

fn items_param(items: &Items) -> ParameterValue {
    serde_json::to_string(items)
        .expect("items serialize")
        .into()
}

fn one_order(rows: spin_sdk::pg4::RowSet) -> ApiResult<Option<Order>> {
    rows.rows
        .first()
        .map(|row| Order::from_row(row))
        .transpose()
}

/// Whether an order with this id was ever created (deleted ones included: ids are not
/// reused, so a timeline always belongs to one order).
pub fn id_taken(conn: &Connection, id: &OrderId) -> ApiResult<bool> {
    let rows = conn.query("SELECT 1 FROM orders WHERE id = $1", &[id_param(id)])?;
    Ok(!rows.rows.is_empty())
}

/// The order if the caller may see it (404 for another user's order, as the contract says).
pub fn find_visible(conn: &Connection, id: &OrderId, caller: &Caller) -> ApiResult<Order> {
    let mut conditions = filter::visible_to(caller);
    let p = conditions.bind(id.as_str().to_string());
    let rows = conn.query(
        &format!(
            "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = {p} AND {}",
            conditions.sql()
        ),
        &conditions.params,
    )?;
    one_order(rows)?.ok_or_else(not_found)
}

pub fn not_found() -> ApiError {
    ApiError::not_found("order not found")
}

/// The owner of an order and whether it was deleted; `None` if it never existed.
pub fn owner(conn: &Connection, id: &OrderId) -> ApiResult<Option<(i64, bool)>> {
    let rows = conn.query(
        "SELECT user_id, deleted_at IS NOT NULL FROM orders WHERE id = $1",
        &[id_param(id)],
    )?;
    rows.rows
        .first()
        .map(|row| {
            let deleted = matches!(row[1], DbValue::Boolean(true));
            Ok((super::int(&row[0])?, deleted))
        })
        .transpose()
}

/// What a new order row holds.
pub struct NewRow<'a> {
    pub id: &'a OrderId,
    pub user_id: i64,
    pub status: Status,
    pub total: Money,
    pub items: &'a Items,
    /// The saga recorded an intent (`store::intents`) before reserving stock: the insert
    /// deletes it, and happens only if it is still there and unclaimed (a reconciliation
    /// that took it releases the stock, so the order must not be recorded).
    pub intent: bool,
}

/// Inserts the order and its `created` event in one statement (deleting the saga's intent
/// in the same statement). A taken id → 409; an intent already taken by reconciliation →
/// 503 (the saga then gives the stock back).
pub fn insert(conn: &Connection, row: &NewRow, event: NewEvent) -> ApiResult<Order> {
    let statement = format!(
        "WITH i AS (\
           DELETE FROM order_intents \
            WHERE order_id = $1 AND $7::boolean AND claimed_until IS NULL RETURNING order_id), \
         o AS (\
           INSERT INTO orders (id, user_id, status, total, items) \
           SELECT $1, $2, $3, $4::text::numeric, $5::text::jsonb \
            WHERE NOT $7::boolean OR EXISTS (SELECT 1 FROM i) \
           ON CONFLICT (id) DO NOTHING RETURNING *), \
         {} \
         SELECT {ORDER_COLUMNS} FROM o",
        events::insert_cte("o", "$6")
    );
    let rows = conn.query(
        &statement,
        &[
            id_param(row.id),
            row.user_id.into(),
            row.status.as_str().to_string().into(),
            row.total.to_string().into(),
            items_param(row.items),
            events::param(&[event]).into(),
            row.intent.into(),
        ],
    )?;
    match one_order(rows)? {
        Some(order) => Ok(order),
        // ON CONFLICT DO NOTHING: another request recorded this id meanwhile. A result,
        // not a unique violation, which Spin 3.6 would report without its SQLSTATE.
        None if id_taken(conn, row.id)? => Err(duplicate_id(row.id)),
        None if row.intent => {
            eprintln!(
                "order {}: its intent was taken by reconciliation before the insert",
                row.id
            );
            Err(ApiError::unavailable(
                "the order took too long to record; try again",
            ))
        }
        None => Err(ApiError::internal("insert returned no row")),
    }
}

pub fn duplicate_id(id: &OrderId) -> ApiError {
    ApiError::conflict(format!("an order with id {id} already exists"))
}

/// An order held for one change; see [`lease`].
pub struct Lease {
    pub token: String,
    pub order: Order,
    /// The lease was taken over from a change that never ended it (the component died
    /// mid-change, or could not reach the database to end it): what the inventory holds
    /// for this order is not known, so the change makes it absolute (`StockMove::Ensure`).
    pub interrupted: bool,
}

/// Takes the order for a change by `caller` (owner or admin), so no other change runs
/// between the inventory call and the database write. 404 when the caller cannot see the
/// order, 409 while another change holds it.
pub fn lease(conn: &Connection, id: &OrderId, caller: &Caller) -> ApiResult<Lease> {
    let token = uuid::Uuid::new_v4().to_string();
    let rows = conn.query(
        &format!(
            "UPDATE orders o SET lease_token = $2, lease_until = utc_now() + interval '{LEASE_SECONDS} seconds' \
               FROM (SELECT id, lease_token AS previous FROM orders WHERE id = $1) p \
              WHERE o.id = $1 AND p.id = o.id AND o.deleted_at IS NULL AND ($3 OR o.user_id = $4) \
                AND (o.lease_until IS NULL OR o.lease_until < utc_now()) \
             RETURNING {ORDER_COLUMNS}, p.previous IS NOT NULL"
        ),
        &[
            id_param(id),
            token.clone().into(),
            caller.is_admin().into(),
            caller.id.into(),
        ],
    )?;
    match rows.rows.first() {
        Some(row) => Ok(Lease {
            token,
            order: Order::from_row(row)?,
            interrupted: matches!(row.get(7), Some(DbValue::Boolean(true))),
        }),
        None => {
            find_visible(conn, id, caller)?;
            Err(ApiError::conflict(
                "the order is being changed by another request; try again",
            ))
        }
    }
}

/// Takes up to `limit` orders whose change was interrupted at least `stale_seconds` ago
/// (a lease that ran out and was never ended) for reconciliation.
pub fn lease_interrupted(
    conn: &Connection,
    stale_seconds: u32,
    limit: i64,
) -> ApiResult<Vec<Lease>> {
    let token = uuid::Uuid::new_v4().to_string();
    let rows = conn.query(
        &format!(
            "UPDATE orders o SET lease_token = $1, lease_until = utc_now() + interval '{LEASE_SECONDS} seconds' \
              WHERE o.id IN ( \
                    SELECT id FROM orders \
                     WHERE lease_token IS NOT NULL AND deleted_at IS NULL \
                       AND lease_until < utc_now() - interval '{stale_seconds} seconds' \
                     ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED) \
                AND o.lease_until < utc_now() \
             RETURNING {ORDER_COLUMNS}"
        ),
        &[token.clone().into(), limit.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            Ok(Lease {
                token: token.clone(),
                order: Order::from_row(row)?,
                interrupted: true,
            })
        })
        .collect()
}

/// Gives the order back unchanged (the change failed or was a no-op).
pub fn unlease(conn: &Connection, lease: &Lease) {
    let result = conn.execute(
        "UPDATE orders SET lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2",
        &[id_param(&lease.order.id), lease.token.clone().into()],
    );
    if let Err(e) = result {
        // Not fatal: the lease runs out by itself.
        eprintln!("releasing the lease on order {}: {e:?}", lease.order.id);
    }
}

/// Writes the new status, items and total with their events, and ends the lease.
pub fn commit_change(
    conn: &Connection,
    lease: &Lease,
    status: Status,
    items: &Items,
    total: Money,
    changes: &[NewEvent],
) -> ApiResult<Order> {
    let statement = format!(
        "WITH o AS (\
           UPDATE orders SET status = $3, items = $4::text::jsonb, total = $5::text::numeric, \
                  updated_at = utc_now(), lease_token = NULL, lease_until = NULL \
            WHERE id = $1 AND lease_token = $2 RETURNING *), \
         {} \
         SELECT {ORDER_COLUMNS} FROM o",
        events::insert_cte("o", "$6")
    );
    let rows = conn.query(
        &statement,
        &[
            id_param(&lease.order.id),
            lease.token.clone().into(),
            status.as_str().to_string().into(),
            items_param(items),
            total.to_string().into(),
            events::param(changes).into(),
        ],
    )?;
    one_order(rows)?.ok_or_else(lease_lost)
}

/// Marks the order deleted with its `deleted` event, and ends the lease.
pub fn commit_delete(conn: &Connection, lease: &Lease, event: NewEvent) -> ApiResult<()> {
    let statement = format!(
        "WITH o AS (\
           UPDATE orders SET deleted_at = utc_now(), updated_at = utc_now(), lease_token = NULL, lease_until = NULL \
            WHERE id = $1 AND lease_token = $2 RETURNING id), \
         {} \
         SELECT id FROM o",
        events::insert_cte("o", "$3")
    );
    let rows = conn.query(
        &statement,
        &[
            id_param(&lease.order.id),
            lease.token.clone().into(),
            events::param(&[event]).into(),
        ],
    )?;
    if rows.rows.is_empty() {
        return Err(lease_lost());
    }
    Ok(())
}

/// The lease ran out and another change took the order: this change must not be written.
fn lease_lost() -> ApiError {
    ApiError::conflict("the order was changed by another request; try again")
}

/// `ORDER BY` for the `sort` parameter: a column name, `-` in front for descending.
pub fn order_by(sort: Option<&str>) -> ApiResult<&'static str> {
    Ok(match sort.unwrap_or("-created_at") {
        "-created_at" => "o.created_at DESC, o.id DESC",
        "created_at" => "o.created_at, o.id",
        "-updated_at" => "o.updated_at DESC, o.id DESC",
        "updated_at" => "o.updated_at, o.id",
        "-total" => "o.total DESC, o.id DESC",
        "total" => "o.total, o.id",
        _ => {
            return Err(ApiError::invalid_field(service_kit::FieldError::query(
                "sort",
                "must be one of created_at, updated_at, total, each optionally with a leading -",
                "enum",
            )));
        }
    })
}

/// One page of the orders matching `conditions`, and how many match in all.
pub fn list(
    conn: &Connection,
    mut conditions: Conditions,
    order_by: &str,
    page: Page,
) -> ApiResult<(Vec<Order>, i64)> {
    let page = conditions.page(page);
    let (rows, total) = db::page_with_total(
        conn,
        &format!("FROM orders o WHERE {}", conditions.sql()),
        ORDER_COLUMNS,
        &format!("ORDER BY {order_by} {page}"),
        &conditions.params,
    )?;
    let orders = rows
        .iter()
        .map(|row| Order::from_row(row))
        .collect::<ApiResult<_>>()?;
    Ok((orders, total))
}

/// Orders per statement of an export: what the host and the component hold at once,
/// whatever the number of orders.
const EXPORT_PAGE: usize = 2_000;

/// Every order matching some conditions, oldest first, a page per statement. Pages follow
/// `(created_at, id)`, which no change of an order moves, so each order is read once; they
/// are separate statements, so an order created while the export runs may or may not be
/// in it.
pub struct OldestFirst {
    conditions: Conditions,
    /// The last row read: its created_at as PostgreSQL's own text (microseconds and
    /// offset, which casts back to the same instant) and its id.
    after: Option<(String, String)>,
    done: bool,
}

impl OldestFirst {
    pub fn new(conditions: Conditions) -> Self {
        OldestFirst {
            conditions,
            after: None,
            done: false,
        }
    }

    /// Whether every order was read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page; empty once every order was read.
    pub fn next_page(&mut self, conn: &Connection) -> ApiResult<Vec<Order>> {
        if self.done {
            return Ok(Vec::new());
        }
        let mut page = self.conditions.clone();
        if let Some((created_at, id)) = self.after.take() {
            let created_at = page.bind(created_at);
            let id = page.bind(id);
            page.and(format!(
                "(o.created_at, o.id) > ({created_at}::text::timestamp, {id})"
            ));
        }
        let rows = conn.query(
            &format!(
                "SELECT {ORDER_COLUMNS}, o.created_at::text FROM orders o WHERE {} \
                 ORDER BY o.created_at, o.id LIMIT {EXPORT_PAGE}",
                page.sql()
            ),
            &page.params,
        )?;
        match rows.rows.last() {
            Some(last) if rows.rows.len() == EXPORT_PAGE => {
                self.after = Some((super::text(&last[7])?, super::text(&last[0])?));
            }
            _ => self.done = true,
        }
        rows.rows.iter().map(|row| Order::from_row(row)).collect()
    }
}
