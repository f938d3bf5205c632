//! `/orders/analytics`, `/orders/analytics/timeseries`, `/orders/analytics/forecast`: over
//! the caller's own orders, or all of them for an admin.

use std::rc::Rc;

use serde_json::json;
use service_kit::query::{Page, Query};
use service_kit::{ApiResult, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};

use crate::cache::{orders_cache, scope};
use crate::forecast;
use crate::store::analytics;
use crate::store::filter;
use crate::store::orders;

const RECENT_ORDERS: i64 = 5;
const MAX_SERIES_DAYS: i64 = 180;
const FORECAST_HISTORY_DAYS: i64 = 90;
const MAX_FORECAST_DAYS: i64 = 90;

#[utoipa::path(get, path = "/orders/analytics", tag = "analytics",
    responses((status = 200, description = "Totals", body = super::api_doc::OrdersSummary)))]
pub async fn summary(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let load = || -> ApiResult<serde_json::Value> {
        let conn = db::connect()?;
        let totals = analytics::summary(&conn, &filter::visible_to(&caller))?;
        let (recent, _) = orders::list(
            &conn,
            filter::visible_to(&caller),
            orders::order_by(None)?,
            Page {
                skip: 0,
                limit: RECENT_ORDERS,
            },
        )?;
        Ok(json!({
            "total_orders": totals.total_orders,
            "total_revenue": totals.total_revenue,
            "status_breakdown": totals.status_breakdown,
            "recent_orders_7d": totals.recent_orders_7d,
            "recent_orders": recent,
        }))
    };
    // Kept until the next change, and for the current minute at most: the 7-day count
    // moves with the clock alone.
    let key = format!("analytics:summary:{}", scope(&caller));
    let minute = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    Ok(json::ok(&orders_cache().read_in(&key, &minute, load)?))
}

#[utoipa::path(get, path = "/orders/analytics/timeseries", tag = "analytics",
    params(service_kit::openapi::Days),
    responses((status = 200, description = "Orders and revenue per day (days clamped to 1..180)", body = super::api_doc::OrdersTimeSeries)))]
pub async fn timeseries(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let days = Query::of(&req).days(30, MAX_SERIES_DAYS)?;
    let load = || -> ApiResult<serde_json::Value> {
        let series = analytics::daily(&db::connect()?, filter::visible_to(&caller), days)?;
        let series: Vec<_> = series
            .iter()
            .map(|day| json!({ "date": day.date, "orders": day.orders, "revenue": day.revenue }))
            .collect();
        Ok(json!({ "days": days, "series": series }))
    };
    // Kept until the next change, and for the current UTC day: the series ends today.
    let key = format!("analytics:timeseries:{}:{days}", scope(&caller));
    let today = chrono::Utc::now().date_naive().to_string();
    Ok(json::ok(&orders_cache().read_in(&key, &today, load)?))
}

#[utoipa::path(get, path = "/orders/analytics/forecast", tag = "analytics",
    params(service_kit::openapi::Days, super::api_doc::ForecastQuery),
    responses((status = 200, description = "Revenue history (90 days), forecast (days clamped to 1..90) and unusual days", body = super::api_doc::Forecast)))]
pub async fn forecast(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    let query = Query::of(&req);
    let days = query.days(30, MAX_FORECAST_DAYS)?;
    let request = forecast::request(&query, days)?;
    let load = || -> ApiResult<serde_json::Value> {
        let history = analytics::daily(
            &db::connect()?,
            filter::visible_to(&caller),
            FORECAST_HISTORY_DAYS,
        )?;
        forecast::answer(&history, &request)
    };
    // Kept as the time series is: the history ends today. The key holds the choices as
    // asked (`auto` stays `auto`), which decide the answer for a given history.
    let key = format!(
        "analytics:forecast:{}:{days}:{:?}:{:?}:{}",
        scope(&caller),
        request.method,
        request.seasonality,
        request.z
    );
    let today = chrono::Utc::now().date_naive().to_string();
    Ok(json::ok(&orders_cache().read_in(&key, &today, load)?))
}
