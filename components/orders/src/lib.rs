//! The orders service: the order saga across the users and inventory services, the status
//! machine, the timeline, analytics and forecast, CSV export and import.

mod cache;
mod domain;
mod faults;
mod flows;
mod forecast;
mod remote;
mod routes;
mod stock;
mod store;

use spin_sdk::http::{Method, Request, ResponseOutparam};
use spin_sdk::http_component;

#[http_component]
async fn handle(req: Request, out: ResponseOutparam) {
    // The CSV export streams its body, which the router's handlers cannot.
    if routes::csv::is_export(&req) {
        return service_kit::serve_streamed("orders", req, out, routes::csv::export).await;
    }
    let response = service_kit::serve_async("orders", req, |req, ctx| async move {
        let changes = !matches!(req.method(), Method::Get | Method::Head | Method::Options);
        let response = routes::router(&ctx).handle_async(req).await;
        // A change that succeeded wrote its events to the webhook outbox in the same
        // statement: wake the deliverer (best effort, never waits for delivery), and
        // retire every cached list page and aggregate.
        if changes && (200..300).contains(response.status()) {
            cache::orders_cache().invalidate();
            service_kit::redis::wake_webhooks();
        }
        Ok(response)
    })
    .await;
    service_kit::respond(out, response).await;
}
