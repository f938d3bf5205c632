//! The routes of `/inventory/...`, one module per group.

mod analytics;
mod csv;
mod items;
mod reservations;

use service_kit::openapi;
use service_kit::routing::Routes;
use service_kit::{ApiError, ApiResult};
use spin_sdk::http::{Method, Params, Router};
use utoipa::OpenApi;

pub fn router() -> Router {
    Routes::new("inventory", "/inventory")
        .service_endpoints(document)
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

/// The service's OpenAPI document, from the handlers' `#[utoipa::path]` attributes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "inventory",
        description = "Items and stock, low-stock analytics, CSV, and the stock reservations \
            the orders service makes. Errors are `{\"detail\": \"...\"}`, or 422 with a list \
            of invalid fields.",
    ),
    paths(
        items::list,
        items::create,
        items::get,
        items::update,
        items::delete,
        analytics::summary,
        csv::export,
        csv::import,
        reservations::reserve,
        reservations::adjust,
        reservations::release,
    ),
    tags(
        (name = "items", description = "Anyone signed in reads; admins write"),
        (name = "analytics", description = "Stock totals"),
        (name = "csv", description = "Export (anyone signed in) and import (admin)"),
        (name = "reservations", description = "For the orders service only: its service \
            credential as the bearer token (a user's token gets 403)"),
        (name = "meta", description = "Health and this documentation"),
    )
)]
struct ApiDoc;

pub fn document() -> serde_json::Value {
    openapi::document("/inventory", ApiDoc::openapi())
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_every_route() {
        let doc = super::document();
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/inventory/",
            "/inventory/{id}",
            "/inventory/analytics",
            "/inventory/export/csv",
            "/inventory/import/csv",
            "/inventory/reservations",
            "/inventory/reservations/{order_id}",
            "/inventory/healthz",
            "/inventory/readyz",
            "/inventory/openapi.json",
            "/inventory/docs",
        ] {
            assert!(paths.contains_key(path), "{path} is not documented");
        }
        if let Ok(out) = std::env::var("OPENAPI_OUT") {
            std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        }
    }
}
