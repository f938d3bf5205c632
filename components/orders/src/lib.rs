//! The orders service: the order saga across the users and inventory services, the status
//! machine, the timeline, analytics and forecast, CSV export and import.

mod domain;
mod faults;
mod flows;
mod forecast;
mod remote;
mod routes;
mod stock;
mod store;

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
async fn handle(req: Request) -> Response {
    service_kit::serve_async("orders", req, |req, ctx| async move {
        Ok(routes::router(&ctx).handle_async(req).await)
    })
    .await
}
