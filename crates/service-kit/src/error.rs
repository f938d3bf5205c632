//! One error type for every handler, rendered in FastAPI's shape:
//! `{"detail": "message"}`, or `{"detail": [{"loc", "msg", "type"}]}` for validation errors.

use serde::Serialize;
use serde_json::{Value, json};
use spin_sdk::http::Response;

pub type ApiResult<T> = Result<T, ApiError>;

/// One invalid field, as FastAPI reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl FieldError {
    /// A field error in the request body; `path` is the location below `body`.
    pub fn body(path: &[Value], msg: impl Into<String>, kind: &str) -> Self {
        let mut loc = vec![json!("body")];
        loc.extend_from_slice(path);
        Self {
            loc,
            msg: msg.into(),
            kind: kind.to_string(),
        }
    }

    /// A field error in the query string.
    pub fn query(name: &str, msg: impl Into<String>, kind: &str) -> Self {
        Self {
            loc: vec![json!("query"), json!(name)],
            msg: msg.into(),
            kind: kind.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub detail: Value,
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<Value>) -> Self {
        Self {
            status,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::new(400, msg.into())
    }

    pub fn unauthorized(msg: impl Into<String>) -> Self {
        Self::new(401, msg.into()).with_header("www-authenticate", "Bearer")
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::new(403, msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new(404, msg.into())
    }

    pub fn conflict(detail: impl Into<Value>) -> Self {
        Self::new(409, detail)
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(413, format!("request body exceeds {limit_bytes} bytes"))
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(422, serde_json::to_value(errors).unwrap_or(Value::Null))
    }

    /// A 422 with a single field error.
    pub fn invalid_field(error: FieldError) -> Self {
        Self::validation(vec![error])
    }

    /// A 422 whose detail is a plain message (e.g. "user is inactive").
    pub fn unprocessable(msg: impl Into<String>) -> Self {
        Self::new(422, msg.into())
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(429, "too many attempts, try again later")
            .with_header("retry-after", retry_after_secs.to_string())
    }

    pub fn unavailable(msg: impl Into<String>) -> Self {
        Self::new(503, msg.into())
    }

    /// An unexpected failure. The cause is logged; the client sees a generic message so
    /// nothing internal (SQL, stack traces) leaks.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {cause}");
        Self::new(500, "internal server error")
    }

    pub fn into_response(self) -> Response {
        let body = serde_json::to_vec(&json!({ "detail": self.detail })).unwrap_or_default();
        let mut builder = Response::builder();
        builder
            .status(self.status)
            .header("content-type", crate::json::CONTENT_TYPE);
        for (name, value) in &self.headers {
            builder.header(*name, value.as_str());
        }
        builder.body(body).build()
    }
}

/// Lets `spin_sdk::http::Router` handlers return `ApiResult<Response>` directly.
impl spin_sdk::http::IntoResponse for ApiError {
    fn into_response(self) -> Response {
        ApiError::into_response(self)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(format!("{err:#}"))
    }
}
