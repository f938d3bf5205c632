//! Failure injection for the end-to-end tests: proves that a failure after the stock was
//! reserved gives the stock back.
//!
//! Off unless the `fault_injection` variable names the point. The production manifest does
//! not declare that variable for this component, and Spin refuses to read an undeclared
//! one, so there it cannot be switched on; a test manifest declares it.

use service_kit::{ApiError, ApiResult, config};

/// After the inventory reserved or changed stock, before the order is written.
pub const AFTER_RESERVATION: &str = "after_reservation";

/// Fails with a 500 when the `fault_injection` variable lists `point`.
pub fn check(point: &str) -> ApiResult<()> {
    let enabled = config::get_optional("fault_injection")
        .is_some_and(|points| points.split(',').any(|p| p.trim() == point));
    if enabled {
        return Err(ApiError::internal(format!("fault injected at {point}")));
    }
    Ok(())
}
