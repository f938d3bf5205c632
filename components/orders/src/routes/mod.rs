//! The routes of `/orders/...`, one module per group. Spin gives each request a fresh
//! instance, so the router is built per request, bound to that request's context.

mod analytics;
mod api_doc;
pub mod csv;
mod health;
mod maintenance;
mod orders;
mod timeline;

use std::future::Future;
use std::rc::Rc;

use service_kit::routing::under;
use service_kit::{ApiError, ApiResult, RequestContext};
use spin_sdk::http::{Params, Request, Response, Router};

use crate::domain::OrderId;

/// Where `spin.toml` mounts the service; routes match the whole path under it (see
/// `service_kit::routing`), so chained calls and calls from another app route alike.
pub const BASE: &str = "/orders";

pub fn router(ctx: &Rc<RequestContext>) -> Router {
    let at = |path| under(BASE, path);
    let mut router = Router::new();
    router.get_async(&at("/healthz"), bind(ctx, health::healthz));
    router.get_async(&at("/readyz"), bind(ctx, health::readyz));
    router.get_async(&at("/openapi.json"), |_: Request, _: Params| async {
        service_kit::openapi::json_response(&api_doc::document())
    });
    router.get_async(&at("/docs"), |_: Request, _: Params| async {
        service_kit::openapi::docs_page("orders API", "/orders/openapi.json")
    });
    router.get_async(&at("/"), bind(ctx, orders::list));
    router.post_async(&at("/"), bind(ctx, orders::create));
    router.get_async(&at("/analytics"), bind(ctx, analytics::summary));
    router.get_async(
        &at("/analytics/timeseries"),
        bind(ctx, analytics::timeseries),
    );
    router.get_async(&at("/analytics/forecast"), bind(ctx, analytics::forecast));
    router.post_async(&at("/import/csv"), bind(ctx, csv::import));
    router.post_async(
        &at("/maintenance/reconcile"),
        bind(ctx, maintenance::reconcile),
    );
    router.get_async(&at("/:id"), bind(ctx, orders::get));
    router.put_async(&at("/:id"), bind(ctx, orders::update));
    router.delete_async(&at("/:id"), bind(ctx, orders::delete));
    router.get_async(&at("/:id/timeline"), bind(ctx, timeline::timeline));
    // Another method on a known path is 405, anything else 404, both in the contract's
    // `{"detail": ...}` shape rather than Spin's plain text. Method routes win over these.
    for path in PATHS {
        router.any_async(&at(path), |_: Request, _: Params| async {
            ApiError::new(405, "Method Not Allowed")
        });
    }
    router.any_async("/*", |_: Request, _: Params| async {
        ApiError::not_found("Not Found")
    });
    router
}

const PATHS: [&str; 13] = [
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/",
    "/analytics",
    "/analytics/timeseries",
    "/analytics/forecast",
    "/export/csv",
    "/import/csv",
    "/maintenance/reconcile",
    "/:id",
    "/:id/timeline",
];

/// Adapts a handler that needs the request context to the router's `(Request, Params)`.
fn bind<H, Fut>(ctx: &Rc<RequestContext>, handler: H) -> impl Fn(Request, Params) -> Fut + 'static
where
    H: Fn(Request, Params, Rc<RequestContext>) -> Fut + 'static,
    Fut: Future<Output = ApiResult<Response>> + 'static,
{
    let ctx = ctx.clone();
    move |req, params| handler(req, params, ctx.clone())
}

/// The `:id` of the path; an id that cannot exist is simply not found.
fn order_id(params: &Params) -> ApiResult<OrderId> {
    params
        .get("id")
        .and_then(|id| OrderId::try_from(id.to_string()).ok())
        .ok_or_else(crate::store::orders::not_found)
}
