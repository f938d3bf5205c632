//! `/inventory/reservations`: stock held for orders, for the orders service only
//! (docs/service-contracts.md). Each call is one call of a SQL function from the
//! migrations, which does the whole change or none of it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, db, json};
use spin_sdk::http::{Params, Request, Response};
use spin_sdk::pg4::{Decode, ParameterValue};

use crate::cache::item_cache;
use crate::domain::{OrderId, Quantity, Sku};

/// The most lines one reservation may hold (orders have at most 100).
const MAX_LINES: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"order_id": "order-9", "items": [{"sku": "WIDGET-1", "quantity": 1}]}))]
pub(super) struct NewReservation {
    order_id: OrderId,
    /// 1–1000 lines with distinct SKUs.
    #[schema(value_type = Vec<Line>, min_items = 1, max_items = 1000)]
    items: Lines,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct Adjustment {
    /// What the reservation holds from now on: 1–1000 lines with distinct SKUs.
    #[schema(value_type = Vec<Line>, min_items = 1, max_items = 1000)]
    items: Lines,
}

/// What a reservation holds: 1 to [`MAX_LINES`] lines with distinct SKUs.
#[derive(Serialize, Deserialize)]
#[serde(try_from = "Vec<Line>")]
struct Lines(Vec<Line>);

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(super) struct Line {
    sku: Sku,
    quantity: Quantity,
}

impl TryFrom<Vec<Line>> for Lines {
    type Error = String;
    fn try_from(lines: Vec<Line>) -> Result<Self, Self::Error> {
        if lines.is_empty() || lines.len() > MAX_LINES {
            return Err(format!("must have 1 to {MAX_LINES} items"));
        }
        let mut seen = HashSet::new();
        if let Some(line) = lines.iter().find(|line| !seen.insert(&line.sku)) {
            return Err(format!("SKU {} appears more than once", line.sku));
        }
        Ok(Lines(lines))
    }
}

/// What the SQL functions answer (`outcome` names the case).
#[derive(Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum Outcome {
    Created { items: Vec<Held> },
    Existing { items: Vec<Held> },
    Adjusted { items: Vec<Held> },
    Released,
    NotHeld,
    UnknownSku { skus: Vec<String> },
    InsufficientStock { shortages: Vec<Shortage> },
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(super) struct Held {
    sku: String,
    quantity: i64,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(super) struct Shortage {
    sku: String,
    requested: i64,
    available: i64,
}

/// `POST /inventory/reservations`: 201 when taken now, 200 when the order already held
/// a reservation (nothing more is taken).
#[utoipa::path(post, path = "/inventory/reservations", tag = "reservations",
    request_body = NewReservation,
    responses(
        (status = 201, description = "Reserved now", body = Reservation),
        (status = 200, description = "The order already held this reservation", body = Reservation),
        (status = 404, description = "Unknown SKUs", body = UnknownSkus),
        (status = 409, description = "Not enough stock", body = InsufficientStock),
    ))]
pub fn reserve(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    ctx.require_service(req)?;
    let body: NewReservation = json::parse_body(req)?;
    let order_id = body.order_id.as_str();
    let outcome = call(
        "SELECT reserve_stock($1, $2::text::jsonb)::text",
        &[order_id.to_string().into(), lines_param(&body.items)?],
    )?;
    match outcome {
        Outcome::Created { items } => {
            item_cache().invalidate();
            Ok(json::created(&reservation(order_id, &items)))
        }
        Outcome::Existing { items } => Ok(json::ok(&reservation(order_id, &items))),
        other => Err(refusal(other)),
    }
}

/// `PUT /inventory/reservations/{order_id}`: the held reservation becomes exactly the
/// given items.
#[utoipa::path(put, path = "/inventory/reservations/{order_id}", tag = "reservations",
    params(("order_id" = OrderId, Path)),
    request_body = Adjustment,
    responses(
        (status = 200, description = "The reservation as it now is", body = Reservation),
        (status = 404, description = "No reservation is held for the order, or unknown SKUs", body = AdjustmentNotFound),
        (status = 409, description = "Not enough stock", body = InsufficientStock),
    ))]
pub fn adjust(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    ctx.require_service(req)?;
    let order_id = path_order_id(params)?;
    let body: Adjustment = json::parse_body(req)?;
    let outcome = call(
        "SELECT adjust_reservation($1, $2::text::jsonb)::text",
        &[
            order_id.as_str().to_string().into(),
            lines_param(&body.items)?,
        ],
    )?;
    match outcome {
        Outcome::Adjusted { items } => {
            item_cache().invalidate();
            Ok(json::ok(&reservation(order_id.as_str(), &items)))
        }
        Outcome::NotHeld => Err(ApiError::not_found(format!(
            "no reservation is held for order {}",
            order_id.as_str()
        ))),
        other => Err(refusal(other)),
    }
}

