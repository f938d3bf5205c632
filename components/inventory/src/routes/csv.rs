//! `GET /inventory/export/csv` and `POST /inventory/import/csv` (upsert by SKU).

use std::collections::HashSet;

use serde::Serialize;
use service_kit::csv::{self, Row, Table};
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};
use spin_sdk::pg4::Decode;

use crate::cache::item_cache;
use crate::domain::{ItemName, Price, Sku, Stock};
use crate::store;

const EXPORT_HEADER: [&str; 6] = ["id", "sku", "qty", "created_at", "name", "price"];

#[utoipa::path(get, path = "/inventory/export/csv", tag = "csv",
    responses((status = 200, description = "Every item as `id,sku,qty,created_at,name,price`",
        body = String, content_type = "text/csv",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"inventory.csv\"`")))))]
pub fn export(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?;
    let rows = db::connect()?.query(
        &format!("SELECT {} FROM items ORDER BY id", store::ITEM_COLUMNS),
        &[],
    )?;
    let items = rows
        .rows
        .iter()
        .map(|r| store::item_from_row(r))
        .collect::<ApiResult<Vec<_>>>()?;
    csv::export(
        "inventory.csv",
        &EXPORT_HEADER,
        items.into_iter().map(|item| {
            [
                item.id.to_string(),
                item.sku,
                item.qty.to_string(),
                item.created_at,
                item.name.unwrap_or_default(),
                item.price.map(|p| p.to_string()).unwrap_or_default(),
            ]
        }),
    )
}

/// One valid row of an import. An empty `name` or `price` cell leaves an existing item's
/// value as it is (and a new item without one).
#[derive(Debug, Serialize)]
struct ImportRow {
    sku: Sku,
    qty: Stock,
    name: Option<ItemName>,
    price: Option<Price>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ImportReport)]
pub(super) struct ImportResult {
    created_count: i64,
    updated_count: i64,
    total: i64,
}

/// Every row is validated before anything is written; the valid file is then applied in
/// one statement, so an import is all or nothing.
#[utoipa::path(post, path = "/inventory/import/csv", tag = "csv",
    request_body(description = "Columns `sku`, `qty` and optionally `name`, `price`: a multipart form's `file` field or a raw CSV body",
        content((service_kit::openapi::CsvUpload = "multipart/form-data"), (String = "text/csv"))),
    responses(
        (status = 200, description = "Imported (all rows or none), upserted by SKU", body = ImportResult),
        (status = 415, description = "Neither multipart/form-data nor text/csv", body = service_kit::openapi::ErrorBody),
    ))]
pub fn import(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?.require_admin()?;
    let table = Table::parse(&csv::upload(req)?)?;
    table.require_columns(&["sku", "qty"])?;
    let rows = validate(&table)?;
    let result = db::connect()?.query(
        // `xmax = 0` marks a row version this statement inserted rather than updated.
        // Rows go in SKU byte order, the order reservations lock items in, so an import
        // and a reservation cannot deadlock.
        "WITH input AS ( \
             SELECT * FROM jsonb_to_recordset($1::text::jsonb) \
                 AS r(sku text, qty bigint, name text, price numeric) \
         ), upserted AS ( \
             INSERT INTO items (sku, qty, name, price) \
             SELECT sku, qty, name, price FROM input ORDER BY sku COLLATE \"C\" \
             ON CONFLICT (sku) DO UPDATE SET \
                 qty = EXCLUDED.qty, \
                 name = COALESCE(EXCLUDED.name, items.name), \
                 price = COALESCE(EXCLUDED.price, items.price), \
                 updated_at = utc_now() \
             RETURNING xmax = 0 AS created \
         ) \
         SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) \
           FROM upserted",
        &[serde_json::to_string(&rows)
            .map_err(ApiError::internal)?
            .into()],
    )?;
    let counts = &result.rows[0];
    let (created_count, updated_count) = (i64::decode(&counts[0])?, i64::decode(&counts[1])?);
    if !rows.is_empty() {
        item_cache().invalidate();
    }
    Ok(json::ok(&ImportResult {
        created_count,
        updated_count,
        total: created_count + updated_count,
    }))
}

/// Every row parsed, or 422 listing every invalid cell of every row.
fn validate(table: &Table) -> ApiResult<Vec<ImportRow>> {
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for row in table.rows() {
        match parse_row(table, row) {
            Ok(parsed) if !seen.insert(parsed.sku.clone()) => errors.push(csv::row_error(
                row.number,
                "sku",
                format!("SKU {} appears more than once in the file", parsed.sku),
            )),
            Ok(parsed) => valid.push(parsed),
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(ApiError::validation(errors))
    }
}

fn parse_row(table: &Table, row: &Row) -> Result<ImportRow, Vec<FieldError>> {
    let mut errors = Vec::new();
    let sku = required(table, row, "sku", Sku::parse, &mut errors);
    let qty = required(table, row, "qty", Stock::parse, &mut errors);
    let name = optional(table, row, "name", ItemName::parse, &mut errors);
    let price = optional(table, row, "price", Price::parse, &mut errors);
    match (sku, qty) {
        (Some(sku), Some(qty)) if errors.is_empty() => Ok(ImportRow {
            sku,
            qty,
            name,
            price,
        }),
        _ => Err(errors),
    }
}

type Parser<T> = fn(&str) -> Result<T, String>;

/// The parsed cell of `column`, `None` when it is empty or invalid (noted in `errors`).
fn optional<T>(
    table: &Table,
    row: &Row,
    column: &str,
    parse: Parser<T>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let value = table.cell(row, column)?;
    parse(value)
        .map_err(|e| errors.push(csv::row_error(row.number, column, format!("{column} {e}"))))
        .ok()
}

/// As [`optional`], but an empty cell is an error too.
fn required<T>(
    table: &Table,
    row: &Row,
    column: &str,
    parse: Parser<T>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    if table.cell(row, column).is_none() {
        errors.push(csv::row_error(
            row.number,
            column,
            format!("{column} is required"),
        ));
        return None;
    }
    optional(table, row, column, parse, errors)
}
