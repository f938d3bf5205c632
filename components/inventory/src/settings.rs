//! Settings from Spin variables.

/// Used when `low_stock_threshold` is unset or not a positive whole number.
const DEFAULT_LOW_STOCK_THRESHOLD: i64 = 20;

/// Items with 0 < qty < this count as low on stock.
pub fn low_stock_threshold() -> i64 {
    let configured = service_kit::config::get_optional("low_stock_threshold");
    match configured.as_deref().map(|v| v.trim().parse::<i64>()) {
        Some(Ok(n)) if n > 0 => n,
        None => DEFAULT_LOW_STOCK_THRESHOLD,
        Some(_) => {
            eprintln!(
                "low_stock_threshold {configured:?} is not a positive whole number; \
                 using {DEFAULT_LOW_STOCK_THRESHOLD}"
            );
            DEFAULT_LOW_STOCK_THRESHOLD
        }
    }
}
