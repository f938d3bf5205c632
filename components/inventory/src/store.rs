//! SQL for items. Each function is one statement (see architecture.md: no transactions
//! across calls).

use service_kit::conditions::contains_pattern;
use service_kit::db::{self, Guarded, UNIQUE_VIOLATION};
use service_kit::money::Money;
use service_kit::query::Page;
use service_kit::{ApiError, ApiResult, Conditions};
use spin_sdk::pg4::{Connection, DbValue, Decode, PgError};

use crate::domain::Sku;
use crate::item::{Item, ItemPatch, NewItem};

/// The columns [`item_from_row`] reads, in its order. The price comes as the host's exact
/// decimal text of the NUMERIC: a `price::text` here would be computed by PostgreSQL for
/// every row a list sorts (all of them, for a page deep in the catalogue), not only for
/// the page it returns.
pub const ITEM_COLUMNS: &str = "id, sku, qty, name, price, created_at, updated_at";

/// Which items a list shows.
#[derive(Debug)]
pub struct ListFilter {
    /// Part of the SKU, matched case-insensitively anywhere in it.
    pub q: Option<String>,
    /// Only items with 0 < qty < this threshold.
    pub low_stock_below: Option<i64>,
}

pub fn item_from_row(row: &[DbValue]) -> ApiResult<Item> {
    Ok(Item {
        id: i64::decode(&row[0])?,
        sku: String::decode(&row[1])?,
        qty: i64::decode(&row[2])?,
        name: Option::<String>::decode(&row[3])?,
        price: Option::<Money>::decode(&row[4])?,
        created_at: timestamp(&row[5])?,
        updated_at: timestamp(&row[6])?,
    })
}

fn timestamp(value: &DbValue) -> ApiResult<String> {
    service_kit::time::from_db(value)
        .ok_or_else(|| ApiError::internal(format!("not a timestamp: {value:?}")))
}

impl ListFilter {
    /// The filters that were given, as conditions on `items`.
    fn conditions(&self) -> Conditions {
        let mut conditions = Conditions::default();
        if let Some(q) = &self.q {
            // `lower(sku) LIKE` rather than `ILIKE`: it is what the trigram index covers
            // (migrations/inventory/V3).
            let pattern = conditions.bind(contains_pattern(q));
            conditions.and(format!("lower(sku) LIKE lower({pattern})"));
        }
        if let Some(below) = self.low_stock_below {
            let below = conditions.bind(below);
            conditions.and(format!("qty > 0 AND qty < {below}"));
        }
        conditions
    }
}

/// How many items match.
pub fn count(conn: &Connection, filter: &ListFilter) -> ApiResult<i64> {
    let conditions = filter.conditions();
    let rows = conn.query(
        &format!("SELECT count(*) FROM items WHERE {}", conditions.sql()),
        &conditions.params,
    )?;
    let row = rows
        .rows
        .first()
        .ok_or_else(|| ApiError::internal("count returned no row"))?;
    Ok(i64::decode(&row[0])?)
}

/// The columns a list sorts by (`sort=`). `created_at` and `sku` are indexed; `qty` is
/// not, by design (migrations/inventory/V6: stock changes stay heap-only updates), so it
/// reads the whole table as the low-stock list does, and is cached between writes the same way.
pub const SORTS: &[(&str, &str)] = &[("created_at", "created_at"), ("sku", "sku"), ("qty", "qty")];

/// One page of matching items in `order_by` (terms from [`SORTS`]).
pub fn page(
    conn: &Connection,
    filter: &ListFilter,
    order_by: &str,
    page: Page,
) -> ApiResult<Vec<Item>> {
    let mut conditions = filter.conditions();
    let page = conditions.page(page);
    let rows = conn.query(
        &format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE {} ORDER BY {order_by} {page}",
            conditions.sql()
        ),
        &conditions.params,
    )?;
    rows.rows.iter().map(|r| item_from_row(r)).collect()
}

pub fn get(conn: &Connection, id: i64) -> ApiResult<Option<Item>> {
    let rows = conn.query(
        &format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1"),
        &[id.into()],
    )?;
    rows.rows.first().map(|r| item_from_row(r)).transpose()
}

