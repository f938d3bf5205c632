//! `/orders/` and `/orders/{id}`: list, create, get, update, delete.

use std::rc::Rc;

use service_kit::query::Query;
use service_kit::{ApiResult, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};

use super::order_id;
use crate::domain::{CreateBody, NewOrder, OrderChange};

use crate::flows::change;
use crate::flows::create::{self, Created, Idempotency};
use crate::store::filter::Conditions;
use crate::store::idempotency::Key;
use crate::store::orders;

/// Own orders (an admin's: all), filtered, then paginated.
pub async fn list(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let query = Query::of(&req);
    let conditions = Conditions::listing(&caller, &query)?;
    let order_by = orders::order_by(query.str("sort"))?;
    let page = query.page()?;
    let (found, total) = orders::list(&db::connect()?, conditions, order_by, page)?;
    Ok(json::list(&found, total))
}

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

pub async fn get(req: Request, params: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    let order = orders::find_visible(&db::connect()?, &id, &caller)?;
    Ok(json::ok(&order))
}

pub async fn update(req: Request, params: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    let change = json::parse_body::<OrderChange>(&req)?;
    let order = change::update(&ctx, &caller, &id, change).await?;
    Ok(json::ok(&order))
}

pub async fn delete(req: Request, params: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    change::delete(&ctx, &caller, &id).await?;
    Ok(json::no_content())
}