/// `DELETE /inventory/reservations/{order_id}`: 204 whether stock was given back now or
/// there was nothing (left) to give back.
#[utoipa::path(delete, path = "/inventory/reservations/{order_id}", tag = "reservations",
    params(("order_id" = OrderId, Path)),
    responses(
        (status = 204, description = "Released (or nothing was held)"),
        (status = 422, description = "The order id is invalid", body = service_kit::openapi::ValidationErrorBody),
    ))]
pub fn release(req: &Request, ctx: &RequestContext, params: &Params) -> ApiResult<Response> {
    ctx.require_service(req)?;
    let order_id = path_order_id(params)?;
    let outcome = call(
        "SELECT release_reservation($1)::text",
        &[order_id.as_str().to_string().into()],
    )?;
    match outcome {
        Outcome::Released => {
            item_cache().invalidate();
            Ok(json::no_content())
        }
        Outcome::NotHeld => Ok(json::no_content()),
        other => Err(refusal(other)),
    }
}

fn reservation<'a>(order_id: &'a str, items: &'a [Held]) -> Reservation<'a> {
    Reservation { order_id, items }
}

/// What an order holds.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Reservation<'a> {
    order_id: &'a str,
    items: &'a [Held],
}

/// The body of a refusal for SKUs the inventory does not have.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct UnknownSkus {
    detail: UnknownSkusDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct UnknownSkusDetail {
    #[schema(pattern = "^unknown SKU$")]
    message: String,
    skus: Vec<String>,
}

/// The body of a refusal for too little stock: every short SKU.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct InsufficientStock {
    detail: InsufficientStockDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct InsufficientStockDetail {
    #[schema(pattern = "^insufficient stock$")]
    message: String,
    shortages: Vec<Shortage>,
}

/// An adjustment's 404: no reservation held (a message), or unknown SKUs.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum AdjustmentNotFound {
    NotHeld(service_kit::openapi::ErrorBody),
    UnknownSkus(UnknownSkus),
}

fn lines_param(lines: &Lines) -> ApiResult<ParameterValue> {
    Ok(serde_json::to_string(&lines.0)
        .map_err(ApiError::internal)?
        .into())
}

fn path_order_id(params: &Params) -> ApiResult<OrderId> {
    OrderId::parse(params.get("order_id").unwrap_or_default()).map_err(|msg| {
        ApiError::invalid_field(FieldError {
            loc: vec![json!("path"), json!("order_id")],
            msg,
            kind: "value_error".into(),
        })
    })
}

/// Runs one reservation function and reads its JSON answer.
fn call(sql: &str, params: &[ParameterValue]) -> ApiResult<Outcome> {
    let rows = db::connect()?.query(sql, params)?;
    let answer = String::decode(&rows.rows[0][0])?;
    serde_json::from_str(&answer)
        .map_err(|e| ApiError::internal(format!("reservation answer {answer}: {e}")))
}

/// The response for a refused change, as the contract words them.
fn refusal(outcome: Outcome) -> ApiError {
    match outcome {
        Outcome::UnknownSku { skus } => {
            ApiError::new(404, json!({ "message": "unknown SKU", "skus": skus }))
        }
        Outcome::InsufficientStock { shortages } => {
            ApiError::conflict(json!({ "message": "insufficient stock", "shortages": shortages }))
        }
        _ => ApiError::internal("a reservation function answered an unexpected outcome"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_need_distinct_skus_and_positive_quantities() {
        let ok = r#"{"order_id": "o-1", "items": [{"sku": "A", "quantity": 2}]}"#;
        assert!(serde_json::from_str::<NewReservation>(ok).is_ok());
        for bad in [
            r#"{"order_id": "o-1", "items": []}"#,
            r#"{"order_id": "o-1", "items": [{"sku": "A", "quantity": 0}]}"#,
            r#"{"order_id": "o-1", "items": [{"sku": "A", "quantity": 1.5}]}"#,
            r#"{"order_id": "o.1", "items": [{"sku": "A", "quantity": 1}]}"#,
            r#"{"order_id": "o-1", "items": [{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}]}"#,
        ] {
            assert!(
                serde_json::from_str::<NewReservation>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn function_answers_parse() {
        let created: Outcome = serde_json::from_str(
            r#"{"outcome": "created", "items": [{"sku": "A", "quantity": 1}]}"#,
        )
        .unwrap();
        assert!(matches!(created, Outcome::Created { items } if items.len() == 1));
        let short: Outcome = serde_json::from_str(
            r#"{"outcome": "insufficient_stock", "shortages": [{"sku": "A", "requested": 3, "available": 1}]}"#,
        )
        .unwrap();
        assert_eq!(refusal(short).status, 409);
        let unknown: Outcome =
            serde_json::from_str(r#"{"outcome": "unknown_sku", "skus": ["X"]}"#).unwrap();
        assert_eq!(refusal(unknown).status, 404);
        let released: Outcome = serde_json::from_str(
            r#"{"outcome": "released", "items": [{"sku": "A", "quantity": 1}]}"#,
        )
        .unwrap();
        assert!(matches!(released, Outcome::Released));
    }
}
