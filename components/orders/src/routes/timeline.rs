//! `GET /orders/{id}/timeline`: the order's events, oldest first. A deleted order's
//! timeline stays readable by an admin.

use std::rc::Rc;

use service_kit::{ApiResult, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};

use super::order_id;
use crate::store::{events, orders};

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
