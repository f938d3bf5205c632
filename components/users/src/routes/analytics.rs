//! Admin analytics: `GET /users/analytics` and `GET /users/analytics/timeseries`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use service_kit::openapi::Days;
use service_kit::query::Query;
use service_kit::{ApiResult, RequestContext, json};
use spin_sdk::http::{Params, Request, Response};
use utoipa::ToSchema;

use crate::accounts::Accounts;

const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 180;

#[derive(Serialize, ToSchema)]
pub(super) struct Summary {
    total_users: i64,
    active_users: i64,
    inactive_users: i64,
    /// Users per role; every role is listed, with 0 when nobody has it.
    role_breakdown: BTreeMap<String, i64>,
    /// Accounts created in the last 7 days.
    recent_signups_7d: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TimeSeries {
    days: i64,
    /// One entry per day, oldest first, days without signups included.
    series: Vec<SignupDay>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SignupDay {
    #[schema(format = Date)]
    date: String,
    signups: i64,
}

#[utoipa::path(get, path = "/users/analytics", tag = "analytics",
    responses((status = 200, description = "Account totals", body = Summary)))]
pub fn summary(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let stats = accounts.store()?.stats()?;
    // Every role is listed, with 0 when nobody has it, so clients need no defaults.
    let mut roles = BTreeMap::from([("user".to_string(), 0), ("admin".to_string(), 0)]);
    if let Value::Object(counted) = stats.role_breakdown {
        roles.extend(
            counted
                .into_iter()
                .filter_map(|(role, n)| Some((role, n.as_i64()?))),
        );
    }
    Ok(json::ok(&Summary {
        total_users: stats.total,
        active_users: stats.active,
        inactive_users: stats.total - stats.active,
        role_breakdown: roles,
        recent_signups_7d: stats.recent_signups_7d,
    }))
}

#[utoipa::path(get, path = "/users/analytics/timeseries", tag = "analytics",
    params(Days),
    responses((status = 200, description = "Signups per day (days clamped to 1..180)", body = TimeSeries)))]
pub fn timeseries(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    accounts.admin(req, ctx)?;
    let days = Query::of(req).days(DEFAULT_DAYS, MAX_DAYS)?;
    let series = accounts
        .store()?
        .signups_per_day(days)?
        .into_iter()
        .map(|(date, signups)| SignupDay { date, signups })
        .collect();
    Ok(json::ok(&TimeSeries { days, series }))
}
