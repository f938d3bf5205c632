//! One key-value or Redis call per request, answering the value or the error exactly as
//! the guest got it (`Debug` of the WIT error), so tests can compare with Spin's.
//!
//! `/stores/kv?store=&op=open|get|set|delete&key=&value=` and
//! `/stores/redis?url=&op=open|get|set|smembers|sadd|execute&key=&value=&args=` (`args` is
//! a `|`-separated list sent as binary arguments of the command in `key`).
//!
//! `/stores/connections?kind=pg|redis&url=&count=` opens `count` connections and holds
//! them, then drops the first and opens one more: how many opened, the first refusal, and
//! whether a dropped connection's place can be taken again.

use serde_json::{Value, json};
use spin_sdk::key_value::Store;
use spin_sdk::redis::{Connection, RedisParameter};

fn answer<T: std::fmt::Debug>(result: Result<T, impl std::fmt::Debug>) -> Value {
    match result {
        Ok(value) => json!({ "value": format!("{value:?}") }),
        Err(e) => json!({ "error": format!("{e:?}") }),
    }
}

fn text(bytes: Option<Vec<u8>>) -> Option<String> {
    bytes.map(|b| String::from_utf8_lossy(&b).into_owned())
}

pub fn key_value(arg: &dyn Fn(&str) -> String) -> Value {
    let store = match Store::open(&arg("store")) {
        Ok(store) => store,
        Err(e) => return json!({ "error": format!("{e:?}") }),
    };
    let key = arg("key");
    match arg("op").as_str() {
        "open" => json!({ "value": "opened" }),
        "get" => answer(store.get(&key).map(text)),
        "set" => answer(store.set(&key, arg("value").as_bytes())),
        "delete" => answer(store.delete(&key)),
        op => json!({ "error": format!("unknown op {op}") }),
    }
}

pub fn redis(arg: &dyn Fn(&str) -> String) -> Value {
    let conn = match Connection::open(&arg("url")) {
        Ok(conn) => conn,
        Err(e) => return json!({ "error": format!("{e:?}") }),
    };
    let key = arg("key");
    match arg("op").as_str() {
        "open" => json!({ "value": "opened" }),
        "get" => answer(conn.get(&key).map(text)),
        "set" => answer(conn.set(&key, &arg("value").into_bytes())),
        "smembers" => answer(conn.smembers(&key)),
        "sadd" => answer(conn.sadd(&key, &[arg("value")])),
        "execute" => {
            let args: Vec<RedisParameter> = arg("args")
                .split('|')
                .filter(|a| !a.is_empty())
                .map(|a| RedisParameter::Binary(a.as_bytes().to_vec()))
                .collect();
            answer(conn.execute(&key, &args))
        }
        op => json!({ "error": format!("unknown op {op}") }),
    }
}

pub fn connections(arg: &dyn Fn(&str) -> String) -> Value {
    let url = arg("url");
    let count: usize = arg("count").parse().unwrap_or(0);
    match arg("kind").as_str() {
        "pg" => hold(count, || {
            spin_sdk::pg4::Connection::open(&url).map_err(|e| format!("{e:?}"))
        }),
        "redis" => hold(count, || {
            Connection::open(&url).map_err(|e| format!("{e:?}"))
        }),
        kind => json!({ "error": format!("unknown kind {kind}") }),
    }
}

/// `open` answers a connection or the `Debug` of the guest's error.
fn hold<C>(count: usize, open: impl Fn() -> Result<C, String>) -> Value {
    let mut held = Vec::new();
    let mut refused = None;
    for _ in 0..count {
        match open() {
            Ok(conn) => held.push(conn),
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let opened = held.len();
    if !held.is_empty() {
        held.remove(0);
    }
    let after_a_drop = match open() {
        Ok(_) => json!({ "value": "reopened" }),
        Err(e) => json!({ "error": e }),
    };
    json!({ "opened": opened, "refused": refused, "after_a_drop": after_a_drop })
}
