//! Checks on a response that many tests make.

use serde_json::Value;

use crate::Response;

/// Asserts `response` has status `expected` (naming `what` and showing the body if not),
/// and returns its JSON body (`Null` when the body is not JSON).
pub async fn assert_status(response: Response, expected: u16, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status.as_u16(), expected, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The list total a paginated response reports in `X-Total-Count`.
pub fn total_count(response: &Response) -> i64 {
    response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}
