//! The inventory service's stock reservations, keyed by order id
//! (`docs/service-contracts.md`).

use serde_json::{Value, json};
use service_kit::{ApiError, ApiResult, RequestContext};
use spin_sdk::http::Method;

use super::{Reply, Service};
use crate::domain::{Items, OrderId};

pub struct Inventory(Service);

/// How a reservation request went.
#[derive(Debug, PartialEq, Eq)]
pub enum Reserved {
    /// This call took the stock.
    Taken,
    /// The order id already held a reservation; nothing more was taken.
    AlreadyHeld,
}

impl Inventory {
    pub fn connect(ctx: &RequestContext) -> ApiResult<Self> {
        Service::connect("inventory", "inventory_url", ctx).map(Inventory)
    }

    /// Takes the stock of every line at once, or nothing: unknown SKUs or too little stock
    /// → 409 with the inventory's detail.
    pub async fn reserve(&self, order: &OrderId, items: &Items) -> ApiResult<Reserved> {
        let body = json!({ "order_id": order, "items": lines(items) });
        let reply = self
            .0
            .call(Method::Post, "/inventory/reservations", Some(&body))
            .await?;
        match reply.status {
            201 => Ok(Reserved::Taken),
            200 => Ok(Reserved::AlreadyHeld),
            _ => Err(self.refusal("reserving stock", reply)),
        }
    }

    /// Makes the held reservation exactly `items`, taking or giving back the differences.
    pub async fn replace(&self, order: &OrderId, items: &Items) -> ApiResult<()> {
        let body = json!({ "items": lines(items) });
        let reply = self
            .0
            .call(
                Method::Put,
                &format!("/inventory/reservations/{order}"),
                Some(&body),
            )
            .await?;
        match reply.status {
            200 => Ok(()),
            _ => Err(self.refusal("changing reserved stock", reply)),
        }
    }

    /// Gives back whatever the order holds; idempotent.
    pub async fn release(&self, order: &OrderId) -> ApiResult<()> {
        let reply = self
            .0
            .call(
                Method::Delete,
                &format!("/inventory/reservations/{order}"),
                None,
            )
            .await?;
        match reply.status {
            200 | 204 => Ok(()),
            _ => Err(self.0.unexpected("releasing stock", &reply)),
        }
    }

    /// The contract's refusals (unknown SKU 404, short stock 409, invalid lines 422) become
    /// the order's 409, carrying the inventory's detail so the client sees which SKUs.
    fn refusal(&self, what: &str, reply: Reply) -> ApiError {
        match reply.status {
            404 | 409 | 422 => ApiError::conflict(match reply.body {
                Value::Object(mut body) => body.remove("detail").unwrap_or(Value::Null),
                other => other,
            }),
            _ => self.0.unexpected(what, &reply),
        }
    }
}

fn lines(items: &Items) -> Value {
    items
        .iter()
        .map(|item| json!({ "sku": item.sku, "quantity": item.quantity }))
        .collect()
}
