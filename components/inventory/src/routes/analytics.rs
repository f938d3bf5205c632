//! `GET /inventory/analytics`: stock totals and what is running low.

use serde::Serialize;
use service_kit::{ApiResult, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};
use spin_sdk::pg4::Decode;

use crate::settings;

/// How many of the lowest-stocked items the summary lists (`low_stock` counts them all).
const LOW_STOCK_ITEMS_SHOWN: i64 = 100;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = StockSummary)]
pub(super) struct Summary {
    total_items: i64,
    total_quantity: i64,
    out_of_stock: i64,
    /// Items with 0 < qty < `low_stock_threshold`.
    low_stock: i64,
    /// The lowest-stocked of them (at most 100), lowest first.
    low_stock_items: Vec<LowStockItem>,
    low_stock_threshold: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct LowStockItem {
    id: i64,
    sku: String,
    qty: i64,
}

#[utoipa::path(get, path = "/inventory/analytics", tag = "analytics",
    responses((status = 200, description = "Stock totals and what runs low", body = Summary)))]
pub fn summary(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?;
    let threshold = settings::low_stock_threshold();
    let conn = db::connect()?;
    let totals = conn.query(
        "SELECT count(*), COALESCE(sum(qty), 0)::bigint, \
                count(*) FILTER (WHERE qty = 0), \
                count(*) FILTER (WHERE qty > 0 AND qty < $1) \
           FROM items",
        &[threshold.into()],
    )?;
    let totals = &totals.rows[0];
    let low = conn.query(
        "SELECT id, sku, qty FROM items WHERE qty > 0 AND qty < $1 \
          ORDER BY qty, sku LIMIT $2",
        &[threshold.into(), LOW_STOCK_ITEMS_SHOWN.into()],
    )?;
    let low_stock_items = low
        .rows
        .iter()
        .map(|row| {
            Ok(LowStockItem {
                id: i64::decode(&row[0])?,
                sku: String::decode(&row[1])?,
                qty: i64::decode(&row[2])?,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(json::ok(&Summary {
        total_items: i64::decode(&totals[0])?,
        total_quantity: i64::decode(&totals[1])?,
        out_of_stock: i64::decode(&totals[2])?,
        low_stock: i64::decode(&totals[3])?,
        low_stock_items,
        low_stock_threshold: threshold,
    }))
}
