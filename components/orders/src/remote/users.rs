//! The users service: does the user an order is for exist, and is it active?

use serde_json::json;
use service_kit::{ApiError, ApiResult, FieldError, RequestContext};
use spin_sdk::http::Method;

use super::Service;

/// Ok when user `user_id` exists and is active; 422 (on `user_id`) when it does not or is
/// inactive; 503 when the users service cannot say.
pub async fn require_active(ctx: &RequestContext, user_id: i64) -> ApiResult<()> {
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
    Err(ApiError::invalid_field(FieldError::body(
        &[json!("user_id")],
        format!("{problem} (user {user_id})"),
        "value_error",
    )))
}
