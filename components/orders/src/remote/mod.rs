//! Calls to the other services of the application (users, inventory): the service
//! credential, the caller's request id, JSON bodies and a time limit on every call.

pub mod inventory;
pub mod users;

use std::time::Duration;

use serde_json::Value;
use service_kit::{ApiError, ApiResult, RequestContext, config};
use spin_sdk::http::{Method, Request, Response};

/// How long a call to another service may take before the dependency counts as down.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// One of the services this one calls, at the URL its Spin variable names.
pub struct Service {
    name: &'static str,
    base_url: String,
    token: String,
    request_id: String,
}

/// What a service answered: the status and the JSON body (`Null` when empty or not JSON).
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Service {
    /// `url_variable` is `users_url` or `inventory_url`: Spin local service chaining by
    /// default, a real URL when the services are deployed apart.
    fn connect(name: &'static str, url_variable: &str, ctx: &RequestContext) -> ApiResult<Self> {
        Ok(Service {
            name,
            base_url: config::get(url_variable)?.trim_end_matches('/').to_string(),
            token: config::get("service_token")?,
            request_id: ctx.request_id.clone(),
        })
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> ApiResult<Reply> {
        let mut builder = Request::builder();
        builder
            .method(method.clone())
            .uri(format!("{}{path}", self.base_url))
            .header("authorization", format!("Bearer {}", self.token))
            .header("x-request-id", self.request_id.as_str())
            .header("accept", "application/json");
        if let Some(body) = body {
            builder
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let sent = service_kit::deadline::within(
            CALL_TIMEOUT,
            spin_sdk::http::send::<_, Response>(builder.build()),
        )
        .await;
        let response = match sent {
            Some(Ok(response)) => response,
            Some(Err(e)) => return Err(self.unavailable(&format!("{method} {path}: {e}"))),
            None => return Err(self.unavailable(&format!("{method} {path}: timed out"))),
        };
        let status = *response.status();
        if status >= 500 {
            return Err(self.unavailable(&format!("{method} {path} answered {status}")));
        }
        Ok(Reply {
            status,
            body: serde_json::from_slice(response.body()).unwrap_or(Value::Null),
        })
    }

    /// The 503 for a dependency that is down, slow or failing; the cause goes to the log.
    fn unavailable(&self, cause: &str) -> ApiError {
        eprintln!(
            "request {}: {} service unavailable: {cause}",
            self.request_id, self.name
        );
        ApiError::unavailable(format!("{} service unavailable", self.name))
    }

    /// An answer the contract does not allow for: treated as the dependency failing.
    fn unexpected(&self, what: &str, reply: &Reply) -> ApiError {
        self.unavailable(&format!(
            "{what}: unexpected {} {}",
            reply.status, reply.body
        ))
    }
}
