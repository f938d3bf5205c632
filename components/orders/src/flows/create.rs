//! Creating an order: validate → the user exists and is active (users service) → reserve
//! every line at once (inventory service) → write the order and its `created` event in one
//! statement. A failure after the reservation releases it, so nothing is left behind.
//!
//! Before the reservation the saga records an intent (`store::intents`, one statement),
//! which the insert deletes; a saga that dies in between (host killed, PostgreSQL down,
//! compensation failed) leaves the intent, and `flows::reconcile` releases its stock later.
//! Each create first runs a small reconciliation pass when stale intents exist.

use service_kit::{ApiError, ApiResult, Caller, RequestContext, db};
use spin_sdk::pg4::Connection;

use crate::domain::{NewOrder, OrderId, Status};
use crate::flows::reconcile;
use crate::remote::inventory::{Inventory, Reserved};
use crate::remote::users;
use crate::stock::StockMove;
use crate::store::Order;
use crate::store::events::{EventType, NewEvent};
use crate::store::idempotency::{self, Claim, Key};
use crate::store::intents;
use crate::store::orders::{self, NewRow};

pub enum Created {
    New(Order),
    /// The order an earlier request with the same Idempotency-Key and body created.
    Replayed(Order),
}

/// The request body travels along for the idempotency hash.
pub struct Idempotency<'a> {
    pub key: Key,
    pub body: &'a [u8],
}

pub async fn create(
    ctx: &RequestContext,
    caller: &Caller,
    new: NewOrder,
    idempotency: Option<Idempotency<'_>>,
) -> ApiResult<Created> {
    let user_id = new.user_id.unwrap_or(caller.id);
    if !caller.can_access(user_id) {
        return Err(ApiError::forbidden("you may only order for yourself"));
    }
    if new.status != Status::Pending && !caller.is_admin() {
        return Err(ApiError::forbidden(
            "only an admin may create an order that is not pending",
        ));
    }
    let conn = db::connect()?;
    // Sagas that died earlier: one indexed statement when there are none.
    reconcile::opportunistic(ctx, &conn).await;
    let id = new.id.clone().unwrap_or_else(OrderId::generate);
    if let Some(idem) = &idempotency
        && let Claim::Replay(first) = idempotency::claim(&conn, &idem.key, idem.body, &id)?
    {
        return orders::find_visible(&conn, &first, caller).map(Created::Replayed);
    }
    let result = reserve_and_write(ctx, caller, &conn, &id, user_id, &new).await;
    if let (Err(_), Some(idem)) = (&result, &idempotency) {
        idempotency::release(&conn, &idem.key, &id);
    }
    result.map(Created::New)
}

async fn reserve_and_write(
    ctx: &RequestContext,
    caller: &Caller,
    conn: &Connection,
    id: &OrderId,
    user_id: i64,
    new: &NewOrder,
) -> ApiResult<Order> {
    // Checked first so a repeated id never reaches the users service; the intent checks
    // again, atomically, before the inventory. A fresh UUID cannot be taken: no round trip.
    if new.id.is_some() && orders::id_taken(conn, id)? {
        return Err(orders::duplicate_id(id));
    }
    users::require_active(ctx, user_id).await?;
    // A cancelled order holds no stock.
    let reserved = if new.status == Status::Cancelled {
        StockMove::None
    } else {
        reserve(ctx, conn, id, user_id, new).await?
    };
    let intent = !matches!(reserved, StockMove::None);
    let row = NewRow {
        id,
        user_id,
        status: new.status,
        total: new.total,
        items: &new.items,
        intent,
    };
    let event = NewEvent {
        event_type: EventType::Created,
        description: format!(
            "order created with {} item(s), total {}",
            new.items.iter().count(),
            new.total
        ),
        old_value: None,
        new_value: Some(new.status.to_string()),
        user_id: caller.id,
    };
    reserved
        .write_or_undo(
            ctx,
            id,
            || orders::insert(conn, &row, event),
            || {
                if intent {
                    intents::forget(conn, id);
                }
            },
        )
        .await
}

/// Records the intent, then reserves every line. A reservation that failed without an
/// answer (time-out, 5xx) may still have been taken, so it is released before the intent
/// is forgotten; if that release fails too, the intent stays for reconciliation.
async fn reserve(
    ctx: &RequestContext,
    conn: &Connection,
    id: &OrderId,
    user_id: i64,
    new: &NewOrder,
) -> ApiResult<StockMove> {
    if !intents::record(conn, id, user_id)? {
        // An order with this id exists, or another request is creating one right now.
        return Err(orders::duplicate_id(id));
    }
    let reserved = StockMove::Reserve(new.items.clone());
    let outcome = match Inventory::connect(ctx) {
        Ok(inventory) => inventory.reserve(id, &new.items).await,
        Err(e) => {
            intents::forget(conn, id);
            return Err(e);
        }
    };
    match outcome {
        Ok(Reserved::Taken) => Ok(reserved),
        Ok(Reserved::AlreadyHeld) => {
            // Held for this id already, yet no order and no other intent has it: stock
            // left by an earlier saga whose intent is gone. It is not this request's to
            // give back or to use.
            intents::forget(conn, id);
            Err(orders::duplicate_id(id))
        }
        // Refused (unknown SKU, too little stock): nothing was taken.
        Err(e) if e.status < 500 => {
            intents::forget(conn, id);
            Err(e)
        }
        Err(e) => {
            if reserved.undo(ctx, id).await {
                intents::forget(conn, id);
            }
            Err(e)
        }
    }
}
