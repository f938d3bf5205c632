//! Fills a running app with demo data through its own public API, as any client would:
//! users register, the admin builds the catalogue, and the order history arrives through
//! the admin CSV import (the only way to give orders past dates). A few orders are then
//! placed live, through the saga, so stock moves and timelines have events.
//!
//! Everything is decided by [`plan::Plan`] from a seed, and every step is safe to repeat:
//! existing users and SKUs are reused, and orders are upserted by their fixed ids.

pub mod plan;

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{SecondsFormat, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use plan::{Plan, Sizes, StockLevel};

/// What to create and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The app's base URL, e.g. `http://127.0.0.1:3000`.
    pub url: String,
    pub users: usize,
    /// How many of the users register through `POST /users/register` (and so can sign
    /// in with the demo password); the rest arrive through the admin CSV import, whose
    /// cheaper password hashing makes benchmark-sized user bases quick to create.
    pub register: usize,
    pub items: usize,
    pub orders: usize,
    /// Orders placed through `POST /orders/` after the import (they reserve stock).
    pub live_orders: usize,
    pub seed: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Orders per CSV import request.
    pub batch: usize,
    pub admin_email: String,
    pub admin_password: String,
    /// Print progress lines on stderr.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            url: "http://127.0.0.1:3000".into(),
            users: 50,
            register: 50,
            items: 200,
            orders: 2_000,
            live_orders: 10,
            seed: 42,
            concurrency: 8,
            batch: 1_000,
            admin_email: "admin@test.com".into(),
            admin_password: "password123".into(),
            verbose: false,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub url: String,
    pub users_created: usize,
    pub users_existing: usize,
    /// Users that registered (and can sign in with the demo password).
    pub users_registered: usize,
    pub items_created: usize,
    pub items_existing: usize,
    pub items_out_of_stock: usize,
    pub items_low_stock: usize,
    pub orders_created: usize,
    pub orders_updated: usize,
    pub status_counts: Vec<(&'static str, usize)>,
    pub first_order_at: Option<String>,
    pub last_order_at: Option<String>,
    pub live_orders_placed: usize,
    pub live_orders_refused: usize,
    pub elapsed: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "demo data for {}", self.url)?;
        writeln!(
            f,
            "  users:       {} created, {} already there ({} registered with password {}, the rest imported)",
            self.users_created,
            self.users_existing,
            self.users_registered,
            plan::USER_PASSWORD
        )?;
        writeln!(
            f,
            "  inventory:   {} SKUs created, {} already there ({} planned out of stock, {} low)",
            self.items_created, self.items_existing, self.items_out_of_stock, self.items_low_stock
        )?;
        let statuses: Vec<String> = self
            .status_counts
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        writeln!(
            f,
            "  orders:      {} imported as new, {} updated; {}",
            self.orders_created,
            self.orders_updated,
            statuses.join(", ")
        )?;
        if let (Some(first), Some(last)) = (&self.first_order_at, &self.last_order_at) {
            writeln!(f, "               dated {first} .. {last}")?;
        }
        writeln!(
            f,
            "  live orders: {} placed, {} refused (stock)",
            self.live_orders_placed, self.live_orders_refused
        )?;
        write!(f, "  took {:.1}s", self.elapsed.as_secs_f64())
    }
}

