//! Order identity and the bodies that create or change an order.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use service_kit::money::Money;
use service_kit::{ApiError, ApiResult, FieldError};

use super::{Items, Status};

pub const MAX_ID_LEN: usize = 64;

/// An order id: 1–64 of `A-Z a-z 0-9 - _` (safe in a URL path without escaping).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderId(String);

impl OrderId {
    /// A fresh id for an order whose creator did not choose one.
    pub fn generate() -> Self {
        OrderId(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
        if (1..=MAX_ID_LEN).contains(&value.len()) && value.chars().all(valid_char) {
            Ok(OrderId(value))
        } else {
            Err(format!(
                "order id must be 1-{MAX_ID_LEN} characters of A-Z a-z 0-9 - _"
            ))
        }
    }
}

impl From<OrderId> for String {
    fn from(id: OrderId) -> String {
        id.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The largest difference between a client's `total` and the sum of its lines.
const TOTAL_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// The order total, Σ quantity × price, computed exactly. A `claimed` total (from the
/// client or a CSV row) must agree with it within 0.01; the computed sum is what is stored.
pub fn checked_total(items: &Items, claimed: Option<Money>) -> Result<Money, String> {
    let total = items.total();
    match claimed {
        Some(claimed) if (claimed.amount() - total.amount()).abs() > TOTAL_TOLERANCE => Err(
            format!("total {claimed} does not match the sum of the items, {total}"),
        ),
        _ => Ok(total),
    }
}

/// `POST /orders/` as it arrives; every field type validates itself while parsing.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"items": [{"sku": "WIDGET-1", "quantity": 1, "price": "9.90"}]}))]
pub struct CreateBody {
    /// Made by the server when absent.
    pub id: Option<OrderId>,
    /// The caller when absent; only an admin may order for someone else.
    pub user_id: Option<i64>,
    pub items: Items,
    /// When given, it must equal Σ quantity × price within 0.01.
    #[schema(value_type = Option<super::item::Price>)]
    pub total: Option<Money>,
    /// `pending` when absent; only an admin may create another status.
    pub status: Option<Status>,
}

/// A valid new order, still without an owner: who it is for depends on the caller.
#[derive(Debug)]
pub struct NewOrder {
    pub id: Option<OrderId>,
    pub user_id: Option<i64>,
    pub items: Items,
    pub total: Money,
    pub status: Status,
}

impl TryFrom<CreateBody> for NewOrder {
    type Error = ApiError;
    fn try_from(body: CreateBody) -> ApiResult<NewOrder> {
        let total = checked_total(&body.items, body.total).map_err(total_error)?;
        Ok(NewOrder {
            id: body.id,
            user_id: body.user_id,
            items: body.items,
            total,
            status: body.status.unwrap_or(Status::Pending),
        })
    }
}

/// `PUT /orders/{id}`: a new status and/or new items (with an optional total to check).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OrderChange {
    pub status: Option<Status>,
    /// Only while the order is pending.
    pub items: Option<Items>,
    #[schema(value_type = Option<super::item::Price>)]
    pub total: Option<Money>,
}

impl OrderChange {
    /// 422 for a body that asks for nothing.
    pub fn require_something(&self) -> ApiResult<()> {
        if self.status.is_none() && self.items.is_none() {
            return Err(ApiError::invalid_field(FieldError::body(
                &[],
                "give `status` and/or `items`",
                "missing",
            )));
        }
        Ok(())
    }
}

/// The 422 for a total that does not match its items.
pub fn total_error(msg: String) -> ApiError {
    ApiError::invalid_field(FieldError::body(&[json!("total")], msg, "value_error"))
}

service_kit::schema!(
    OrderId,
    string(
        "An order id: 1–64 characters of A-Z a-z 0-9 - _",
        Some(1),
        Some(MAX_ID_LEN),
        Some("^[A-Za-z0-9_-]+$"),
    )
    .examples([serde_json::json!("order-1")])
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn create(body: Value) -> ApiResult<NewOrder> {
        service_kit::json::parse_bytes::<CreateBody>(body.to_string().as_bytes())
            .and_then(NewOrder::try_from)
    }

    fn items() -> Value {
        json!([{ "sku": "A", "quantity": 2, "price": "1.25" }, { "sku": "B", "quantity": 1, "price": 7 }])
    }

    #[test]
    fn total_defaults_to_the_sum_and_is_checked_within_a_cent() {
        assert_eq!(
            create(json!({ "items": items() }))
                .unwrap()
                .total
                .to_string(),
            "9.50"
        );
        assert_eq!(
            create(json!({ "items": items(), "total": 9.51 }))
                .unwrap()
                .total
                .to_string(),
            "9.50"
        );
        assert_eq!(
            create(json!({ "items": items(), "total": "9.49" }))
                .unwrap()
                .total
                .to_string(),
            "9.50"
        );
        let err = create(json!({ "items": items(), "total": 9.52 })).unwrap_err();
        assert_eq!(err.status, 422);
        assert_eq!(err.detail[0]["loc"], json!(["body", "total"]));
    }

    #[test]
    fn errors_point_at_the_field() {
        let err =
            create(json!({ "items": [{ "sku": "A", "quantity": 0, "price": 1 }] })).unwrap_err();
        assert_eq!(err.status, 422);
        assert_eq!(
            err.detail[0]["loc"],
            json!(["body", "items", 0, "quantity"])
        );
        let err = create(json!({ "id": "bad id!", "items": items() })).unwrap_err();
        assert_eq!(err.detail[0]["loc"], json!(["body", "id"]));
        assert_eq!(
            create(json!({ "id": "x".repeat(65), "items": items() }))
                .unwrap_err()
                .status,
            422
        );
        assert!(create(json!({ "id": "Ok_id-1", "items": items() })).is_ok());
    }

    #[test]
    fn status_defaults_to_pending() {
        assert_eq!(
            create(json!({ "items": items() })).unwrap().status,
            Status::Pending
        );
        assert_eq!(
            create(json!({ "items": items(), "status": "paid" }))
                .unwrap_err()
                .status,
            422
        );
    }

    #[test]
    fn generated_ids_are_valid_ids() {
        let id = OrderId::generate();
        assert!(OrderId::try_from(id.as_str().to_string()).is_ok());
    }
}
