//! The order's rules as types: a value of one of these types is valid, because the only way
//! to get one is to parse it (from a request body, a CSV row or a database row).

mod item;
mod order;
mod status;

pub use item::Items;
pub use order::{CreateBody, NewOrder, OrderChange, OrderId, checked_total, total_error};
pub use status::{Status, StockEffect};
