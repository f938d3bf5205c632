//! A component that exercises one host feature per path, for the host conformance tests.
//! Each endpoint reports what the host gave it as JSON, so tests can assert on it.

use anyhow::Result;
use serde_json::{Value, json};
use spin_sdk::http::{IntoResponse, Method, Request, Response};
use spin_sdk::http_component;
use spin_sdk::key_value::Store;

mod stores;

mod pg;

#[http_component]
async fn handle(req: Request) -> Result<impl IntoResponse> {
    let path = header(&req, "spin-path-info");
    let query = query_params(&req);
    let arg = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let body = match path.as_str() {
        "/headers" | "" | "/" => headers(&req),
        // A chained request's path info is its whole path (`/things/42/headers`).
        p if p.ends_with("/headers") => headers(&req),
        "/stores/kv" => stores::key_value(&arg),
        "/stores/redis" => stores::redis(&arg),
        "/stores/connections" => stores::connections(&arg),
        "/variable" => match spin_sdk::variables::get(&arg("name")) {
            Ok(value) => json!({ "value": value }),
            Err(e) => json!({ "error": format!("{e:?}") }),
        },
        "/pg" => pg::run(req.body()),
        "/redis" => redis_ops(&arg("url")).unwrap_or_else(|e| json!({ "error": format!("{e:#}") })),
        "/kv" => {
            key_value_ops(&arg("store")).unwrap_or_else(|e| json!({ "error": format!("{e:#}") }))
        }
        "/outbound" => outbound(&arg("url")).await,
        "/file" => match std::fs::read_to_string(arg("path")) {
            Ok(text) => json!({ "content": text }),
            Err(e) => json!({ "error": e.to_string() }),
        },
        "/publish" => {
            let conn = spin_sdk::redis::Connection::open(&arg("url"))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            conn.publish(&arg("channel"), &arg("message").into_bytes())
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            json!({ "published": true })
        }
        "/kv-get" => {
            let store = Store::open_default().map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let value = store
                .get(&arg("key"))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            json!({ "value": value.map(|v| String::from_utf8_lossy(&v).into_owned()) })
        }
        "/env" => json!({ "value": std::env::var(arg("name")).ok() }),
        "/echo" => {
            json!({ "method": req.method().to_string(), "body": String::from_utf8_lossy(req.body()) })
        }
        "/trap" => panic!("the probe was asked to trap"),
        "/spin" => loop {
            std::hint::spin_loop();
        },
        "/oom" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 16 << 20]);
            }
        }
        _ => return Ok(Response::new(404, format!("probe: no such probe {path}"))),
    };
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body)?)
        .build())
}

fn header(req: &Request, name: &str) -> String {
    req.header(name)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn query_params(req: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query().as_bytes())
        .into_owned()
        .collect()
}

fn headers(req: &Request) -> Value {
    let spin: serde_json::Map<String, Value> = req
        .headers()
        .filter(|(name, _)| name.starts_with("spin-"))
        .map(|(name, value)| (name.to_string(), json!(value.as_str().unwrap_or_default())))
        .collect();
    json!({
        "component": spin_sdk::variables::get("component_name").ok(),
        "headers": spin,
        "uri": req.uri(),
        "method": req.method().to_string(),
    })
}

fn redis_ops(url: &str) -> Result<Value> {
    use spin_sdk::redis::{Connection, RedisParameter};
    let conn = Connection::open(url).map_err(|e| anyhow::anyhow!("open: {e:?}"))?;
    let key = format!("probe:{}", header_nonce());
    conn.set(&key, b"v1".as_ref())
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let got = conn.get(&key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let counter = format!("{key}:n");
    let n1 = conn.incr(&counter).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let n2 = conn.incr(&counter).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let set = format!("{key}:s");
    let added = conn
        .sadd(&set, &["a".to_string(), "b".to_string()])
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let removed = conn
        .srem(&set, &["a".to_string()])
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let members = conn.smembers(&set).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let executed = conn
        .execute(
            "EXPIRE",
            &[
                RedisParameter::Binary(counter.clone().into_bytes()),
                RedisParameter::Int64(60),
            ],
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    conn.publish("probe-channel", b"hello".as_ref())
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let deleted = conn
        .del(&[key.clone(), counter, set])
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let after = conn.get(&key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(json!({
        "get": got.map(|v| String::from_utf8_lossy(&v).into_owned()),
        "incr": [n1, n2],
        "sadd": added, "srem": removed, "smembers": members,
        "execute": format!("{executed:?}"),
        "del": deleted,
        "after_del": after.is_none(),
    }))
}

fn key_value_ops(label: &str) -> Result<Value> {
    let store = match Store::open(label) {
        Ok(store) => store,
        Err(e) => return Ok(json!({ "open_error": format!("{e:?}") })),
    };
    let key = format!("probe-{}", header_nonce());
    let missing = store
        .get(&key)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .is_none();
    store
        .set(&key, b"value")
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let got = store.get(&key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let exists = store.exists(&key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let listed = store
        .get_keys()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .contains(&key);
    store.delete(&key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let exists_after = store.exists(&key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(json!({
        "missing_before": missing,
        "get": got.map(|v| String::from_utf8_lossy(&v).into_owned()),
        "exists": exists, "listed": listed, "exists_after_delete": exists_after,
    }))
}

async fn outbound(url: &str) -> Value {
    let request = Request::builder()
        .method(Method::Post)
        .uri(url)
        .header("x-probe", "1")
        .body("ping")
        .build();
    match spin_sdk::http::send::<_, Response>(request).await {
        Ok(response) => json!({
            "status": response.status(),
            "body": String::from_utf8_lossy(response.body()),
        }),
        Err(e) => json!({ "error": format!("{e:?}") }),
    }
}

/// A value unique enough to keep concurrent probe runs apart.
fn header_nonce() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
