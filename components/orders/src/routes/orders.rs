//! `/orders/` and `/orders/{id}`: list, create, get, update, delete.

use std::rc::Rc;

use serde_json::value::RawValue;
use service_kit::query::Query;
use service_kit::{ApiError, ApiResult, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};

use super::order_id;
use crate::domain::{CreateBody, NewOrder, OrderChange};

use crate::cache::orders_cache;
use crate::flows::change;
use crate::flows::create::{self, Created, Idempotency};
use crate::store::filter;
use crate::store::idempotency::Key;
use crate::store::orders;

/// Own orders (an admin's: all), filtered, then paginated.
#[utoipa::path(get, path = "/orders/", tag = "orders",
    params(super::api_doc::OrderFilters, super::api_doc::Sort, service_kit::openapi::Pagination),
    responses((status = 200, description = "One page of orders", body = Vec<crate::store::Order>,
        headers(("X-Total-Count" = i64, description = "How many orders match the filters")))))]
pub async fn list(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let query = Query::of(&req);
    let conditions = filter::listing(&caller, &query)?;
    let order_by = orders::order_by(query.str("sort"))?;
    let page = query.page()?;
    let load = || orders::list(&db::connect()?, conditions, order_by, page);
    if caller.is_admin() {
        // An admin's pages count every order: cached until the next change, as the JSON
        // they are sent as.
        let (found, total): (Box<RawValue>, i64) =
            orders_cache().read(&format!("list:{}", req.query()), || {
                let (found, total) = load()?;
                Ok::<_, ApiError>((json::rendered(&found)?, total))
            })?;
        return Ok(json::list(&*found, total));
    }
    // A user's own few orders are cheaper to read than to cache.
    let (found, total) = load()?;
    Ok(json::list(&found, total))
}

/// Checks the user, reserves the stock and records the order (all or nothing). A request
/// repeated with the same `Idempotency-Key` and body gets the first order back (with
/// `Idempotent-Replayed: true`).
#[utoipa::path(post, path = "/orders/", tag = "orders",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters")),
    request_body = crate::domain::CreateBody,
    responses(
        (status = 201, description = "Created (or replayed)", body = crate::store::Order),
        (status = 409, description = "The id is taken, unknown SKUs, too little stock, or the key's first request is still running", body = super::api_doc::OrderConflict),
        (status = 422, description = "Invalid fields (also an unknown or inactive user), or the key was used with another body", body = super::api_doc::CreateRejected),
    ))]
pub async fn create(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let new = NewOrder::try_from(json::parse_body::<CreateBody>(&req)?)?;
    let idempotency = Key::of(&req, &caller)?.map(|key| Idempotency {
        key,
        body: req.body(),
    });
    match create::create(&ctx, &caller, new, idempotency).await? {
        Created::New(order) => Ok(json::created(&order)),
        Created::Replayed(order) => {
            let mut response = json::created(&order);
            response.set_header("idempotent-replayed", "true");
            Ok(response)
        }
    }
}

#[utoipa::path(get, path = "/orders/{id}", tag = "orders",
    params(("id" = crate::domain::OrderId, Path, example = "order-1")),
    responses((status = 200, description = "The order", body = crate::store::Order)))]
pub async fn get(req: Request, params: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    let order = orders::find_visible(&db::connect()?, &id, &caller)?;
    Ok(json::ok(&order))
}

/// Changes the status (by the status machine) and/or the items (while pending).
#[utoipa::path(put, path = "/orders/{id}", tag = "orders",
    params(("id" = crate::domain::OrderId, Path, example = "order-1")),
    request_body = crate::domain::OrderChange,
    responses(
        (status = 200, description = "The changed order", body = crate::store::Order),
        (status = 409, description = "An illegal status change, items of an order that is not pending, too little stock, or a concurrent change", body = super::api_doc::OrderConflict),
    ))]
pub async fn update(req: Request, params: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    let change = json::parse_body::<OrderChange>(&req)?;
    let order = change::update(&ctx, &caller, &id, change).await?;
    Ok(json::ok(&order))
}

/// The owner while pending or cancelled, or an admin; stock still held is released.
#[utoipa::path(delete, path = "/orders/{id}", tag = "orders",
    params(("id" = crate::domain::OrderId, Path, example = "order-1")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The owner may not delete it in its status, or a concurrent change", body = super::api_doc::OrderConflict),
    ))]
pub async fn delete(req: Request, params: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    change::delete(&ctx, &caller, &id).await?;
    Ok(json::no_content())
}
