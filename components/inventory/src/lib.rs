//! The inventory service: items and their stock, stock reservations for the orders
//! service, low-stock analytics and CSV import/export, under `/inventory`.

mod cache;
mod domain;
mod item;
mod routes;
mod settings;
mod store;

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    routes::router().handle(req)
}
