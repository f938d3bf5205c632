//! `GET /orders/export/csv` and `POST /orders/import/csv`.
//!
//! Imports upsert orders by id as records: they move no stock and create no inventory
//! items. The orders service cannot write the inventory's tables, and creating items
//! through the inventory service could not be part of the import's single statement (a
//! failed import would leave items behind), so `inventory_created_count` is always 0;
//! SKUs an imported order names need not exist in the inventory.

use std::collections::HashSet;
use std::rc::Rc;

use chrono::DateTime;
use futures::stream::{self, StreamExt};
use serde_json::json;
use service_kit::csv::{self as csv_kit, CsvFile, Row, Table};
use service_kit::money::Money;
use service_kit::query::Query;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, Streamed, db, json};
use spin_sdk::http::{Method, Params, Request, Response};

use crate::domain::{Items, OrderId, Status, checked_total};
use crate::faults;
use crate::store::filter;
use crate::store::import::{self, ImportRow};
use crate::store::{Order, orders};

const COLUMNS: [&str; 6] = [
    "id",
    "user_id",
    "total",
    "status",
    "items_json",
    "created_at",
];
const REQUIRED: [&str; 3] = ["id", "user_id", "items_json"];

/// The caller's orders (an admin's: all), with the list filters, oldest first. The file is
/// streamed a page of orders at a time, so its size is not bounded by memory; it is served
/// outside the router (`lib.rs`), as only a streamed response can be.
#[utoipa::path(get, path = "/orders/export/csv", tag = "csv",
    params(super::api_doc::OrderFilters),
    responses((status = 200, description = "`id,user_id,total,status,items_json,created_at`, oldest first",
        body = String, content_type = "text/csv",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"orders.csv\"`")))))]
pub async fn export(req: Request, ctx: Rc<RequestContext>) -> ApiResult<Streamed> {
    let caller = ctx.authenticate(&req)?;
    let conditions = filter::listing(&caller, &Query::of(&req))?;
    let conn = db::connect()?;
    let mut pages = orders::OldestFirst::new(conditions);
    // Read before the head is sent, so a database that is down still answers 503.
    let first = pages.next_page(&conn)?;
    let first_part = csv_part(CsvFile::new(&COLUMNS)?, &first);
    let rest = stream::unfold((conn, pages), |(conn, mut pages)| async move {
        if pages.is_done() {
            return None;
        }
        let page = faults::check(faults::EXPORT_NEXT_PAGE).and_then(|()| pages.next_page(&conn));
        match page {
            Ok(page) if page.is_empty() => None,
            Ok(page) => Some((csv_part(CsvFile::continued(), &page), (conn, pages))),
            Err(e) => Some((Err(e), (conn, pages))),
        }
    });
    Ok(Streamed {
        head: csv_kit::download_head("orders.csv"),
        body: stream::once(async { first_part }).chain(rest).boxed_local(),
    })
}

/// Whether `req` asks for the export.
pub fn is_export(req: &Request) -> bool {
    *req.method() == Method::Get
        && req.path() == service_kit::routing::under(super::BASE, "/export/csv")
}

/// The CSV rows of one page of orders, after whatever `file` holds.
fn csv_part(mut file: CsvFile, page: &[Order]) -> ApiResult<Vec<u8>> {
    for order in page {
        file.row([
            order.id.to_string(),
            order.user_id.to_string(),
            order.total.to_string(),
            order.status.to_string(),
            serde_json::to_string(&order.items).unwrap_or_default(),
            order.created_at.clone(),
        ])?;
    }
    file.into_bytes()
}

/// Admin only. Every row is checked first; any invalid row → 422 listing them all, and
/// nothing is written.
#[utoipa::path(post, path = "/orders/import/csv", tag = "csv",
    request_body(description = "Columns `id`, `user_id`, `items_json` and optionally `total`, `status`, `created_at`: a multipart form's `file` field or a raw CSV body",
        content((service_kit::openapi::CsvUpload = "multipart/form-data"), (String = "text/csv"))),
    responses(
        (status = 200, description = "Imported (all rows or none), upserted by id", body = super::api_doc::OrdersImportReport),
        (status = 415, description = "Neither multipart/form-data nor text/csv", body = service_kit::openapi::ErrorBody),
    ))]
pub async fn import(req: Request, _: Params, ctx: Rc<RequestContext>) -> ApiResult<Response> {
    let caller = ctx.authenticate(&req)?;
    caller.require_admin()?;
    let table = Table::parse(&csv_kit::upload(&req)?)?;
    table.require_columns(&REQUIRED)?;
    let rows = validate(&table)?;
    let counts = import::upsert(&db::connect()?, &rows, caller.id)?;
    Ok(json::ok(&json!({
        "created_count": counts.created,
        "updated_count": counts.updated,
        "total": rows.len(),
        "inventory_created_count": 0,
    })))
}

fn validate(table: &Table) -> ApiResult<Vec<ImportRow>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for row in table.rows() {
        match parse_row(table, row) {
            Ok(parsed) if !seen.insert(parsed.id.clone()) => errors.push(csv_kit::row_error(
                row.number,
                "id",
                format!("order {} appears more than once in the file", parsed.id),
            )),
            Ok(parsed) => rows.push(parsed),
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if rows.is_empty() {
        return Err(ApiError::invalid_field(FieldError::body(
            &[json!("file")],
            "the file has no rows",
            "value_error",
        )));
    }
    Ok(rows)
}

/// One row by the same rules as the API: the domain types validate each cell.
fn parse_row(table: &Table, row: &Row) -> Result<ImportRow, Vec<FieldError>> {
    let mut cells = Cells {
        table,
        row,
        errors: Vec::new(),
    };
    let id = cells.required("id", |v| OrderId::try_from(v.to_string()));
    let user_id = cells.required("user_id", |v| match v.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("must be a positive integer".to_string()),
    });
    let items = cells.required("items_json", |v| {
        serde_json::from_str::<Items>(v).map_err(|e| e.to_string())
    });
    let status = cells.optional("status", str::parse::<Status>);
    let total = cells.optional("total", |v| v.parse::<Money>().map_err(|e| e.to_string()));
    let created_at = cells.optional("created_at", |v| {
        DateTime::parse_from_rfc3339(v)
            .map(|t| service_kit::time::to_db_text(&t.to_utc()))
            .map_err(|_| "must be an RFC 3339 timestamp".to_string())
    });
    let (Some(id), Some(user_id), Some(items), true) =
        (id, user_id, items, cells.errors.is_empty())
    else {
        return Err(cells.errors);
    };
    let total = checked_total(&items, total)
        .map_err(|msg| vec![csv_kit::row_error(row.number, "total", msg)])?;
    Ok(ImportRow {
        id,
        user_id,
        total,
        status: status.unwrap_or(Status::Pending),
        items,
        created_at,
    })
}

/// Reads the cells of one row, collecting every problem rather than stopping at the first.
struct Cells<'a> {
    table: &'a Table,
    row: &'a Row,
    errors: Vec<FieldError>,
}

impl Cells<'_> {
    fn optional<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.table.cell(self.row, column)?;
        parse(value)
            .map_err(|msg| {
                self.errors
                    .push(csv_kit::row_error(self.row.number, column, msg))
            })
            .ok()
    }

    fn required<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.table.cell(self.row, column).is_none() {
            self.errors
                .push(csv_kit::row_error(self.row.number, column, "is required"));
            return None;
        }
        self.optional(column, parse)
    }
}
