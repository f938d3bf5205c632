//! The order status machine of the contract:
//! `pending → processing | cancelled`, `processing → shipped | cancelled`,
//! `shipped → delivered | cancelled`, `cancelled → pending`; `delivered` is final.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
}

/// What a status change does to the stock the order holds in the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockEffect {
    None,
    /// Cancelling gives the stock back.
    Release,
    /// Reactivating takes it again (and fails if it is gone).
    Reserve,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Processing,
        Status::Shipped,
        Status::Delivered,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether the inventory still holds stock for an order in this status. A delivered
    /// order's stock has left the warehouse, so deleting it gives nothing back.
    pub fn holds_stock(self) -> bool {
        matches!(self, Status::Pending | Status::Processing | Status::Shipped)
    }

    /// The stock effect of moving from `self` to `to`, or `Err` when the machine does not
    /// allow it. Setting the current status again is allowed and does nothing.
    pub fn transition(self, to: Status) -> Result<StockEffect, String> {
        use Status::*;
        match (self, to) {
            (from, to) if from == to => Ok(StockEffect::None),
            (Pending, Processing) | (Processing, Shipped) | (Shipped, Delivered) => {
                Ok(StockEffect::None)
            }
            (Pending | Processing | Shipped, Cancelled) => Ok(StockEffect::Release),
            (Cancelled, Pending) => Ok(StockEffect::Reserve),
            (from, to) => Err(format!("an order cannot go from {from} to {to}")),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                "status must be one of pending, processing, shipped, delivered, cancelled"
                    .to_string()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_contract_transitions_and_nothing_else() {
        let allowed = [
            (Pending, Processing, StockEffect::None),
            (Pending, Cancelled, StockEffect::Release),
            (Processing, Shipped, StockEffect::None),
            (Processing, Cancelled, StockEffect::Release),
            (Shipped, Delivered, StockEffect::None),
            (Shipped, Cancelled, StockEffect::Release),
            (Cancelled, Pending, StockEffect::Reserve),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = if from == to {
                    Some(StockEffect::None)
                } else {
                    allowed
                        .iter()
                        .find(|(f, t, _)| *f == from && *t == to)
                        .map(|(_, _, effect)| *effect)
                };
                assert_eq!(from.transition(to).ok(), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn delivered_is_final() {
        assert!(Delivered.transition(Pending).is_err());
        assert!(Delivered.transition(Cancelled).is_err());
    }

    #[test]
    fn parses_its_own_names_only() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert!("PENDING".parse::<Status>().is_err());
    }
}
