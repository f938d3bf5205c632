//! The inventory service.

use service_kit::json;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    service_kit::serve("inventory", req, |req, _ctx| {
        let path = req
            .header("spin-path-info")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        match (req.method(), path) {
            (Method::Get, "/healthz") => Ok(json::ok(&serde_json::json!({ "status": "healthy" }))),
            _ => Err(service_kit::ApiError::not_found("Not Found")),
        }
    })
}