/// Creates everything `options` asks for and reports what happened.
pub async fn run(options: &Options) -> Result<Summary> {
    let started = Instant::now();
    let concurrency = options.concurrency.max(1);
    let plan = Plan::new(
        Sizes {
            users: options.users,
            items: options.items,
            orders: options.orders,
            seed: options.seed,
        },
        Utc::now(),
    );
    let mut api = Api::new(&options.url)?;
    api.admin = api
        .login(&options.admin_email, &options.admin_password)
        .await
        .with_context(|| {
            format!(
                "logging in as {} at {} (is the app running and migrated?)",
                options.admin_email, options.url
            )
        })?;
    let mut summary = Summary {
        url: options.url.clone(),
        items_out_of_stock: plan.count_level(StockLevel::Out),
        items_low_stock: plan.count_level(StockLevel::Low),
        status_counts: plan.status_counts(),
        ..Summary::default()
    };
    let progress = |what: &str| {
        if options.verbose {
            eprintln!("[{:>6.1}s] {what}", started.elapsed().as_secs_f64());
        }
    };

    // Users, in plan order so that user index i has id user_ids[i]: the first ones
    // register, the rest are imported.
    let (to_register, to_import) = plan.users.split_at(options.register.min(plan.users.len()));
    progress(&format!(
        "registering {} users, importing {}",
        to_register.len(),
        to_import.len()
    ));
    let users: Vec<(i64, bool, Option<String>)> = stream::iter(to_register.iter())
        .map(|user| api.ensure_user(&user.name, &user.email))
        .buffered(concurrency)
        .try_collect()
        .await?;
    summary.users_created = users.iter().filter(|u| u.1).count();
    summary.users_existing = users.len() - summary.users_created;
    summary.users_registered = users.len();
    let mut user_ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    if !to_import.is_empty() {
        let counts: Vec<(usize, usize)> = stream::iter(to_import.chunks(options.batch.max(1)))
            .map(|chunk| api.import_users(plan::users_csv(chunk)))
            .buffer_unordered(concurrency.min(4))
            .try_collect()
            .await?;
        summary.users_created += counts.iter().map(|c| c.0).sum::<usize>();
        summary.users_existing += counts.iter().map(|c| c.1).sum::<usize>();
        let ids = api.user_ids_by_email().await?;
        for user in to_import {
            let id = ids
                .get(&user.email)
                .ok_or_else(|| anyhow!("imported user {} is not in the export", user.email))?;
            user_ids.push(*id);
        }
    }

    progress(&format!("creating {} SKUs", plan.items.len()));
    let created: Vec<bool> = stream::iter(plan.items.iter())
        .map(|item| api.ensure_item(item))
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;
    summary.items_created = created.iter().filter(|c| **c).count();
    summary.items_existing = created.len() - summary.items_created;

    progress(&format!("importing {} orders", plan.orders.len()));
    let chunks: Vec<_> = plan.orders.chunks(options.batch.max(1)).collect();
    let counts: Vec<(usize, usize)> = stream::iter(chunks)
        .map(|chunk| api.import_orders(plan::orders_csv(chunk, &user_ids)))
        // Each import is one large statement: a few at a time keep the database busy
        // without queueing everything behind one lock-heavy transaction.
        .buffer_unordered(concurrency.min(4))
        .try_collect()
        .await?;
    summary.orders_created = counts.iter().map(|c| c.0).sum();
    summary.orders_updated = counts.iter().map(|c| c.1).sum();
    let dates = plan.orders.iter().map(|o| o.created_at);
    let stamp = |d: chrono::DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
    summary.first_order_at = dates.clone().min().map(stamp);
    summary.last_order_at = dates.max().map(stamp);

    let plenty: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.level == StockLevel::Plenty)
        .collect();
    // Only registered users know their password, so they place the live orders.
    if options.live_orders > 0 && !plenty.is_empty() && !users.is_empty() {
        progress(&format!("placing {} live orders", options.live_orders));
        let who = plan::shuffled(users.len(), options.seed);
        let placed: Vec<bool> = stream::iter(0..options.live_orders)
            .map(|k| {
                let user = &plan.users[who[k % who.len()]];
                let token = users[who[k % who.len()]].2.clone();
                let item = plenty[k % plenty.len()];
                let body = json!({
                    "items": [{"sku": item.sku, "quantity": 1, "price": plan::money(item.price_cents)}],
                });
                let key = format!("demo-live-{}-{k}", options.seed);
                let api = &api;
                async move {
                    let token = match token {
                        Some(token) => token,
                        None => api.login(&user.email, plan::USER_PASSWORD).await?,
                    };
                    api.place_order(&token, &key, &body).await
                }
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await?;
        summary.live_orders_placed = placed.iter().filter(|p| **p).count();
        summary.live_orders_refused = placed.len() - summary.live_orders_placed;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A response read whole.
struct Reply {
    status: StatusCode,
    body: String,
}

impl Reply {
    fn json(&self) -> Result<Value> {
        serde_json::from_str(&self.body)
            .with_context(|| format!("response is not JSON: {}", snippet(&self.body)))
    }

    fn fail(&self, what: &str) -> anyhow::Error {
        anyhow!("{what}: HTTP {} {}", self.status, snippet(&self.body))
    }
}

fn snippet(body: &str) -> String {
    body.chars().take(300).collect()
}

enum Body<'a> {
    None,
    Json(&'a Value),
    Csv(String),
}

struct Api {
    http: reqwest::Client,
    base: String,
    admin: String,
}

impl Api {
    fn new(url: &str) -> Result<Api> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Api {
            http,
            base: url.trim_end_matches('/').to_string(),
            admin: String::new(),
        })
    }

    /// Sends a request, retrying what a busy or restarting app answers (connection
    /// errors, 429 and 503) with backoff.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body<'_>,
        headers: &[(&str, &str)],
    ) -> Result<Reply> {
        let url = format!("{}{path}", self.base);
        let mut delay = Duration::from_millis(200);
        for attempt in 1.. {
            let mut request = self.http.request(method.clone(), &url);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request = match &body {
                Body::None => request,
                Body::Json(value) => request.json(value),
                Body::Csv(text) => request
                    .header("content-type", "text/csv")
                    .body(text.clone()),
            };
            let retry = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok());
                    let body = response.text().await.unwrap_or_default();
                    if status != StatusCode::TOO_MANY_REQUESTS
                        && status != StatusCode::SERVICE_UNAVAILABLE
                    {
                        return Ok(Reply { status, body });
                    }
                    if attempt >= 6 {
                        return Ok(Reply { status, body });
                    }
                    retry_after.map(Duration::from_secs)
                }
                Err(e) if attempt >= 6 || !(e.is_connect() || e.is_timeout()) => {
                    return Err(anyhow!(e).context(format!("{method} {url}")));
                }
                Err(_) => None,
            };
            tokio::time::sleep(retry.unwrap_or(delay)).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        unreachable!("the loop returns")
    }

    async fn login(&self, email: &str, password: &str) -> Result<String> {
        let body = json!({ "email": email, "password": password });
        let reply = self
            .call(Method::POST, "/users/login", None, Body::Json(&body), &[])
            .await?;
        if reply.status != StatusCode::OK {
            return Err(reply.fail(&format!("login as {email}")));
        }
        token_of(&reply.json()?)
    }

    /// Registers the user, or finds it when the email is taken; returns its id, whether
    /// it was created now, and its token when known.
    async fn ensure_user(&self, name: &str, email: &str) -> Result<(i64, bool, Option<String>)> {
        let body = json!({ "name": name, "email": email, "password": plan::USER_PASSWORD });
        let reply = self
            .call(
                Method::POST,
                "/users/register",
                None,
                Body::Json(&body),
                &[],
            )
            .await?;
        match reply.status {
            StatusCode::CREATED => {
                let token = token_of(&reply.json()?)?;
                let me = self
                    .call(Method::GET, "/users/me", Some(&token), Body::None, &[])
                    .await?;
                if me.status != StatusCode::OK {
                    return Err(me.fail("GET /users/me"));
                }
                Ok((id_of(&me.json()?)?, true, Some(token)))
            }
            StatusCode::CONFLICT => Ok((self.find_user(email).await?, false, None)),
            _ => Err(reply.fail(&format!("register {email}"))),
        }
    }

    async fn find_user(&self, email: &str) -> Result<i64> {
        let path = format!("/users/?q={}&limit=100", query_escape(email));
        let reply = self
            .call(Method::GET, &path, Some(&self.admin), Body::None, &[])
            .await?;
        if reply.status != StatusCode::OK {
            return Err(reply.fail("GET /users/"));
        }
        let list = reply.json()?;
        list.as_array()
            .into_iter()
            .flatten()
            .find(|u| u["email"].as_str() == Some(email))
            .map(id_of)
            .transpose()?
            .ok_or_else(|| anyhow!("{email} is taken but not listed"))
    }

    /// Imports one CSV file of users (upsert by email); returns (created, updated).
    async fn import_users(&self, csv: String) -> Result<(usize, usize)> {
        let reply = self
            .call(
                Method::POST,
                "/users/import/csv",
                Some(&self.admin),
                Body::Csv(csv),
                &[],
            )
            .await?;
        if reply.status != StatusCode::OK {
            return Err(reply.fail("POST /users/import/csv"));
        }
        counts_of(&reply.json()?)
    }

    /// Every user's id by email, from the admin export.
    async fn user_ids_by_email(&self) -> Result<HashMap<String, i64>> {
        let reply = self
            .call(
                Method::GET,
                "/users/export/csv",
                Some(&self.admin),
                Body::None,
                &[],
            )
            .await?;
        if reply.status != StatusCode::OK {
            return Err(reply.fail("GET /users/export/csv"));
        }
        let mut reader = csv::Reader::from_reader(reply.body.as_bytes());
        let headers = reader.headers()?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| anyhow!("the users export has no {name} column"))
        };
        let (id, email) = (column("id")?, column("email")?);
        let mut ids = HashMap::new();
        for record in reader.records() {
            let record = record?;
            let value: i64 = record[id].parse().context("user id in the export")?;
            ids.insert(record[email].to_string(), value);
        }
        Ok(ids)
    }

    /// Creates the SKU; false when it already exists (it is left as it is).
    async fn ensure_item(&self, item: &plan::PlannedItem) -> Result<bool> {
        let body = json!({
            "sku": item.sku,
            "name": item.name,
            "qty": item.qty,
            "price": plan::money(item.price_cents),
        });
        let reply = self
            .call(
                Method::POST,
                "/inventory/",
                Some(&self.admin),
                Body::Json(&body),
                &[],
            )
            .await?;
        match reply.status {
            StatusCode::CREATED => Ok(true),
            StatusCode::CONFLICT => Ok(false),
            _ => Err(reply.fail(&format!("create SKU {}", item.sku))),
        }
    }

    /// Imports one CSV file of orders; returns (created, updated).
    async fn import_orders(&self, csv: String) -> Result<(usize, usize)> {
        let reply = self
            .call(
                Method::POST,
                "/orders/import/csv",
                Some(&self.admin),
                Body::Csv(csv),
                &[],
            )
            .await?;
        if reply.status != StatusCode::OK {
            return Err(reply.fail("POST /orders/import/csv"));
        }
        counts_of(&reply.json()?)
    }

    /// Places an order as a user; false when the inventory refused it (409).
    async fn place_order(&self, token: &str, key: &str, body: &Value) -> Result<bool> {
        let reply = self
            .call(
                Method::POST,
                "/orders/",
                Some(token),
                Body::Json(body),
                &[("idempotency-key", key)],
            )
            .await?;
        match reply.status {
            StatusCode::CREATED | StatusCode::OK => Ok(true),
            StatusCode::CONFLICT => Ok(false),
            _ => Err(reply.fail("POST /orders/")),
        }
    }
}

