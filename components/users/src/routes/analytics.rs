//! Admin analytics: `GET /users/analytics` and `GET /users/analytics/timeseries`.

use serde_json::{Value, json};
use service_kit::query::Query;
use service_kit::{ApiResult, RequestContext, json};
use spin_sdk::http::{Params, Request, Response};

use crate::accounts::Accounts;

const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 180;

pub fn summary(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let stats = accounts.store()?.stats()?;
    // Every role is listed, with 0 when nobody has it, so clients need no defaults.
    let mut roles = json!({ "user": 0, "admin": 0 });
    if let (Some(all), Value::Object(counted)) = (roles.as_object_mut(), stats.role_breakdown) {
        all.extend(counted);
    }
    Ok(json::ok(&json!({
        "total_users": stats.total,
        "active_users": stats.active,
        "inactive_users": stats.total - stats.active,
        "role_breakdown": roles,
        "recent_signups_7d": stats.recent_signups_7d,
    })))
}

pub fn timeseries(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let days = Query::of(req).days(DEFAULT_DAYS, MAX_DAYS)?;
    let series: Vec<Value> = accounts
        .store()?
        .signups_per_day(days)?
        .into_iter()
        .map(|(date, signups)| json!({ "date": date, "signups": signups }))
        .collect();
    Ok(json::ok(&json!({ "days": days, "series": series })))
}
