//! `/inventory/` and `/inventory/{id}`: list and read for any user, writes for admins.

use serde_json::json;
use serde_json::value::RawValue;
use service_kit::openapi::{ErrorBody, Pagination};
use service_kit::query::Query;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};

use super::{item_id, item_not_found};
use crate::cache::{item_cache, item_key};
use crate::domain::Sku;
use crate::item::{Item, ItemPatch, NewItem};
use crate::settings;
use crate::store::{self, ListFilter};

/// `GET /inventory/?q=&low_stock=&sort=&skip=&limit=`, newest first unless `sort` says
/// otherwise, with `X-Total-Count`.
#[utoipa::path(get, path = "/inventory/", tag = "items",
    params(
        ("q" = Option<String>, Query, max_length = 64, description = "Part of the SKU (case-insensitive)"),
        ("low_stock" = Option<bool>, Query, description = "Only items with 0 < qty < the low-stock threshold"),
        ("sort" = Option<String>, Query, pattern = "^-?(created_at|sku|qty)$",
            description = "`created_at`, `sku` or `qty`; a leading `-` for descending (default `-created_at`)"),
        Pagination,
    ),
    responses((status = 200, description = "One page of items, newest first", body = Vec<Item>,
        headers(("X-Total-Count" = i64, description = "How many items match the filters")))))]
pub fn list(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?;
    let query = Query::of(req);
    let page = query.page()?;
    let order_by = query.order_by(store::SORTS, "-created_at")?;
    let filter = ListFilter {
        q: search_term(&query)?,
        low_stock_below: query
            .bool("low_stock")?
            .unwrap_or(false)
            .then(settings::low_stock_threshold),
    };
    let listing = json!([filter.q, filter.low_stock_below]);
    let cache = item_cache();
    // Cached as the JSON it is sent as: a hit is copied out, not parsed and rendered again.
    let key = format!("list:{listing}:{order_by}:{}:{}", page.skip, page.limit);
    let (total, items): (i64, Box<RawValue>) = cache.read(&key, || {
        let conn = db::connect()?;
        // Every page of a listing has the same total: counted once per generation, not
        // once for each page someone turns to.
        let total = cache.read(&format!("count:{listing}"), || store::count(&conn, &filter))?;
        let items = store::page(&conn, &filter, &order_by, page)?;
        Ok::<_, ApiError>((total, json::rendered(&items)?))
    })?;
    Ok(json::list(&*items, total))
}

/// `q`: part of a SKU, so never longer than one.
fn search_term(query: &Query) -> ApiResult<Option<String>> {
    match query.str("q").map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > Sku::MAX_LEN => Err(ApiError::invalid_field(
            FieldError::query("q", "must be at most 64 characters", "string_too_long"),
        )),
        q => Ok(q.map(str::to_string)),
    }
}

#[utoipa::path(get, path = "/inventory/{id}", tag = "items",
    params(("id" = i64, Path, example = 1, description = "The item's id")),
    responses((status = 200, description = "The item", body = Item)))]
pub fn get(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?;
    let id = item_id(params)?;
    let item: Option<Item> =
        item_cache().read(&item_key(id), || store::get(&db::connect()?, id))?;
    item.map(|item| json::ok(&item)).ok_or_else(item_not_found)
}

/// Admin: adds an item.
#[utoipa::path(post, path = "/inventory/", tag = "items",
    request_body = NewItem,
    responses(
        (status = 201, description = "Created", body = Item),
        (status = 409, description = "The SKU is taken", body = ErrorBody),
    ))]
pub fn create(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?.require_admin()?;
    let new: NewItem = json::parse_body(req)?;
    let item = store::insert(&db::connect()?, &new)?;
    item_cache().invalidate();
    Ok(json::created(&item))
}

/// Admin: changes the fields present.
#[utoipa::path(put, path = "/inventory/{id}", tag = "items",
    params(("id" = i64, Path, example = 1, description = "The item's id")),
    request_body = ItemPatch,
    responses(
        (status = 200, description = "The updated item", body = Item),
        (status = 409, description = "The SKU is taken, or stock held for orders forbids the change", body = ErrorBody),
    ))]
pub fn update(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?.require_admin()?;
    let id = item_id(params)?;
    let patch: ItemPatch = json::parse_body(req)?;
    let item = store::update(&db::connect()?, id, &patch)?.ok_or_else(item_not_found)?;
    item_cache().invalidate();
    Ok(json::ok(&item))
}

/// Admin: removes an item.
#[utoipa::path(delete, path = "/inventory/{id}", tag = "items",
    params(("id" = i64, Path, example = 1, description = "The item's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Stock of the item is held for an order", body = ErrorBody),
    ))]
pub fn delete(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    ctx.authenticate(req)?.require_admin()?;
    let id = item_id(params)?;
    if !store::delete(&db::connect()?, id)? {
        return Err(item_not_found());
    }
    let cache = item_cache();
    cache.invalidate();
    cache.forget(&item_key(id));
    Ok(json::no_content())
}
