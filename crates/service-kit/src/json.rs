//! JSON request bodies and responses.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use spin_sdk::http::{Request, Response};

use crate::error::{ApiError, ApiResult, FieldError};

pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The largest JSON body any endpoint accepts.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// Parses the request body as `T`.
///
/// Over [`MAX_JSON_BODY`] → 413; not JSON at all → 400; JSON of the wrong shape → 422
/// with the location of the offending field, as FastAPI reports it.
pub fn parse_body<T: DeserializeOwned>(req: &Request) -> ApiResult<T> {
    parse_bytes(req.body())
}

pub fn parse_bytes<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.len() > MAX_JSON_BODY {
        return Err(ApiError::payload_too_large(MAX_JSON_BODY));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_field(FieldError::body(
            &[],
            "Field required",
            "missing",
        )));
    }
    // Parse to a generic value first so syntax errors (400) are told apart from shape
    // errors (422). serde_json's recursion limit rejects absurdly nested documents.
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))?;
    if let Some(path) = find_nul(&value, &mut Vec::new()) {
        return Err(ApiError::invalid_field(FieldError::body(
            &path,
            "must not contain NUL characters",
            "string_type",
        )));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut loc: Vec<Value> = path_segments(e.path());
        let msg = e.inner().to_string();
        // serde reports a missing field at the object that lacks it; FastAPI (and clients
        // that highlight the field) expect the field itself in `loc`.
        let kind = match missing_field(&msg) {
            Some(field) => {
                loc.push(json!(field));
                "missing"
            }
            None => "value_error",
        };
        ApiError::invalid_field(FieldError::body(&loc, msg, kind))
    })
}

/// The field name of serde's "missing field `name`" message.
fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}

/// The location of the first string (or object key) holding U+0000, which PostgreSQL
/// text cannot store.
fn find_nul(value: &Value, path: &mut Vec<Value>) -> Option<Vec<Value>> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(json!(i));
            let found = find_nul(item, path);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            path.push(json!(key));
            let found = if key.contains('\0') {
                Some(path.clone())
            } else {
                find_nul(item, path)
            };
            path.pop();
            found
        }),
        _ => None,
    }
}

fn path_segments(path: &serde_path_to_error::Path) -> Vec<Value> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(json!(index)),
            Segment::Map { key } => Some(json!(key)),
            Segment::Enum { variant } => Some(json!(variant)),
            Segment::Unknown => None,
        })
        .collect()
}

/// A JSON response with the given status.
pub fn respond<T: Serialize + ?Sized>(status: u16, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => Response::builder()
            .status(status)
            .header("content-type", CONTENT_TYPE)
            .body(bytes)
            .build(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

pub fn ok<T: Serialize + ?Sized>(body: &T) -> Response {
    respond(200, body)
}

pub fn created<T: Serialize + ?Sized>(body: &T) -> Response {
    respond(201, body)
}

/// `value` rendered as JSON once, for a cache to keep and a response to send as is.
pub fn rendered<T: Serialize + ?Sized>(value: &T) -> ApiResult<Box<serde_json::value::RawValue>> {
    serde_json::value::to_raw_value(value).map_err(ApiError::internal)
}

/// A list response: the JSON array plus `X-Total-Count`, as the contract asks. `items` is
/// a slice, or an array rendered earlier (`serde_json::value::RawValue`, written as is).
pub fn list<T: Serialize + ?Sized>(items: &T, total: i64) -> Response {
    match serde_json::to_vec(items) {
        Ok(bytes) => Response::builder()
            .status(200)
            .header("content-type", CONTENT_TYPE)
            .header("x-total-count", total.to_string())
            .body(bytes)
            .build(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

pub fn no_content() -> Response {
    Response::builder().status(204).body(Vec::new()).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        sku: String,
        quantity: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        items: Vec<Item>,
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_422_with_the_field() {
        assert_eq!(
            parse_bytes::<Order>(b"{\"items\": [").unwrap_err().status,
            400
        );
        let err =
            parse_bytes::<Order>(br#"{"items": [{"sku": "A", "quantity": -1}]}"#).unwrap_err();
        assert_eq!(err.status, 422);
        assert_eq!(
            err.detail[0]["loc"],
            json!(["body", "items", 0, "quantity"])
        );
        let err = parse_bytes::<Order>(br#"{"items": [{"quantity": 1}]}"#).unwrap_err();
        assert_eq!(err.detail[0]["loc"], json!(["body", "items", 0, "sku"]));
        assert_eq!(err.detail[0]["type"], "missing");
    }

    #[test]
    fn nul_characters_are_refused_where_they_are() {
        let err =
            parse_bytes::<Order>(br#"{"items": [{"sku": "A\u0000", "quantity": 1}]}"#).unwrap_err();
        assert_eq!(err.status, 422);
        assert_eq!(err.detail[0]["loc"], json!(["body", "items", 0, "sku"]));
        let err = parse_bytes::<serde_json::Value>(br#"{"k\u0000": 1}"#).unwrap_err();
        assert_eq!(err.detail[0]["loc"], json!(["body", "k\u{0}"]));
    }
}
