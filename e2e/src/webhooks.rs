//! Webhooks as a test sees them: a receiver that records every request and answers as the
//! test says, and the deliveries' admin list (`/orders/webhooks/deliveries`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::Api;

// ---------------------------------------------------------------------------------------
// A webhook receiver: a small HTTP/1.1 server that records every request and answers as
// the test tells it to.

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }

    pub fn event_id(&self) -> String {
        self.json()["id"].as_str().unwrap().to_string()
    }
}

/// Given the number of requests received before this one: the status and how long to wait
/// before answering.
pub type Behaviour = Arc<dyn Fn(usize) -> (u16, Duration) + Send + Sync>;

pub fn answer(status: u16) -> Behaviour {
    Arc::new(move |_| (status, Duration::ZERO))
}

#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl Receiver {
    /// A receiver listening on a free port.
    pub async fn start(behaviour: Behaviour) -> (Receiver, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            port: listener.local_addr().unwrap().port(),
            received: Default::default(),
            behaviour: Arc::new(Mutex::new(behaviour)),
        };
        let task = receiver.serve(listener);
        (receiver, task)
    }

    /// A receiver whose port is reserved but where nothing listens yet (it is "down").
    pub async fn down(behaviour: Behaviour) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        Receiver {
            port,
            received: Default::default(),
            behaviour: Arc::new(Mutex::new(behaviour)),
        }
    }

    /// Starts listening (again) on the receiver's port.
    pub async fn come_up(&self) -> tokio::task::JoinHandle<()> {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener)
    }

    pub fn serve(&self, listener: TcpListener) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let this = this.clone();
                tokio::spawn(async move {
                    let _ = this.handle(stream).await;
                });
            }
        })
    }

    pub async fn handle(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .unwrap_or_default()
            .split(' ')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = buffer[head_end..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let (status, delay) = {
            let mut received = self.received.lock().unwrap();
            let seen = received.len();
            received.push(Received {
                path,
                headers,
                body,
                at: Instant::now(),
            });
            (self.behaviour.lock().unwrap())(seen)
        };
        tokio::time::sleep(delay).await;
        let response =
            format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The distinct event ids received, in first-arrival order.
    pub fn event_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for r in self.received() {
            let id = r.event_id();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

/// Polls `check` every 200 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The admin list of deliveries (`query` like `status=failed`), with `X-Total-Count`.
pub async fn deliveries(app: &Api, admin: &str, query: &str) -> (Vec<Value>, i64) {
    let response = app
        .get(&format!("/orders/webhooks/deliveries?{query}"), Some(admin))
        .await;
    assert_eq!(response.status(), 200, "list deliveries {query}");
    let total = response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let list: Value = response.json().await.unwrap();
    (list.as_array().unwrap().clone(), total)
}

/// Waits until every delivery is `delivered`, and there are `count` of them.
pub async fn all_delivered(app: &Api, admin: &str, count: usize, limit: Duration) -> Vec<Value> {
    eventually(limit, "every delivery delivered", || async {
        let (list, total) = deliveries(app, admin, "limit=1000").await;
        (total as usize == count && list.iter().all(|d| d["status"] == "delivered")).then_some(list)
    })
    .await
}
