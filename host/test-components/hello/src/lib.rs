//! Answers every request with 200 "hello": the smallest useful component, so the host
//! benchmark measures the host (routing, a fresh instance, the call), not the guest.
//! It uses no Spin interface, so it imports only wasi:http and wasi:cli and `wasmtime
//! serve` can run the same file for comparison.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_req: Request) -> impl IntoResponse {
    Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body("hello")
        .build()
}
