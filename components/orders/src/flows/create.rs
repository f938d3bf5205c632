//! Creating an order: validate → the user exists and is active (users service) → reserve
//! every line at once (inventory service) → write the order and its `created` event in one
//! statement. A failure after the reservation releases it, so nothing is left behind.

use service_kit::{ApiError, ApiResult, Caller, RequestContext, db};
use spin_sdk::pg4::Connection;

use crate::domain::{NewOrder, OrderId, Status};
use crate::remote::inventory::{Inventory, Reserved};
use crate::remote::users;
use crate::stock::StockMove;
use crate::store::Order;
use crate::store::events::{EventType, NewEvent};
use crate::store::idempotency::{self, Claim, Key};
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
    // Checked first so a repeated id never reaches the inventory, whose reservation for
    // that id belongs to the existing order. A fresh UUID cannot be taken: no round trip.
    if new.id.is_some() && orders::id_taken(conn, id)? {
        return Err(orders::duplicate_id(id));
    }
    users::require_active(ctx, user_id).await?;
    // A cancelled order holds no stock.
    let reserved = if new.status == Status::Cancelled {
        StockMove::None
    } else {
        if Inventory::connect(ctx)?.reserve(id, &new.items).await? == Reserved::AlreadyHeld {
            // Another request is creating an order with this id right now: the stock held
            // is its, so it must not be released here.
            return Err(orders::duplicate_id(id));
        }
        StockMove::Reserve(new.items.clone())
    };
    let row = NewRow {
        id,
        user_id,
        status: new.status,
        total: new.total,
        items: &new.items,
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
        .write_or_undo(ctx, id, || orders::insert(conn, &row, event))
        .await
}
