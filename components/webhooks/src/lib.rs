//! Order-event webhooks: the delivery side of the orders outbox.
//!
//! - Redis trigger (`{{ redis_namespace }}:webhooks`): every message runs one delivery
//!   pass — new outbox events are fanned out to one delivery per URL of `webhook_urls`,
//!   due deliveries are signed and POSTed, every attempt is recorded — and, for one
//!   invocation at a time, keeps polling for retries that fall due soon.
//! - HTTP (`/orders/webhooks/...`): admin endpoints to list deliveries and retry a failed
//!   one, and a wake-up endpoint for schedulers.
//!
//! See README.md for the design.

mod admin;
mod deliver;
mod settings;
mod sign;
mod store;

use spin_sdk::http::{Request, Response};
use spin_sdk::{http_component, redis_component};

#[http_component]
fn handle(req: Request) -> Response {
    admin::router().handle(req)
}

#[redis_component]
async fn on_message(_message: bytes::Bytes) -> anyhow::Result<()> {
    // The payload does not matter: any message means "look at the outbox".
    deliver::run().await
}
