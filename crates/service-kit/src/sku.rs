//! The stock keeping unit, shared by inventory (which owns items) and orders (whose lines
//! name them), so both accept exactly the same SKUs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stock keeping unit: 1–64 characters of `A-Z a-z 0-9 - _ .`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    pub const MAX_LEN: usize = 64;

    pub fn parse(value: &str) -> Result<Sku, String> {
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        match value.chars().count() {
            0 => Err("must not be empty".into()),
            n if n > Self::MAX_LEN => Err(format!("must be at most {} characters", Self::MAX_LEN)),
            _ if !valid_chars => Err("may only contain A-Z, a-z, 0-9, '-', '_' and '.'".into()),
            _ => Ok(Sku(value.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sku::parse(&value)
    }
}

impl From<Sku> for String {
    fn from(sku: Sku) -> String {
        sku.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::schema!(
    Sku,
    string(
        "A stock keeping unit: 1–64 characters of A-Z a-z 0-9 - _ .",
        Some(1),
        Some(Sku::MAX_LEN),
        Some("^[A-Za-z0-9._-]+$"),
    )
    .examples([serde_json::json!("WIDGET-1")])
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_alphabet_and_length() {
        assert!(Sku::parse("Abc-123_x.Y").is_ok());
        assert!(Sku::parse(&"a".repeat(64)).is_ok());
        assert!(Sku::parse(&"a".repeat(65)).is_err());
        assert!(Sku::parse("").is_err());
        for bad in ["a b", "a/b", "ü", "a;DROP", "a\u{0}"] {
            assert!(Sku::parse(bad).is_err(), "{bad:?}");
        }
    }
}
