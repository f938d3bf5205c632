//! Changing and deleting an order. The order is leased first (no other change can run in
//! between), the stock is moved (cancel releases, reactivate reserves, new items replace),
//! then the order and its events are written in one statement; a failed write undoes the
//! stock move.

use service_kit::{ApiError, ApiResult, Caller, RequestContext, db};
use spin_sdk::pg4::Connection;

use crate::domain::{OrderChange, OrderId, Status, StockEffect, checked_total, total_error};

use crate::stock::StockMove;
use crate::store::Order;
use crate::store::events::{EventType, NewEvent};
use crate::store::orders::{self, Lease};

pub async fn update(
    ctx: &RequestContext,
    caller: &Caller,
    id: &OrderId,
    change: OrderChange,
) -> ApiResult<Order> {
    change.require_something()?;
    let conn = db::connect()?;
    let lease = orders::lease(&conn, id, caller)?;
    let plan = match plan_update(&lease.order, change, caller) {
        Ok(Some(plan)) => plan,
        nothing_or_refused => {
            orders::unlease(&conn, &lease);
            return nothing_or_refused.map(|_| lease.order.clone());
        }
    };
    let result = apply(ctx, &conn, &lease, plan).await;
    // A written change ended the lease; a failed one gives the order back.
    if result.is_err() {
        orders::unlease(&conn, &lease);
    }
    result
}

/// What an update writes and how it moves the stock.
struct Plan {
    status: Status,
    items: crate::domain::Items,
    total: service_kit::money::Money,
    events: Vec<NewEvent>,
    stock: StockMove,
}

/// Checks the change against the order's state; `None` when it changes nothing.
fn plan_update(current: &Order, change: OrderChange, caller: &Caller) -> ApiResult<Option<Plan>> {
    let status = change.status.unwrap_or(current.status);
    let effect = current
        .status
        .transition(status)
        .map_err(ApiError::conflict)?;
    let items = match change.items {
        Some(_) if current.status != Status::Pending => {
            return Err(ApiError::conflict(format!(
                "items can only change while the order is pending (it is {})",
                current.status
            )));
        }
        Some(items) => items,
        None => current.items.clone(),
    };
    let total = checked_total(&items, change.total).map_err(total_error)?;
    let mut events = Vec::new();
    if items != current.items {
        events.push(NewEvent {
            event_type: EventType::Updated,
            description: format!("items changed, total {} → {total}", current.total),
            old_value: Some(json_text(&current.items)),
            new_value: Some(json_text(&items)),
            user_id: caller.id,
        });
    }
    if status != current.status {
        events.push(NewEvent {
            event_type: EventType::StatusChanged,
            description: format!("status changed from {} to {status}", current.status),
            old_value: Some(current.status.to_string()),
            new_value: Some(status.to_string()),
            user_id: caller.id,
        });
    }
    if events.is_empty() {
        return Ok(None);
    }
    let stock = match effect {
        StockEffect::Release => StockMove::Release(current.items.clone()),
        StockEffect::Reserve => StockMove::Reserve(items.clone()),
        StockEffect::None if items != current.items => StockMove::Replace {
            from: current.items.clone(),
            to: items.clone(),
        },
        StockEffect::None => StockMove::None,
    };
    Ok(Some(Plan {
        status,
        items,
        total,
        events,
        stock,
    }))
}

async fn apply(
    ctx: &RequestContext,
    conn: &Connection,
    lease: &Lease,
    plan: Plan,
) -> ApiResult<Order> {
    let id = &lease.order.id;
    plan.stock.apply(ctx, id).await?;
    plan.stock
        .write_or_undo(ctx, id, || {
            orders::commit_change(
                conn,
                lease,
                plan.status,
                &plan.items,
                plan.total,
                &plan.events,
            )
        })
        .await
}

/// Deletes an order: the owner while it is pending or cancelled, an admin always. Stock
/// still held is given back; the timeline stays, ending with `deleted`.
pub async fn delete(ctx: &RequestContext, caller: &Caller, id: &OrderId) -> ApiResult<()> {
    let conn = db::connect()?;
    let lease = orders::lease(&conn, id, caller)?;
    let result = delete_leased(ctx, caller, &conn, &lease).await;
    if result.is_err() {
        orders::unlease(&conn, &lease);
    }
    result
}

async fn delete_leased(
    ctx: &RequestContext,
    caller: &Caller,
    conn: &Connection,
    lease: &Lease,
) -> ApiResult<()> {
    let order = &lease.order;
    if !caller.is_admin() && !matches!(order.status, Status::Pending | Status::Cancelled) {
        return Err(ApiError::conflict(format!(
            "an order can be deleted by its owner only while pending or cancelled (it is {})",
            order.status
        )));
    }
    let stock = if order.status.holds_stock() {
        StockMove::Release(order.items.clone())
    } else {
        StockMove::None
    };
    stock.apply(ctx, &order.id).await?;
    let event = NewEvent {
        event_type: EventType::Deleted,
        description: "order deleted".to_string(),
        old_value: Some(order.status.to_string()),
        new_value: None,
        user_id: caller.id,
    };
    stock
        .write_or_undo(ctx, &order.id, || orders::commit_delete(conn, lease, event))
        .await
}

fn json_text(items: &crate::domain::Items) -> String {
    serde_json::to_string(items).expect("items serialize")
}