/// Creates an item; a SKU that exists already (also one inserted by a concurrent request,
/// which the insert waits for) → 409. No row back is the conflict: an error would not say
/// so on every Spin version (`service_kit::db::sqlstate`).
pub fn insert(conn: &Connection, item: &NewItem) -> ApiResult<Item> {
    let rows = conn
        .query(
            &format!(
                "INSERT INTO items (sku, qty, name, price) \
                 VALUES ($1, $2, $3::text, $4::text::numeric) \
                 ON CONFLICT (sku) DO NOTHING RETURNING {ITEM_COLUMNS}"
            ),
            &[
                item.sku.as_str().to_string().into(),
                item.qty.get().into(),
                item.name.as_ref().map(|n| n.as_str().to_string()).into(),
                item.price.map(|p| p.to_db()).into(),
            ],
        )
        .map_err(|e| duplicate_sku(e, &item.sku))?;
    match rows.rows.first() {
        Some(row) => item_from_row(row),
        None => Err(sku_taken(&item.sku)),
    }
}

/// Applies a partial update; `None` when there is no such item, 409 when another item has
/// the new SKU.
pub fn update(conn: &Connection, id: i64, patch: &ItemPatch) -> ApiResult<Option<Item>> {
    // For name and price, $n says whether the field was sent and $n+1 is its new value.
    let outcome = db::update_unless_taken(
        conn,
        "UPDATE items SET \
             sku = COALESCE($2::text, sku), \
             qty = COALESCE($3::bigint, qty), \
             name = CASE WHEN $4 THEN $5::text ELSE name END, \
             price = CASE WHEN $6 THEN $7::text::numeric ELSE price END, \
             updated_at = utc_now() \
         WHERE id = $1",
        "EXISTS (SELECT 1 FROM items WHERE sku = $2::text AND id <> $1)",
        ITEM_COLUMNS,
        &[
            id.into(),
            patch.sku.as_ref().map(|s| s.as_str().to_string()).into(),
            patch.qty.map(|q| q.get()).into(),
            patch.name.is_some().into(),
            patch
                .name
                .as_ref()
                .and_then(|n| n.as_ref().map(|n| n.as_str().to_string()))
                .into(),
            patch.price.is_some().into(),
            patch.price.flatten().map(|p| p.to_db()).into(),
        ],
        |e| match &patch.sku {
            Some(sku) => duplicate_sku(e, sku),
            None => e.into(),
        },
    )?;
    match outcome {
        Guarded::Changed(row) => item_from_row(&row).map(Some),
        Guarded::Missing => Ok(None),
        // Only a new SKU ($2 not NULL) can be taken.
        Guarded::Taken => Err(patch.sku.as_ref().map_or_else(
            || ApiError::internal("an unchanged SKU was taken"),
            sku_taken,
        )),
    }
}

/// Deletes an item; `false` when there is no such item. An item that holds stock for an
/// order cannot go (409): releasing that order would have nowhere to return the stock.
pub fn delete(conn: &Connection, id: i64) -> ApiResult<bool> {
    match conn.execute("DELETE FROM items WHERE id = $1", &[id.into()]) {
        Ok(deleted) => Ok(deleted > 0),
        Err(e) if db::sqlstate(&e) == Some(db::FOREIGN_KEY_VIOLATION) => Err(ApiError::conflict(
            "the item holds stock reserved for orders; release them first",
        )),
        Err(e) => Err(e.into()),
    }
}

fn sku_taken(sku: &Sku) -> ApiError {
    ApiError::conflict(format!("an item with SKU {sku} already exists"))
}

/// Maps a unique violation on the SKU to 409 (only where Spin reports its code: the
/// statements check for a taken SKU themselves, this covers the rare race); anything else
/// to the usual error.
fn duplicate_sku(err: PgError, sku: &Sku) -> ApiError {
    if db::sqlstate(&err) == Some(UNIQUE_VIOLATION) {
        sku_taken(sku)
    } else {
        err.into()
    }
}
