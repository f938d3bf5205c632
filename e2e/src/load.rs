//! Orders under load, and the audit of what they left behind: what each request answered,
//! and whether the three databases still add up (every order with its stock, its events and
//! their outbox rows; no stock held for no order; stock never negative). Shared by the
//! reliability suite and the scaled-out tests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::{Api, Client};

// ---------------------------------------------------------------------------------------
// What a load saw

/// Answers by status (0: no answer — connection refused or reset, timeout) and the ids of
/// the orders that answered 201.
#[derive(Default)]
pub struct Tally {
    pub statuses: BTreeMap<u16, usize>,
    pub created: Vec<String>,
    /// A few bodies of unexpected answers, to show in the report.
    pub samples: Vec<String>,
}

impl Tally {
    pub fn tried(&self) -> usize {
        self.statuses.values().sum()
    }

    pub fn count(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    pub fn only(&self, allowed: &[u16]) -> Vec<String> {
        self.statuses
            .iter()
            .filter(|(status, _)| !allowed.contains(status))
            .map(|(status, n)| format!("{n} answer(s) {status}"))
            .collect()
    }

    /// [`Tally::only`], each line saying which requests it counts (`label`).
    pub fn only_labelled(&self, label: &str, allowed: &[u16]) -> Vec<String> {
        self.only(allowed)
            .into_iter()
            .map(|s| format!("{label}: {s}"))
            .collect()
    }
}

pub type Shared = Arc<Mutex<Tally>>;

pub async fn record(tally: &Shared, what: &str, response: reqwest::Result<reqwest::Response>) {
    let (status, text) = match response {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
        Err(e) => (0, format!("no answer: {e}")),
    };
    let mut tally = tally.lock().await;
    *tally.statuses.entry(status).or_default() += 1;
    if status == 201
        && let Some(id) = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
    {
        tally.created.push(id);
    }
    if !matches!(status, 200 | 201 | 409 | 503) && tally.samples.len() < 5 {
        tally
            .samples
            .push(format!("{what} → {status} {}", truncate(&text, 200)));
    }
}

pub fn truncate(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

pub fn report(scenario: &str, tried: &str, tally: &Tally, lost: &[String]) {
    println!("\n=== {scenario}");
    println!("tried: {tried}");
    println!(
        "answers: {} requests, {:?}, {} orders created",
        tally.tried(),
        tally.statuses,
        tally.created.len()
    );
    for sample in &tally.samples {
        println!("  unexpected: {sample}");
    }
    if lost.is_empty() {
        println!("lost: nothing");
    } else {
        println!("lost or wrong ({}):", lost.len());
        for line in lost.iter().take(20) {
            println!("  - {line}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Set-up helpers

pub async fn create_item(app: &Api, admin: &str, sku: &str, qty: i64) {
    let response = app
        .post(
            "/inventory/",
            Some(admin),
            &json!({ "sku": sku, "qty": qty, "price": "2.50" }),
        )
        .await;
    assert_eq!(response.status(), 201, "create item {sku}");
}

pub async fn users(app: &Api, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for _ in 0..n {
        tokens.push(app.register_user().await.token);
    }
    tokens
}

pub fn order_body(sku: &str, quantity: i64) -> Value {
    json!({ "items": [{ "sku": sku, "quantity": quantity, "price": "2.50" }] })
}

pub async fn post_order(
    client: &Client,
    base: &str,
    token: &str,
    body: &Value,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/orders/"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
}

/// `workers` loops of order creation (one unit of a SKU in turn) until `stop` is set or
/// `deadline` passes; the base URL is read at every request.
pub struct Load {
    pub client: Client,
    pub base: Arc<std::sync::Mutex<String>>,
    pub tokens: Arc<Vec<String>>,
    pub skus: Arc<Vec<String>>,
    pub workers: usize,
    pub deadline: Duration,
    pub stop: Arc<AtomicBool>,
    pub tally: Shared,
}

pub async fn order_load(load: Load) {
    let Load {
        client,
        base,
        tokens,
        skus,
        workers,
        deadline,
        stop,
        tally,
    } = load;
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (client, base, tokens, skus, stop, tally) = (
                client.clone(),
                base.clone(),
                tokens.clone(),
                skus.clone(),
                stop.clone(),
                tally.clone(),
            );
            tokio::spawn(async move {
                let mut i = w;
                while !stop.load(Ordering::Relaxed) && started.elapsed() < deadline {
                    let url = base.lock().unwrap().clone();
                    let body = order_body(&skus[i % skus.len()], 1);
                    let response =
                        post_order(&client, &url, &tokens[i % tokens.len()], &body).await;
                    let failed = response.is_err();
                    record(&tally, "POST /orders/", response).await;
                    if failed {
                        // The host is gone for a moment: do not spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    i += workers;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
}

pub fn short_client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// The audit: orders, their events and outbox rows, reservations and stock, across the
// three databases.

/// Everything that does not add up: an order without its stock or its `created` event,
/// stock held for no order, stock that does not match what was put in minus what is held,
/// an event without its outbox row, negative stock, a 201 whose order is missing.
pub async fn audit(app: &Api, initial: &HashMap<String, i64>, created: &[String]) -> Vec<String> {
    let mut lost = Vec::new();
    let orders_db = app.db("orders").await;
    let inventory_db = app.db("inventory").await;

    let orders: HashMap<String, (String, Value)> = orders_db
        .query(
            "SELECT id, status, items::text FROM orders WHERE deleted_at IS NULL",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let items: String = r.get(2);
            (r.get(0), (r.get(1), serde_json::from_str(&items).unwrap()))
        })
        .collect();
    let with_event: HashSet<String> = orders_db
        .query(
            "SELECT DISTINCT order_id FROM order_events WHERE event_type = 'created'",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let has_outbox: bool = orders_db
        .query_one("SELECT to_regclass('webhook_outbox') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    if has_outbox {
        let missing: i64 = orders_db
            .query_one(
                "SELECT count(*) FROM order_events e \
                 WHERE NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.order_event_id = e.id)",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if missing > 0 {
            lost.push(format!("{missing} order event(s) without their outbox row"));
        }
    }

    let mut held: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for r in inventory_db
        .query(
            "SELECT r.order_id, i.sku, l.quantity FROM reservations r \
             LEFT JOIN reservation_lines l ON l.order_id = r.order_id \
             LEFT JOIN items i ON i.id = l.item_id",
            &[],
        )
        .await
        .unwrap()
    {
        let lines = held.entry(r.get(0)).or_default();
        if let (Some(sku), Some(quantity)) = (r.get::<_, Option<String>>(1), r.get(2)) {
            lines.insert(sku, quantity);
        }
    }
    let stock: HashMap<String, i64> = inventory_db
        .query("SELECT sku, qty FROM items", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();

    for id in created {
        if !orders.contains_key(id) {
            lost.push(format!(
                "order {id} answered 201 but is not in the database"
            ));
        }
    }
    for (id, (status, items)) in &orders {
        if !with_event.contains(id) {
            lost.push(format!("order {id} has no `created` event"));
        }
        if status == "cancelled" {
            continue;
        }
        let wanted: HashMap<String, i64> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["sku"].as_str().unwrap().to_string(),
                    l["quantity"].as_i64().unwrap(),
                )
            })
            .collect();
        match held.get(id) {
            None => lost.push(format!("order {id} ({status}) holds no stock")),
            Some(lines) if *lines != wanted => lost.push(format!(
                "order {id} holds {lines:?}, its items say {wanted:?}"
            )),
            Some(_) => {}
        }
    }
    for (id, lines) in &held {
        if !orders.contains_key(id) {
            lost.push(format!(
                "stock taken without an order: reservation {id} {lines:?}"
            ));
        }
    }
    for (sku, put_in) in initial {
        let now = stock.get(sku).copied().unwrap_or(0);
        let held_now: i64 = held.values().filter_map(|l| l.get(sku)).sum();
        if now < 0 {
            lost.push(format!("{sku}: negative stock {now}"));
        }
        if now + held_now != *put_in {
            lost.push(format!(
                "{sku}: {put_in} put in, {now} in stock + {held_now} held = {}",
                now + held_now
            ));
        }
    }
    lost
}

/// A create saga that died between its reservation and its insert (SIGKILL, PostgreSQL
/// down) leaves an intent; once it is older than the orders service's threshold
/// (`flows::reconcile::STALE_AFTER_SECONDS`, 60 s) reconciliation releases its stock. Waits
/// past the threshold, calls `POST /orders/maintenance/reconcile` as the webhooks
/// deliverer or a cron would, and returns what did not add up (the audit stays strict).
pub async fn reconcile_after_threshold(app: &Api) -> Vec<String> {
    let wait = Duration::from_secs(65);
    println!(
        "waiting {wait:?} (past the 60 s intent threshold), then POST /orders/maintenance/reconcile"
    );
    tokio::time::sleep(wait).await;
    let response = short_client()
        .post(format!("{}/orders/maintenance/reconcile", app.base_url))
        .bearer_auth(crate::SERVICE_TOKEN)
        .json(&json!({}))
        .send()
        .await
        .expect("reconcile");
    let status = response.status();
    let report: Value = response.json().await.unwrap_or(Value::Null);
    let mut lost = Vec::new();
    if status != 200 {
        lost.push(format!("reconcile answered {status}: {report}"));
        return lost;
    }
    let count = |key: &str| report[key].as_array().map_or(0, Vec::len);
    println!(
        "reconcile: released the stock of {} dead saga(s), {} intent(s) had their order, {} failed",
        count("released"),
        count("already_ordered"),
        count("failed")
    );
    if count("failed") > 0 {
        lost.push(format!("reconcile left intents: {}", report["failed"]));
    }
    let left: i64 = app
        .db("orders")
        .await
        .query_one("SELECT count(*) FROM order_intents", &[])
        .await
        .unwrap()
        .get(0);
    if left > 0 {
        lost.push(format!("{left} order intent(s) left after reconciliation"));
    }
    lost
}