/// `(created_count, updated_count)` of an import's answer.
fn counts_of(answer: &Value) -> Result<(usize, usize)> {
    let count = |key: &str| {
        answer[key]
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| anyhow!("import answer has no {key}: {answer}"))
    };
    Ok((count("created_count")?, count("updated_count")?))
}

fn token_of(body: &Value) -> Result<String> {
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no access_token in {body}"))
}

fn id_of(user: &Value) -> Result<i64> {
    match &user["id"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| anyhow!("no id in {user}"))
}

/// Percent-encodes a query value (emails carry `@` and `+`).
fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Fails unless `options` describe something that can be created.
pub fn check(options: &Options) -> Result<()> {
    if options.orders > 0 && (options.users == 0 || options.items == 0) {
        bail!("orders need at least one user and one SKU");
    }
    if !(1..=10_000).contains(&options.batch) {
        bail!("--batch must be 1..=10000 (the import takes at most 10 MiB)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(query_escape("a.b+c@x.com"), "a.b%2Bc%40x.com");
    }

    #[test]
    fn ids_may_be_numbers_or_strings() {
        assert_eq!(id_of(&json!({"id": 7})).unwrap(), 7);
        assert_eq!(id_of(&json!({"id": "8"})).unwrap(), 8);
        assert!(id_of(&json!({})).is_err());
    }

    #[test]
    fn orders_need_users_and_items() {
        let options = Options {
            users: 0,
            ..Options::default()
        };
        assert!(check(&options).is_err());
        assert!(check(&Options::default()).is_ok());
    }
}
