//! The orders database. Every change is one SQL statement that writes the order and its
//! timeline event together (Spin's PostgreSQL API has no transactions across calls).

pub mod analytics;
pub mod events;
pub mod filter;
pub mod idempotency;
pub mod import;
pub mod intents;
pub mod orders;

use serde::Serialize;
use service_kit::money::Money;
use service_kit::{ApiError, ApiResult, time};
use spin_sdk::pg4::DbValue;

use crate::domain::{Items, OrderId, Status};

/// An order as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub user_id: i64,
    pub total: Money,
    pub status: Status,
    pub items: Items,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The columns [`Order::from_row`] reads, in its order, from `orders o`.
pub const ORDER_COLUMNS: &str =
    "o.id, o.user_id, o.total::text, o.status, o.items::text, o.created_at, o.updated_at";

impl Order {
    pub fn from_row(row: &[DbValue]) -> ApiResult<Order> {
        let column = |i: usize| row.get(i).ok_or_else(|| corrupt("missing column"));
        Ok(Order {
            id: OrderId::try_from(text(column(0)?)?).map_err(corrupt)?,
            user_id: int(column(1)?)?,
            total: text(column(2)?)?.parse().map_err(|_| corrupt("total"))?,
            status: text(column(3)?)?.parse().map_err(corrupt)?,
            items: serde_json::from_str(&text(column(4)?)?).map_err(corrupt)?,
            created_at: timestamp(column(5)?)?,
            updated_at: timestamp(column(6)?)?,
        })
    }
}

pub fn text(value: &DbValue) -> ApiResult<String> {
    match value {
        DbValue::Str(s) => Ok(s.clone()),
        other => Err(corrupt(format!("expected text, got {other:?}"))),
    }
}

pub fn optional_text(value: &DbValue) -> ApiResult<Option<String>> {
    match value {
        DbValue::DbNull => Ok(None),
        other => text(other).map(Some),
    }
}

pub fn int(value: &DbValue) -> ApiResult<i64> {
    service_kit::db::as_i64(value)
        .ok_or_else(|| corrupt(format!("expected an integer, got {value:?}")))
}

pub fn timestamp(value: &DbValue) -> ApiResult<String> {
    time::from_db(value).ok_or_else(|| corrupt(format!("expected a timestamp, got {value:?}")))
}

/// A row that does not decode: a bug or a schema mismatch, never the client's fault.
fn corrupt(cause: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("unexpected database value: {cause}"))
}
