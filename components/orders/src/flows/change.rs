//! Changing and deleting an order. The order is leased first (no other change can run in
//! between), the stock is moved (cancel releases, reactivate reserves, new items replace),
//! then the order and its events are written in one statement; a failed write undoes the
//! stock move.
//!
//! The lease is also the durable mark of a change in flight: a change that dies between
//! its stock move and its write leaves the lease set after it ran out. The next change of
//! the order (or reconciliation, for orders nobody changes) then sees `interrupted` and
//! moves the stock absolutely (`StockMove::Ensure`) rather than relative to the order's
//! recorded state. A lease whose stock may be off (the move or its undo failed without an
//! answer) is left to run out rather than ended, so the mark stays.

use service_kit::{ApiError, ApiResult, Caller, RequestContext, db};

use crate::domain::{Items, OrderChange, OrderId, Status, StockEffect, checked_total, total_error};

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
            // An interrupted change is settled even when this one changes nothing.
            if !lease.interrupted || resync(ctx, &lease).await.is_ok() {
                orders::unlease(&conn, &lease);
            }
            return nothing_or_refused.map(|_| lease.order.clone());
        }
    };
    let stock = absolute_if_interrupted(&lease, plan.stock);
    let (result, consistent) = move_and_write(ctx, &lease, stock, || {
        orders::commit_change(
            &conn,
            &lease,
            plan.status,
            &plan.items,
            plan.total,
            &plan.events,
        )
    })
    .await;
    // A written change ended the lease; a failed one gives the order back, unless the
    // stock may not match the order any more.
    if result.is_err() && consistent {
        orders::unlease(&conn, &lease);
    }
    result
}

/// What the inventory holds for a (not deleted) order in `status` with `items`: the items,
/// except when cancelled (a delivered order's reservation stays: its stock has left).
fn held(status: Status, items: &Items) -> Option<Items> {
    (status != Status::Cancelled).then(|| items.clone())
}

/// The move of a change; absolute when the previous change of the order was interrupted.
fn absolute_if_interrupted(lease: &Lease, planned: StockMove) -> StockMove {
    if !lease.interrupted {
        return planned;
    }
    let order = &lease.order;
    let to = match &planned {
        StockMove::None => held(order.status, &order.items),
        StockMove::Release(_) => None,
        StockMove::Reserve(items) => Some(items.clone()),
        StockMove::Replace { to, .. } => Some(to.clone()),
        StockMove::Ensure { to, .. } => to.clone(),
    };
    StockMove::Ensure {
        from: held(order.status, &order.items),
        to,
    }
}

/// Makes the inventory match the leased order as recorded (reconciliation of an
/// interrupted change).
pub async fn resync(ctx: &RequestContext, lease: &Lease) -> ApiResult<()> {
    let order = &lease.order;
    let recorded = held(order.status, &order.items);
    StockMove::Ensure {
        from: recorded.clone(),
        to: recorded,
    }
    .apply(ctx, &order.id)
    .await
}

/// Moves the stock, then writes; a failed write undoes the move. Also says whether the
/// stock is known to match the order as recorded afterwards.
async fn move_and_write<T>(
    ctx: &RequestContext,
    lease: &Lease,
    stock: StockMove,
    write: impl FnOnce() -> ApiResult<T>,
) -> (ApiResult<T>, bool) {
    let id = &lease.order.id;
    if let Err(e) = stock.apply(ctx, id).await {
        // Refused (409: too little stock, 404/422): nothing moved. No answer (503): the
        // move may have happened, so it is undone (every move's undo is idempotent).
        let consistent = e.status < 500 || stock.undo(ctx, id).await;
        return (Err(e), consistent);
    }
    let undone = std::cell::Cell::new(false);
    let result = stock
        .write_or_undo(ctx, id, write, || undone.set(true))
        .await;
    let consistent = result.is_ok() || undone.get();
    (result, consistent)
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

/// Deletes an order: the owner while it is pending or cancelled, an admin always. Stock
/// still held is given back; the timeline stays, ending with `deleted`.
pub async fn delete(ctx: &RequestContext, caller: &Caller, id: &OrderId) -> ApiResult<()> {
    let conn = db::connect()?;
    let lease = orders::lease(&conn, id, caller)?;
    let order = &lease.order;
    if !caller.is_admin() && !matches!(order.status, Status::Pending | Status::Cancelled) {
        if !lease.interrupted || resync(ctx, &lease).await.is_ok() {
            orders::unlease(&conn, &lease);
        }
        return Err(ApiError::conflict(format!(
            "an order can be deleted by its owner only while pending or cancelled (it is {})",
            order.status
        )));
    }
    // Stock still held goes back; a delivered order's has left, so its reservation stays.
    let planned = if order.status.holds_stock() {
        StockMove::Release(order.items.clone())
    } else {
        StockMove::None
    };
    let stock = if lease.interrupted {
        StockMove::Ensure {
            from: held(order.status, &order.items),
            to: if order.status.holds_stock() {
                None
            } else {
                held(order.status, &order.items)
            },
        }
    } else {
        planned
    };
    let event = NewEvent {
        event_type: EventType::Deleted,
        description: "order deleted".to_string(),
        old_value: Some(order.status.to_string()),
        new_value: None,
        user_id: caller.id,
    };
    let (result, consistent) = move_and_write(ctx, &lease, stock, || {
        orders::commit_delete(&conn, &lease, event)
    })
    .await;
    if result.is_err() && consistent {
        orders::unlease(&conn, &lease);
    }
    result
}

fn json_text(items: &crate::domain::Items) -> String {
    serde_json::to_string(items).expect("items serialize")
}
