//! The item resource: what the API returns and what create / update accept.

use serde::{Deserialize, Deserializer, Serialize};
use service_kit::money::Money;

use crate::domain::{ItemName, Price, Sku, Stock};

/// An item as the API returns it (and as the cache keeps it).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    pub sku: String,
    pub qty: i64,
    pub name: Option<String>,
    pub price: Option<Money>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// `POST /inventory/`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"sku": "WIDGET-9", "qty": 10, "name": "Widget", "price": "9.90"}))]
pub struct NewItem {
    pub sku: Sku,
    pub qty: Stock,
    #[serde(default)]
    pub name: Option<ItemName>,
    #[serde(default)]
    pub price: Option<Price>,
}

/// `PUT /inventory/{id}`: only the fields present change. `name` and `price` tell an
/// absent field (unchanged) from `null` (cleared).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ItemPatch {
    pub sku: Option<Sku>,
    pub qty: Option<Stock>,
    /// `null` clears the name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ItemName>)]
    pub name: Option<Option<ItemName>>,
    /// `null` clears the price.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Price>)]
    pub price: Option<Option<Price>>,
}

/// Deserializes a field that is present, even as `null`, to `Some`.
fn present<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_absent_from_null() {
        let patch: ItemPatch = serde_json::from_str(r#"{"name": null}"#).unwrap();
        assert_eq!(patch.name, Some(None));
        assert!(patch.price.is_none());
        let patch: ItemPatch = serde_json::from_str(r#"{"price": "2.5", "qty": 3}"#).unwrap();
        assert_eq!(patch.price.unwrap().unwrap().to_db(), "2.50");
        assert_eq!(patch.qty.unwrap().get(), 3);
        assert!(patch.name.is_none());
    }

    #[test]
    fn new_item_validates_every_field() {
        assert!(serde_json::from_str::<NewItem>(r#"{"sku": "A-1", "qty": 0}"#).is_ok());
        for bad in [
            r#"{"sku": "A 1", "qty": 1}"#,
            r#"{"sku": "A", "qty": -1}"#,
            r#"{"sku": "A", "qty": 1.5}"#,
            r#"{"sku": "A"}"#,
            r#"{"sku": "A", "qty": 1, "price": -2}"#,
            r#"{"sku": "A", "qty": 1, "name": ""}"#,
        ] {
            assert!(serde_json::from_str::<NewItem>(bad).is_err(), "{bad}");
        }
    }
}
