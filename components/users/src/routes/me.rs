//! The caller's own account: `GET /users/me`, `GET/PUT /users/me/preferences`.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use service_kit::{ApiError, ApiResult, FieldError, RequestContext};
use spin_sdk::http::{Params, Request, Response};

use crate::accounts::Accounts;

/// The largest preferences object stored, as compact JSON.
const MAX_PREFERENCES_BYTES: usize = 16 * 1024;

/// The caller's account.
#[utoipa::path(get, path = "/users/me", tag = "me",
    responses((status = 200, description = "The caller", body = crate::user::User)))]
pub fn get(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let user = Accounts::open().caller(req, ctx)?;
    Ok(service_kit::json::ok(&user))
}

/// The caller's preferences object.
#[utoipa::path(get, path = "/users/me/preferences", tag = "me",
    responses((status = 200, description = "The stored preferences", body = Object)))]
pub fn get_preferences(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let user = Accounts::open().caller(req, ctx)?;
    Ok(service_kit::json::ok(&user.preferences))
}

/// Whether PostgreSQL's `jsonb` stores `value` so that it reads back: it writes numbers
/// out in full (`1.79e308` as 309 digits), which read back as a float out of range near
/// the largest one and would leave the account unreadable. (NUL characters, which `jsonb`
/// cannot hold, are refused for every JSON body by `service_kit::json`.)
fn storable(value: &Value) -> Result<(), &'static str> {
    const MAX_MAGNITUDE: f64 = 1e300;
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|f| f.abs() > MAX_MAGNITUDE) => {
            Err("numbers must be between -1e300 and 1e300")
        }
        Value::Array(items) => items.iter().try_for_each(storable),
        Value::Object(map) => map.values().try_for_each(storable),
        _ => Ok(()),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PreferencesUpdate {
    /// Any JSON object of at most 16 KiB (e.g. `{"theme": "dark", "page_size": 50}`).
    #[schema(value_type = Object)]
    preferences: Map<String, Value>,
}

/// Replaces the caller's preferences object and returns what is stored.
#[utoipa::path(put, path = "/users/me/preferences", tag = "me",
    request_body = PreferencesUpdate,
    responses((status = 200, description = "The stored preferences", body = Object)))]
pub fn put_preferences(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let accounts = Accounts::open();
    let caller = accounts.caller(req, ctx)?;
    let body: PreferencesUpdate = service_kit::json::parse_body(req)?;
    let preferences = Value::Object(body.preferences);
    let size = serde_json::to_vec(&preferences)
        .map_err(ApiError::internal)?
        .len();
    if size > MAX_PREFERENCES_BYTES {
        return Err(ApiError::invalid_field(FieldError::body(
            &[json!("preferences")],
            format!("preferences take at most {MAX_PREFERENCES_BYTES} bytes as JSON"),
            "too_long",
        )));
    }
    if let Err(msg) = storable(&preferences) {
        return Err(ApiError::invalid_field(FieldError::body(
            &[json!("preferences")],
            msg,
            "value_error",
        )));
    }
    let user = accounts
        .store()?
        .set_preferences(caller.id, &preferences)?
        .ok_or_else(|| ApiError::unauthorized("this account no longer exists"))?;
    accounts.forget(user.id);
    Ok(service_kit::json::ok(&user.preferences))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_jsonb_cannot_round_trip_are_refused() {
        assert!(storable(&json!({"theme": "dark", "page_size": 50, "x": [1e299]})).is_ok());
        assert!(storable(&json!({"a": [{"b": 1.7976931348623157e308}]})).is_err());
        assert!(storable(&json!({"a": -1e301})).is_err());
    }
}
