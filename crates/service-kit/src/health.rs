//! `GET /<svc>/healthz` and `GET /<svc>/readyz`, the same for every service.

use serde_json::{Map, Value, json};
use spin_sdk::http::Response;

use crate::json;

/// Liveness: no I/O, so it answers whenever the component can run at all.
pub fn healthz() -> Response {
    json::ok(&json!({ "status": "healthy" }))
}

/// Readiness: the service's database answers and, when `redis_url` is set, Redis does.
/// 503 with the failing checks otherwise.
pub fn readyz() -> Response {
    let mut checks = Map::new();
    checks.insert("database".into(), check(database_answers()));
    if crate::config::get_optional("redis_url").is_some() {
        checks.insert("redis".into(), check(redis_answers()));
    }
    let ready = checks.values().all(|v| v == "ok");
    let status = if ready { "ready" } else { "unavailable" };
    json::respond(
        if ready { 200 } else { 503 },
        &json!({ "status": status, "checks": checks }),
    )
}

fn check(result: Result<(), String>) -> Value {
    match result {
        Ok(()) => json!("ok"),
        Err(e) => {
            eprintln!("readiness check failed: {e}");
            json!("unavailable")
        }
    }
}

fn database_answers() -> Result<(), String> {
    let conn = crate::db::connect().map_err(|e| e.detail.to_string())?;
    conn.query("SELECT 1", &[])
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

fn redis_answers() -> Result<(), String> {
    let conn = crate::redis::connect().ok_or("cannot connect")?;
    conn.execute("PING", &[])
        .map(|_| ())
        .map_err(|e| e.to_string())
}
