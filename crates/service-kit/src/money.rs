//! Money: a decimal amount with at most two places, never a float.
//!
//! Accepted as a JSON number or a decimal string, returned as a string with two places
//! (`"19.90"`), stored as `NUMERIC(12,2)`.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use spin_sdk::pg4::{self, DbValue, Decode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    TooManyDecimals,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::NotANumber => f.write_str("must be a decimal number"),
            MoneyError::TooManyDecimals => f.write_str("must have at most two decimal places"),
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn new(amount: Decimal) -> Result<Self, MoneyError> {
        let normalized = amount.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let mut value = normalized;
        value.rescale(2);
        Ok(Money(value))
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    /// `self × quantity`, exact.
    pub fn times(self, quantity: i64) -> Money {
        Money(self.0 * Decimal::from(quantity))
    }
}

/// A `NUMERIC` column, which the host hands over as its exact decimal text.
impl Decode for Money {
    fn decode(value: &DbValue) -> Result<Self, pg4::Error> {
        Money::new(Decimal::decode(value)?).map_err(|e| pg4::Error::Decode(e.to_string()))
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let amount = Decimal::from_str(s.trim()).map_err(|_| MoneyError::NotANumber)?;
        Money::new(amount)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MoneyVisitor)
    }
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a number or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        Money::new(Decimal::from(v)).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        Money::new(Decimal::from(v)).map_err(E::custom)
    }

    // JSON numbers with a fraction arrive as f64. Rust prints an f64 as the shortest text
    // that reads back to the same value, which for any amount a client typed is exactly
    // the digits it sent; from there on everything is decimal.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        if !v.is_finite() {
            return Err(E::custom(MoneyError::NotANumber));
        }
        v.to_string().parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Money, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn decodes_a_numeric_column() {
        let decode = |text: &str| Money::decode(&DbValue::Decimal(text.into())).ok();
        assert_eq!(decode("5").unwrap().to_string(), "5.00");
        assert_eq!(decode("19.90").unwrap().to_string(), "19.90");
        assert_eq!(decode("1.234"), None, "more than two places");
        assert!(
            Money::decode(&DbValue::Str("5".into())).is_err(),
            "not a NUMERIC"
        );
        assert_eq!(Option::<Money>::decode(&DbValue::DbNull).unwrap(), None);
    }

    #[test]
    fn accepts_numbers_and_strings() {
        assert_eq!(parse("19.9").unwrap().to_string(), "19.90");
        assert_eq!(parse("\"19.90\"").unwrap().to_string(), "19.90");
        assert_eq!(parse("5").unwrap().to_string(), "5.00");
        assert_eq!(parse("0.1").unwrap().times(3).to_string(), "0.30");
    }

    #[test]
    fn rejects_three_decimals_and_garbage() {
        assert!(parse("1.005").is_err());
        assert!(parse("\"abc\"").is_err());
        assert!(parse("true").is_err());
        assert_eq!(parse("1.50").unwrap(), parse("\"1.5\"").unwrap());
    }

    #[test]
    fn serializes_with_two_places() {
        assert_eq!(
            serde_json::to_string(&"7".parse::<Money>().unwrap()).unwrap(),
            "\"7.00\""
        );
    }
}
