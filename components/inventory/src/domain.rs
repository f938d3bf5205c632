//! The values an inventory request carries, validated when they are parsed: once a
//! handler holds a `Sku` or a `Stock`, it is known to be acceptable.

use serde::{Deserialize, Serialize};
use service_kit::money::Money;
pub use service_kit::sku::Sku;

/// The largest stock or reservation quantity accepted. Far above any real stock, and small
/// enough that sums of quantities never come near overflowing.
pub const MAX_QTY: i64 = 1_000_000_000;

/// The highest price accepted, as for order lines.
const MAX_PRICE: i64 = 1_000_000;

/// Units in stock: a whole number from 0 to [`MAX_QTY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Stock(i64);

impl Stock {
    pub fn get(self) -> i64 {
        self.0
    }

    /// Parses a CSV cell.
    pub fn parse(value: &str) -> Result<Stock, String> {
        let n: i64 = value
            .parse()
            .map_err(|_| "must be a whole number".to_string())?;
        Stock::try_from(n)
    }
}

impl TryFrom<i64> for Stock {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        match n {
            n if n < 0 => Err("must be 0 or more".into()),
            n if n > MAX_QTY => Err(format!("must be at most {MAX_QTY}")),
            n => Ok(Stock(n)),
        }
    }
}

impl From<Stock> for i64 {
    fn from(stock: Stock) -> i64 {
        stock.0
    }
}

/// Units of one SKU an order reserves: 1 to [`MAX_QTY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl TryFrom<i64> for Quantity {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        match n {
            n if n < 1 => Err("must be 1 or more".into()),
            n if n > MAX_QTY => Err(format!("must be at most {MAX_QTY}")),
            n => Ok(Quantity(n)),
        }
    }
}

impl From<Quantity> for i64 {
    fn from(quantity: Quantity) -> i64 {
        quantity.0
    }
}

/// An item's display name: 1–200 characters, no control characters. A client that wants
/// no name sends `null` (or an empty CSV cell), so an empty string is a mistake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemName(String);

impl ItemName {
    pub fn parse(value: &str) -> Result<ItemName, String> {
        let value = value.trim();
        match value.chars().count() {
            0 => Err("must not be blank (send null for no name)".into()),
            n if n > 200 => Err("must be at most 200 characters".into()),
            _ if value.chars().any(char::is_control) => {
                Err("must not contain control characters".into())
            }
            _ => Ok(ItemName(value.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ItemName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ItemName::parse(&value)
    }
}

impl From<ItemName> for String {
    fn from(name: ItemName) -> String {
        name.0
    }
}

/// A unit price: money from 0 to 1,000,000 with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct Price(Money);

impl Price {
    /// Parses a CSV cell.
    pub fn parse(value: &str) -> Result<Price, String> {
        let money: Money = value.parse().map_err(|e| format!("{e}"))?;
        Price::try_from(money)
    }

    pub fn to_db(self) -> String {
        self.0.to_string()
    }
}

impl TryFrom<Money> for Price {
    type Error = String;
    fn try_from(money: Money) -> Result<Self, Self::Error> {
        if money < Money::ZERO {
            Err("must be 0 or more".into())
        } else if money.amount() > MAX_PRICE.into() {
            Err(format!("must be at most {MAX_PRICE}"))
        } else {
            Ok(Price(money))
        }
    }
}

impl From<Price> for Money {
    fn from(price: Price) -> Money {
        price.0
    }
}

/// The order a reservation is for: 1–64 characters of `A-Z a-z 0-9 - _`, as the orders
/// service makes them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct OrderId(String);

impl OrderId {
    pub fn parse(value: &str) -> Result<OrderId, String> {
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        match value.chars().count() {
            0 => Err("must not be empty".into()),
            n if n > 64 => Err("must be at most 64 characters".into()),
            _ if !valid_chars => Err("may only contain A-Z, a-z, 0-9, '-' and '_'".into()),
            _ => Ok(OrderId(value.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OrderId::parse(&value)
    }
}

service_kit::schema!(Stock, integer("Units in stock", 0, MAX_QTY));
service_kit::schema!(Quantity, integer("Units reserved", 1, MAX_QTY));
service_kit::schema!(
    ItemName,
    string(
        "A display name: 1–200 characters (trimmed), no control characters",
        Some(1),
        Some(200),
        None,
    )
);
service_kit::schema!(
    Price,
    money_input(
        "A unit price from 0 to 1,000,000 with at most two decimals, as a number or a decimal string",
        0,
        MAX_PRICE,
    )
);
service_kit::schema!(
    OrderId,
    string(
        "An order id: 1–64 characters of A-Z a-z 0-9 - _",
        Some(1),
        Some(64),
        Some("^[A-Za-z0-9_-]+$"),
    )
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_and_quantity_bounds() {
        assert!(Stock::try_from(0).is_ok());
        assert!(Stock::try_from(-1).is_err());
        assert!(Stock::try_from(MAX_QTY + 1).is_err());
        assert!(Stock::parse("1.5").is_err());
        assert!(Stock::parse("abc").is_err());
        assert_eq!(Stock::parse("42").unwrap().get(), 42);
        assert!(Quantity::try_from(0).is_err());
        assert!(Quantity::try_from(1).is_ok());
    }

    #[test]
    fn json_rejects_non_integer_quantities() {
        assert!(serde_json::from_str::<Stock>("1.5").is_err());
        assert!(serde_json::from_str::<Stock>("\"3\"").is_err());
        assert!(serde_json::from_str::<Stock>("-2").is_err());
        assert!(serde_json::from_str::<Stock>("7").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(ItemName::parse("  Widget ").unwrap().as_str(), "Widget");
        assert!(ItemName::parse("   ").is_err());
        assert!(ItemName::parse(&"x".repeat(201)).is_err());
        assert!(ItemName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn prices_are_non_negative_and_bounded() {
        assert_eq!(Price::parse("19.9").unwrap().to_db(), "19.90");
        assert!(Price::parse("-1").is_err());
        assert!(Price::parse("1000000.01").is_err());
        assert!(Price::parse("1.001").is_err());
        assert!(Price::parse("1000000").is_ok());
    }

    #[test]
    fn order_ids_exclude_dots() {
        assert!(OrderId::parse("ord_1-A").is_ok());
        assert!(OrderId::parse("ord.1").is_err());
        assert!(OrderId::parse(&"o".repeat(65)).is_err());
    }
}
