//! Failure injection for the end-to-end tests: proves that a failure after the stock was
//! reserved gives the stock back, and that an export failing after its head was sent ends
//! in a broken transfer, not a short file.
//!
//! Off unless the `fault_injection` variable names the point. `spin.toml` declares it empty
//! (off); the end-to-end tests set it with `--variable fault_injection=after_reservation`.
//! A manifest that does not declare it for this component cannot switch it on (Spin
//! refuses to read an undeclared variable).

use service_kit::{ApiError, ApiResult, config};

/// After the inventory reserved or changed stock, before the order is written.
pub const AFTER_RESERVATION: &str = "after_reservation";
/// Before each page of the CSV export after the first (sent with the head).
pub const EXPORT_NEXT_PAGE: &str = "export_next_page";

/// Fails with a 500 when the `fault_injection` variable lists `point`.
pub fn check(point: &str) -> ApiResult<()> {
    let enabled = config::get_optional("fault_injection")
        .is_some_and(|points| points.split(',').any(|p| p.trim() == point));
    if enabled {
        return Err(ApiError::internal(format!("fault injected at {point}")));
    }
    Ok(())
}
