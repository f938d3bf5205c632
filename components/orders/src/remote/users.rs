//! The users service: does the user an order is for exist, and is it active?

use serde::Deserialize;
use serde_json::json;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext, user_records};
use spin_sdk::http::Method;

use super::Service;

/// The one field of a cached user record the check needs.
#[derive(Deserialize)]
struct Standing {
    is_active: bool,
}

/// Ok when user `user_id` exists and is active; 422 (on `user_id`) when it does not or is
/// inactive; 503 when the users service cannot say.
///
/// The users service's cache answers first (`service_kit::user_records`): most orders
/// are for users who ordered or signed in a moment ago, and a hit saves the call.
pub async fn require_active(ctx: &RequestContext, user_id: i64) -> ApiResult<()> {
    let cached = user_records::cache().get::<Standing>(&user_records::key(user_id));
    match cached {
        Some(Standing { is_active: true }) => return Ok(()),
        Some(Standing { is_active: false }) => return Err(refused("user is inactive", user_id)),
        None => {}
    }
    let users = Service::connect("users", "users_url", ctx)?;
    let reply = users
        .call(Method::Get, &format!("/users/{user_id}"), None)
        .await?;
    let problem = match reply.status {
        200 if reply.body["is_active"] == json!(true) => return Ok(()),
        200 if reply.body["is_active"] == json!(false) => "user is inactive",
        404 => "user does not exist",
        _ => return Err(users.unexpected("looking up a user", &reply)),
    };
    Err(refused(problem, user_id))
}

/// 422 on `user_id`.
fn refused(problem: &str, user_id: i64) -> ApiError {
    ApiError::invalid_field(FieldError::body(
        &[json!("user_id")],
        format!("{problem} (user {user_id})"),
        "value_error",
    ))
}
