//! The routes of `/inventory/...`, one module per group.

mod analytics;
mod csv;
mod items;
mod reservations;

use service_kit::routing::Routes;
use service_kit::{ApiError, ApiResult};
use spin_sdk::http::{Method, Params, Router};

pub fn router() -> Router {
    Routes::new("inventory")
        .at(
            "/healthz",
            &[(Method::Get, |_, _, _| Ok(service_kit::health::healthz()))],
        )
        .at(
            "/readyz",
            &[(Method::Get, |_, _, _| Ok(service_kit::health::readyz()))],
        )
        .at(
            "/",
            &[(Method::Get, items::list), (Method::Post, items::create)],
        )
        .at(
            "/:id",
            &[
                (Method::Get, items::get),
                (Method::Put, items::update),
                (Method::Delete, items::delete),
            ],
        )
        .at("/analytics", &[(Method::Get, analytics::summary)])
        .at("/export/csv", &[(Method::Get, csv::export)])
        .at("/import/csv", &[(Method::Post, csv::import)])
        .at("/reservations", &[(Method::Post, reservations::reserve)])
        .at(
            "/reservations/:order_id",
            &[
                (Method::Put, reservations::adjust),
                (Method::Delete, reservations::release),
            ],
        )
        .build()
}

/// The `:id` of a path; one that is not an item id names no item (404).
fn item_id(params: &Params) -> ApiResult<i64> {
    params
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or_else(item_not_found)
}

fn item_not_found() -> ApiError {
    ApiError::not_found("item not found")
}
