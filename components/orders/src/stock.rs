//! Moves of the stock an order holds, each with the move that undoes it: the steps and
//! compensations of the order sagas.

use service_kit::{ApiResult, RequestContext};

use crate::domain::{Items, OrderId};
use crate::faults;
use crate::remote::inventory::{Inventory, Reserved};

#[derive(Clone)]
pub enum StockMove {
    None,
    /// Take the stock of these lines (an order is reactivated).
    Reserve(Items),
    /// Give back what the order holds, these lines (it is cancelled or deleted).
    Release(Items),
    /// Make the held stock `to` instead of `from` (items changed while pending).
    Replace {
        from: Items,
        to: Items,
    },
    /// Make the inventory hold exactly `to` (`None`: nothing), whatever it holds now; its
    /// undo makes it hold exactly `from`. For a change that takes over an order whose
    /// previous change was interrupted (its lease ran out unreleased), when what the
    /// inventory holds is not known.
    Ensure {
        from: Option<Items>,
        to: Option<Items>,
    },
}

impl StockMove {
    pub async fn apply(&self, ctx: &RequestContext, order: &OrderId) -> ApiResult<()> {
        if matches!(self, StockMove::None) {
            return Ok(());
        }
        self.run(&Inventory::connect(ctx)?, order).await
    }

    /// Writes the change this move was made for; if that fails (or a test injects a
    /// failure here), undoes the move so no stock is held for a change that did not happen.
    /// `undone` runs once the move was undone (not when the undo failed): the create saga
    /// forgets its intent there, a change ends its lease.
    pub async fn write_or_undo<T>(
        self,
        ctx: &RequestContext,
        order: &OrderId,
        write: impl FnOnce() -> ApiResult<T>,
        undone: impl FnOnce(),
    ) -> ApiResult<T> {
        let written = faults::check(faults::AFTER_RESERVATION).and_then(|()| write());
        if written.is_err() && self.undo(ctx, order).await {
            undone();
        }
        written
    }

    /// Compensates a move whose change could not be written; `true` when the stock is as
    /// it was. If this fails too, the stock and the order disagree until someone acts, so
    /// it is logged loudly (for a create, reconciliation acts: see `flows::reconcile`).
    pub async fn undo(&self, ctx: &RequestContext, order: &OrderId) -> bool {
        let inverse = self.clone().inverse();
        if matches!(inverse, StockMove::None) {
            return true;
        }
        let result = match Inventory::connect(ctx) {
            Ok(inventory) => inverse.run(&inventory, order).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            eprintln!(
                "request {}: COMPENSATION FAILED for order {order}, left to reconciliation (POST /orders/maintenance/reconcile): {}",
                ctx.request_id, e.detail
            );
        }
        result.is_ok()
    }

    async fn run(&self, inventory: &Inventory, order: &OrderId) -> ApiResult<()> {
        match self {
            StockMove::None => Ok(()),
            // "Already held" is fine here: the order can only ever hold these lines.
            StockMove::Reserve(items) => inventory.reserve(order, items).await.map(drop),
            StockMove::Release(_) => inventory.release(order).await,
            StockMove::Replace { to, .. } => inventory.replace(order, to).await,
            StockMove::Ensure { to: None, .. } => inventory.release(order).await,
            StockMove::Ensure {
                to: Some(items), ..
            } => match inventory.reserve(order, items).await? {
                Reserved::Taken => Ok(()),
                Reserved::AlreadyHeld => inventory.replace(order, items).await,
            },
        }
    }

    fn inverse(self) -> StockMove {
        match self {
            StockMove::None => StockMove::None,
            StockMove::Reserve(items) => StockMove::Release(items),
            StockMove::Release(items) => StockMove::Reserve(items),
            StockMove::Replace { from, to } => StockMove::Replace { from: to, to: from },
            StockMove::Ensure { from, to } => StockMove::Ensure { from: to, to: from },
        }
    }
}
