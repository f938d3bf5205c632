//! `GET /orders/{id}/timeline`: the order's events, oldest first. A deleted order's
//! timeline stays readable by an admin.

use std::rc::Rc;

use service_kit::{ApiResult, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};

use super::order_id;
use crate::store::{events, orders};

#[utoipa::path(get, path = "/orders/{id}/timeline", tag = "orders",
    params(("id" = crate::domain::OrderId, Path, example = "order-1")),
    responses((status = 200, description = "The order's events, oldest first", body = Vec<crate::store::events::Event>)))]
pub async fn timeline(
    req: Request,
    params: Params,
    ctx: Rc<RequestContext>,
) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let id = order_id(&params)?;
    let conn = db::connect()?;
    let visible = match orders::owner(&conn, &id)? {
        Some((owner, deleted)) => caller.is_admin() || (!deleted && caller.can_access(owner)),
        None => false,
    };
    if !visible {
        return Err(orders::not_found());
    }
    Ok(json::ok(&events::timeline(&conn, &id)?))
}
