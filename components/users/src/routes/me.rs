//! The caller's own account: `GET /users/me`, `GET/PUT /users/me/preferences`.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use service_kit::{ApiError, ApiResult, FieldError, RequestContext};
use spin_sdk::http::{Params, Request, Response};

use crate::accounts::Accounts;

/// The largest preferences object stored, as compact JSON.
const MAX_PREFERENCES_BYTES: usize = 16 * 1024;

pub fn get(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let user = Accounts::open().caller(req, ctx)?;
    Ok(service_kit::json::ok(&user))
}

pub fn get_preferences(req: &Request, ctx: &RequestContext, _: &Params) -> ApiResult<Response> {
    let user = Accounts::open().caller(req, ctx)?;
    Ok(service_kit::json::ok(&user.preferences))
}

#[derive(Deserialize)]
struct PreferencesUpdate {
    preferences: Map<String, Value>,
}

/// Replaces the caller's preferences object and returns what is stored.
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
    let user = accounts
        .store()?
        .set_preferences(caller.id, &preferences)?
        .ok_or_else(|| ApiError::unauthorized("this account no longer exists"))?;
    accounts.forget(user.id);
    Ok(service_kit::json::ok(&user.preferences))
}
