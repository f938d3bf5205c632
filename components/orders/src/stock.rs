//! Moves of the stock an order holds, each with the move that undoes it: the steps and
//! compensations of the order sagas.

use service_kit::{ApiResult, RequestContext};

use crate::domain::{Items, OrderId};
use crate::faults;
use crate::remote::inventory::Inventory;

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
    pub async fn write_or_undo<T>(
        self,
        ctx: &RequestContext,
        order: &OrderId,
        write: impl FnOnce() -> ApiResult<T>,
    ) -> ApiResult<T> {
        let written = faults::check(faults::AFTER_RESERVATION).and_then(|()| write());
        if written.is_err() {
            self.undo(ctx, order).await;
        }
        written
    }

    /// Compensates a move whose change could not be written. If this fails too, the stock
    /// and the order disagree until someone acts, so it is logged loudly.
    async fn undo(self, ctx: &RequestContext, order: &OrderId) {
        let inverse = self.inverse();
        if matches!(inverse, StockMove::None) {
            return;
        }
        let result = match Inventory::connect(ctx) {
            Ok(inventory) => inverse.run(&inventory, order).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            eprintln!(
                "request {}: COMPENSATION FAILED for order {order}, its stock needs a manual fix: {}",
                ctx.request_id, e.detail
            );
        }
    }

    async fn run(&self, inventory: &Inventory, order: &OrderId) -> ApiResult<()> {
        match self {
            StockMove::None => Ok(()),
            // "Already held" is fine here: the order can only ever hold these lines.
            StockMove::Reserve(items) => inventory.reserve(order, items).await.map(drop),
            StockMove::Release(_) => inventory.release(order).await,
            StockMove::Replace { to, .. } => inventory.replace(order, to).await,
        }
    }

    fn inverse(self) -> StockMove {
        match self {
            StockMove::None => StockMove::None,
            StockMove::Reserve(items) => StockMove::Release(items),
            StockMove::Release(items) => StockMove::Reserve(items),
            StockMove::Replace { from, to } => StockMove::Replace { from: to, to: from },
        }
    }
}
