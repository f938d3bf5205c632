//! The user object of the API, and how it is read from a database row.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use service_kit::{ApiError, ApiResult, Role};
use spin_sdk::pg4::{DbValue, Decode};

/// `{id, name, email, role, is_active, preferences, created_at}`; also what the cache
/// holds, so it deserializes too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    /// The user's own settings (theme, page size, ...), as they stored them.
    #[schema(value_type = Object)]
    pub preferences: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// The columns [`User::from_row`] reads, in its order.
pub const COLUMNS: &str = "id, name, email, role, is_active, preferences, created_at";

impl User {
    pub fn from_row(row: &[DbValue]) -> ApiResult<User> {
        let [
            id,
            name,
            email,
            role,
            is_active,
            preferences,
            created_at,
            ..,
        ] = row
        else {
            return Err(ApiError::internal("user row has too few columns"));
        };
        let role = String::decode(role)?;
        Ok(User {
            id: i64::decode(id)?,
            name: String::decode(name)?,
            email: String::decode(email)?,
            role: Role::parse(&role)
                .ok_or_else(|| ApiError::internal(format!("unknown role `{role}` in database")))?,
            is_active: bool::decode(is_active)?,
            preferences: Value::decode(preferences)?,
            created_at: service_kit::time::from_db(created_at)
                .ok_or_else(|| ApiError::internal("user row without a creation time"))?,
        })
    }
}
