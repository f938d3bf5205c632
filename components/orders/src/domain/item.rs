//! Order lines: SKU, quantity and unit price, and the list of them an order holds.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use service_kit::money::Money;
pub use service_kit::sku::Sku;

pub const MAX_ITEMS: usize = 100;
pub const MAX_QUANTITY: i64 = 10_000;

/// How many units of a SKU a line orders: 1–10,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl TryFrom<i64> for Quantity {
    type Error = String;
    fn try_from(value: i64) -> Result<Self, String> {
        if (1..=MAX_QUANTITY).contains(&value) {
            Ok(Quantity(value))
        } else {
            Err(format!("quantity must be between 1 and {MAX_QUANTITY}"))
        }
    }
}

impl From<Quantity> for i64 {
    fn from(q: Quantity) -> i64 {
        q.0
    }
}

/// A unit price: 0–1,000,000 with at most two decimals (the decimals rule is [`Money`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct Price(Money);

impl TryFrom<Money> for Price {
    type Error = String;
    fn try_from(value: Money) -> Result<Self, String> {
        if value.amount() >= Decimal::ZERO && value.amount() <= Decimal::from(1_000_000) {
            Ok(Price(value))
        } else {
            Err("price must be between 0 and 1000000".to_string())
        }
    }
}

impl From<Price> for Money {
    fn from(p: Price) -> Money {
        p.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub sku: Sku,
    pub quantity: Quantity,
    pub price: Price,
}

impl Item {
    pub fn line_total(&self) -> Money {
        self.price.0.times(self.quantity.0)
    }
}

/// The lines of an order: 1–100 of them, no SKU twice (so a reservation names each SKU once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Item>", into = "Vec<Item>")]
pub struct Items(Vec<Item>);

impl TryFrom<Vec<Item>> for Items {
    type Error = String;
    fn try_from(items: Vec<Item>) -> Result<Self, String> {
        if !(1..=MAX_ITEMS).contains(&items.len()) {
            return Err(format!("an order has 1 to {MAX_ITEMS} items"));
        }
        let mut seen = HashSet::new();
        if let Some(dup) = items.iter().find(|item| !seen.insert(&item.sku)) {
            return Err(format!("SKU {} appears more than once", dup.sku));
        }
        Ok(Items(items))
    }
}

impl From<Items> for Vec<Item> {
    fn from(items: Items) -> Vec<Item> {
        items.0
    }
}

impl Items {
    pub fn total(&self) -> Money {
        self.0.iter().map(Item::line_total).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Item> {
        self.0.iter()
    }

    /// The SKUs in the lines, for searching.
    pub fn skus(&self) -> impl Iterator<Item = &Sku> {
        self.0.iter().map(|item| &item.sku)
    }
}

service_kit::schema!(Quantity, integer("Units of the SKU", 1, MAX_QUANTITY));
service_kit::schema!(
    Price,
    money_input(
        "The unit price: 0–1,000,000 with at most two decimals, as a number or a decimal \
         string (returned as a string)",
        0,
        1_000_000,
    )
);

impl utoipa::PartialSchema for Items {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name(Item::name()))
            .min_items(Some(1))
            .max_items(Some(MAX_ITEMS))
            .description(Some("1–100 lines, no SKU twice"))
            .into()
    }
}

impl utoipa::ToSchema for Items {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push((Item::name().into(), Item::schema()));
        <Item as utoipa::ToSchema>::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn items(value: Value) -> Result<Items, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    fn line(sku: &str, quantity: Value, price: Value) -> Value {
        json!({ "sku": sku, "quantity": quantity, "price": price })
    }

    #[test]
    fn valid_lines_parse_and_total_exactly() {
        let parsed = items(json!([
            line("A-1", json!(3), json!(0.1)),
            line("b.2", json!(1), json!("19.90"))
        ]))
        .unwrap();
        assert_eq!(parsed.total().to_string(), "20.20");
    }

    #[test]
    fn item_count_bounds() {
        assert!(items(json!([])).is_err());
        let many: Vec<Value> = (0..101)
            .map(|i| line(&format!("S{i}"), json!(1), json!(1)))
            .collect();
        assert!(items(json!(many)).unwrap_err().contains("1 to 100"));
        assert!(items(json!(many[..100])).is_ok());
    }

    #[test]
    fn duplicate_skus_are_rejected() {
        let err = items(json!([
            line("A", json!(1), json!(1)),
            line("A", json!(2), json!(1))
        ]))
        .unwrap_err();
        assert!(err.contains("more than once"), "{err}");
    }

    #[test]
    fn quantity_price_and_sku_rules() {
        for (quantity, price, sku) in [
            (json!(0), json!(1), "A"),
            (json!(10_001), json!(1), "A"),
            (json!(1.5), json!(1), "A"),
            (json!(1), json!(-1), "A"),
            (json!(1), json!(1_000_000.01), "A"),
            (json!(1), json!(1.005), "A"),
            (json!(1), json!(1), ""),
            (json!(1), json!(1), "has space"),
        ] {
            assert!(
                items(json!([line(sku, quantity.clone(), price.clone())])).is_err(),
                "{quantity} {price} {sku:?} should fail"
            );
        }
        assert!(items(json!([line("A", json!(10_000), json!(1_000_000))])).is_ok());
        assert!(items(json!([line("A", json!(1), json!(0))])).is_ok());
    }
}
