//! `/orders/maintenance/...`: housekeeping that Spin cannot run in the background, for the
//! other services (service credential), an operator's cron or an admin.

use std::rc::Rc;

use service_kit::{ApiResult, RequestContext, auth, config, db, json};
use spin_sdk::http::{Params, Request, Response};

use crate::flows::reconcile;

/// Releases the stock of create sagas that died between the reservation and the insert
/// (intents older than a minute with no order) and reports what it did. Idempotent; safe
/// to call concurrently and often (the webhooks deliverer's wake, a cron).
#[utoipa::path(post, path = "/orders/maintenance/reconcile", tag = "maintenance",
    responses(
        (status = 200, description = "What was settled, by order id", body = reconcile::Report),
        (status = 403, description = "Neither the service credential nor an admin"),
    ))]
pub async fn reconcile(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    if !auth::is_service_call(&req, &config::get("service_token")?) {
        ctx.authenticate(&req)?.require_admin()?;
    }
    let report = reconcile::run(&ctx, &db::connect()?).await?;
    Ok(json::ok(&report))
}
