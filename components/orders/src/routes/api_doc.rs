//! The service's OpenAPI document (`GET /orders/openapi.json`, rendered at
//! `GET /orders/docs`): the handlers' `#[utoipa::path]` attributes, the schemas of the
//! validated domain types, and the shapes of the answers the analytics and CSV handlers
//! build as JSON values.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use service_kit::money::Money;
use service_kit::openapi::{self, ErrorBody, FieldErrorSchema};
use utoipa::{OpenApi, ToSchema};

use super::{analytics, csv, maintenance, orders, timeline};
use crate::domain::Status;
use crate::store::Order;

/// The list filters of `GET /orders/` and the CSV export.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OrderFilters {
    /// Only orders in this status.
    status: Option<Status>,
    /// Only this user's orders (another user's: admin only).
    user_id: Option<i64>,
    /// Part of the order id or of a SKU (case-insensitive).
    q: Option<String>,
    /// Created at or after: a date (`2026-11-01`) or an RFC 3339 timestamp.
    from: Option<String>,
    /// Created before: a timestamp, or a date (that whole day included).
    to: Option<String>,
}

/// The order of a list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Sort {
    /// `created_at`, `updated_at` or `total`; a leading `-` for descending (default
    /// `-created_at`, newest first).
    #[param(pattern = "^-?(created_at|updated_at|total)$")]
    sort: Option<String>,
}

/// The forecast's choices.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ForecastQuery {
    /// `linear` (least squares), `exp` (Holt's linear trend), `hw` (Holt-Winters: additive
    /// trend, multiplicative weekly season; needs two weeks of history without a day at
    /// zero, else it falls back to `exp`) or `auto` (the default: `hw` when weekday
    /// seasonality applies, else `linear` for a clear trend, else `exp`). Smoothing
    /// parameters are fitted to the history by least squares.
    #[param(pattern = "^(auto|linear|exp|hw)$")]
    method: Option<String>,
    /// `weekday` multiplies the fit and forecast of `linear` and `exp` by each weekday's
    /// mean over the overall mean; `auto` (the default) does so from 28 days of history on
    /// when those means spread by more than 10 % of the mean; `none` never (`hw` keeps its
    /// own weekly season whatever is asked).
    #[param(pattern = "^(auto|weekday|none)$")]
    seasonality: Option<String>,
    /// The confidence level of the band: 0.80, 0.95 (the default) or 0.99.
    #[param(pattern = "^0\\.(80?|95|99)$")]
    conf: Option<String>,
}

/// `GET /orders/analytics`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OrdersSummary {
    total_orders: i64,
    /// The total of every order that is not cancelled.
    total_revenue: Money,
    /// Orders per status; every status is listed.
    status_breakdown: BTreeMap<String, i64>,
    /// Orders created in the last 7 days.
    recent_orders_7d: i64,
    /// The 5 newest orders.
    recent_orders: Vec<Order>,
}

/// `GET /orders/analytics/timeseries`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OrdersTimeSeries {
    days: i64,
    /// One entry per day, oldest first, days without orders included.
    series: Vec<OrdersDay>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OrdersDay {
    #[schema(format = Date)]
    date: String,
    orders: i64,
    revenue: Money,
}

/// `GET /orders/analytics/forecast`. The history starts, for the model, at its first day
/// with revenue.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Forecast {
    days: i64,
    /// The method used: `auto` resolved, and `exp` where `hw` fell back.
    #[schema(pattern = "^(linear|exp|hw)$")]
    method: String,
    /// `weekday` when the forecast follows a weekly pattern (weekday factors, or `hw`).
    #[schema(pattern = "^(weekday|none)$")]
    seasonality: String,
    /// Revenue per day over the last 90 days.
    history: Vec<RevenueDay>,
    /// The next `days` days, never below 0.
    forecast: Vec<ForecastDay>,
    /// The days of the last 30 whose residual (revenue − fitted value) lies at least 2.5
    /// standard deviations from the mean residual.
    anomalies: Vec<Anomaly>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Anomaly {
    #[schema(format = Date)]
    date: String,
    revenue: Money,
    /// Standard deviations from the mean residual (negative: below the fit), 2 places.
    z: f64,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct RevenueDay {
    #[schema(format = Date)]
    date: String,
    revenue: Money,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ForecastDay {
    #[schema(format = Date)]
    date: String,
    revenue: Money,
    /// The lower bound of the estimate.
    lower: Money,
    /// The upper bound of the estimate.
    upper: Money,
}

/// `POST /orders/import/csv`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OrdersImportReport {
    created_count: i64,
    updated_count: i64,
    total: i64,
    /// Always 0: an import creates no inventory items (the SKUs need not exist).
    inventory_created_count: i64,
}

/// A 409: a plain message (duplicate id, illegal status change, a change in progress), or
/// the inventory's refusal to reserve (unknown SKUs, or the SKUs short of stock).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OrderConflict {
    detail: ConflictDetail,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ConflictDetail {
    Message(String),
    Refusal(StockRefusal),
    Invalid(Vec<FieldErrorSchema>),
}

/// What the inventory refused: `skus` it does not know, or `shortages`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct StockRefusal {
    message: String,
    skus: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    shortages: Option<Vec<Value>>,
}

/// A 422: invalid fields, or a message (an `Idempotency-Key` reused with another body).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum CreateRejected {
    Invalid(openapi::ValidationErrorBody),
    Message(ErrorBody),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "orders",
        description = "Orders that check the user and reserve stock in the other services, \
            the status machine, the timeline, analytics and forecast, CSV. A plain user sees \
            its own orders, an admin all. Errors are `{\"detail\": \"...\"}`, or 422 with a \
            list of invalid fields.",
    ),
    paths(
        orders::list,
        orders::create,
        orders::get,
        orders::update,
        orders::delete,
        timeline::timeline,
        analytics::summary,
        analytics::timeseries,
        analytics::forecast,
        csv::export,
        csv::import,
        maintenance::reconcile,
    ),
    tags(
        (name = "orders", description = "Orders: the caller's own (an admin's: all)"),
        (name = "analytics", description = "Over the orders the caller may see"),
        (name = "csv", description = "Export (own orders, or all for an admin) and import (admin)"),
        (name = "maintenance", description = "Housekeeping for the other services, a cron or an admin"),
        (name = "meta", description = "Health and this documentation"),
    )
)]
struct ApiDoc;

pub fn document() -> Value {
    openapi::document("/orders", ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_every_route() {
        let doc = super::document();
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/orders/",
            "/orders/{id}",
            "/orders/{id}/timeline",
            "/orders/analytics",
            "/orders/analytics/timeseries",
            "/orders/analytics/forecast",
            "/orders/export/csv",
            "/orders/import/csv",
            "/orders/maintenance/reconcile",
            "/orders/healthz",
            "/orders/readyz",
            "/orders/openapi.json",
            "/orders/docs",
        ] {
            assert!(paths.contains_key(path), "{path} is not documented");
        }
        if let Ok(out) = std::env::var("OPENAPI_OUT") {
            std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        }
    }
}
