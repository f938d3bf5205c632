//! Component configuration: Spin variables only.

use crate::error::ApiError;

/// A required variable. A missing one is a deployment mistake, reported as a 500 with the
/// cause in the log.
pub fn get(name: &str) -> Result<String, ApiError> {
    spin_sdk::variables::get(name)
        .map_err(|e| ApiError::internal(format!("variable `{name}`: {e}")))
}

/// A variable that may be absent or empty.
pub fn get_optional(name: &str) -> Option<String> {
    spin_sdk::variables::get(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// The `redis_namespace` variable: the prefix of every key this deployment writes to
/// Redis or the key-value store.
pub fn namespace() -> String {
    get_optional("redis_namespace").unwrap_or_else(|| "shop".to_string())
}
