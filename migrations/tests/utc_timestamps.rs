//! The migrations that turn every `timestamptz` into a `timestamp` holding UTC, run on
//! databases populated as the previous release left them: every stored instant survives,
//! no `timestamptz` column is left, and what the database writes afterwards (defaults,
//! functions, the outbox trigger) is UTC whatever the session's TimeZone.
//!
//! Each database is created with a TimeZone far from UTC (and not a whole number of
//! hours), so every connection here, the migration runner's included, works in it: any
//! conversion that went through the session's zone would move the instants.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::{Client, NoTls};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";
const TIME_ZONE: &str = "Pacific/Marquesas"; // UTC-09:30, no daylight saving

/// A database of its own, dropped at the end of the test.
struct TestDb {
    name: String,
    url: String,
}

impl TestDb {
    async fn create(service: &str) -> TestDb {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("migrate_test_{service}_{}_{nanos}", std::process::id());
        migrate::create_database(SERVER, &name).await.unwrap();
        let server = connect(SERVER).await;
        server
            .batch_execute(&format!(
                "ALTER DATABASE \"{name}\" SET TimeZone = '{TIME_ZONE}'"
            ))
            .await
            .unwrap();
        let url = migrate::database_url(SERVER, &name);
        TestDb { name, url }
    }

    async fn client(&self) -> Client {
        let client = connect(&self.url).await;
        let zone: String = client
            .query_one("SELECT current_setting('TimeZone')", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(zone, TIME_ZONE, "the test must run outside UTC");
        client
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(migrate::drop_database(SERVER, &name))
        })
        .join();
    }
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// `table.column` of every `timestamptz` column.
async fn timestamptz_columns(client: &Client) -> Vec<String> {
    client
        .query(
            "SELECT table_name || '.' || column_name FROM information_schema.columns \
              WHERE table_schema = 'public' AND data_type = 'timestamp with time zone' \
              ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The instants in each column as seconds since the epoch, sorted. `extract(epoch ...)`
/// of a `timestamptz` is its instant, and of a `timestamp` the instant of that wall-clock
/// time in UTC, so the two snapshots agree exactly when each value kept its instant.
async fn instants(client: &Client, columns: &[String]) -> Vec<(String, Vec<String>)> {
    let mut snapshot = Vec::new();
    for column in columns {
        let (table, name) = column.split_once('.').unwrap();
        let values: Vec<String> = client
            .query(
                &format!(
                    "SELECT extract(epoch FROM {name})::text FROM {table} \
                      WHERE {name} IS NOT NULL ORDER BY 1"
                ),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert!(
            !values.is_empty(),
            "{column}: the populated database must hold a time in every column"
        );
        snapshot.push((column.clone(), values));
    }
    snapshot
}

/// Builds `service`'s database up to `before`, fills it with `rows`, migrates it to the
/// latest version, and checks that every instant survived.
async fn converted(service: &str, before: i32, rows: &str) -> TestDb {
    let db = TestDb::create(service).await;
    migrate::migrate_to(&db.url, service, before).await.unwrap();
    let client = db.client().await;
    client.batch_execute(rows).await.unwrap();
    let columns = timestamptz_columns(&client).await;
    let old = instants(&client, &columns).await;

    assert!(migrate::migrate(&db.url, service).await.unwrap() > 0);

    assert_eq!(timestamptz_columns(&client).await, Vec::<String>::new());
    assert_eq!(instants(&client, &columns).await, old);
    db
}

/// Seconds between a stored UTC `timestamp` and the real time: near 0 when the database
/// wrote UTC, about 34,200 (9.5 hours) had it written the session's wall-clock time.
async fn age_seconds(client: &Client, sql: &str) -> f64 {
    let stored: f64 = client
        .query_one(&format!("SELECT extract(epoch FROM ({sql}))::float8"), &[])
        .await
        .unwrap()
        .get(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    (now - stored).abs()
}

async fn text(client: &Client, sql: &str) -> String {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn users_keep_their_instants_and_new_rows_are_utc() {
    let db = converted(
        "users",
        2,
        "INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES \
           ('Ann', 'ann@example.com', 'x', '2026-03-29 01:30:00.123456+00', '2026-03-29 07:15:00+05:45'), \
           ('Bob', 'bob@example.com', 'x', '2025-12-31 23:59:59+14', '2026-01-01 00:00:00-09:30');",
    )
    .await;
    let client = db.client().await;
    assert_eq!(
        text(
            &client,
            "SELECT string_agg(created_at::text || ' ' || updated_at::text, ', ' ORDER BY id) \
               FROM users WHERE email <> 'admin@test.com'"
        )
        .await,
        "2026-03-29 01:30:00.123456 2026-03-29 01:30:00, 2025-12-31 09:59:59 2026-01-01 09:30:00"
    );

    client
        .batch_execute(
            "INSERT INTO users (name, email, password_hash) VALUES ('Cy', 'cy@example.com', 'x')",
        )
        .await
        .unwrap();
    for column in ["created_at", "updated_at"] {
        let sql = format!("SELECT {column} FROM users WHERE email = 'cy@example.com'");
        assert!(age_seconds(&client, &sql).await < 60.0, "{column}");
    }
    assert!(age_seconds(&client, "SELECT utc_now()").await < 60.0);
}

#[tokio::test]
async fn inventory_keeps_its_instants_and_reservations_write_utc() {
    let db = converted(
        "inventory",
        6,
        "INSERT INTO items (sku, qty, created_at, updated_at) VALUES \
           ('A-1', 10, '2026-03-29 01:30:00.5+00', '2026-03-29 01:30:00.5+00'), \
           ('B-2', 10, '2025-12-31 23:59:59+14', '2026-01-01 00:00:00-09:30'); \
         INSERT INTO reservations (order_id, created_at, updated_at) VALUES \
           ('old-order', '2026-02-01 10:00:00+01', '2026-02-01 10:00:00+01');",
    )
    .await;
    let client = db.client().await;
    assert_eq!(
        text(
            &client,
            "SELECT string_agg(created_at::text || ' ' || updated_at::text, ', ' ORDER BY id) FROM items"
        )
        .await,
        "2026-03-29 01:30:00.5 2026-03-29 01:30:00.5, 2025-12-31 09:59:59 2026-01-01 09:30:00"
    );
    assert_eq!(
        text(&client, "SELECT created_at::text FROM reservations").await,
        "2026-02-01 09:00:00"
    );

    // Taking, changing and giving back stock stamp the rows they touch.
    let outcome = |sql: &'static str| {
        let client = &client;
        async move { text(client, sql).await }
    };
    assert!(
        outcome(r#"SELECT reserve_stock('o1', '[{"sku": "A-1", "quantity": 2}]')::text"#)
            .await
            .contains("created")
    );
    assert!(age_seconds(&client, "SELECT updated_at FROM items WHERE sku = 'A-1'").await < 60.0);
    assert!(
        age_seconds(
            &client,
            "SELECT created_at FROM reservations WHERE order_id = 'o1'"
        )
        .await
            < 60.0
    );
    assert!(
        outcome(r#"SELECT adjust_reservation('o1', '[{"sku": "B-2", "quantity": 1}]')::text"#)
            .await
            .contains("adjusted")
    );
    assert!(age_seconds(&client, "SELECT updated_at FROM items WHERE sku = 'B-2'").await < 60.0);
    assert!(
        age_seconds(
            &client,
            "SELECT updated_at FROM reservations WHERE order_id = 'o1'"
        )
        .await
            < 60.0
    );
    client
        .batch_execute("UPDATE items SET updated_at = '2000-01-01' WHERE sku = 'B-2'")
        .await
        .unwrap();
    assert!(
        outcome("SELECT release_reservation('o1')::text")
            .await
            .contains("released")
    );
    assert!(age_seconds(&client, "SELECT updated_at FROM items WHERE sku = 'B-2'").await < 60.0);
    // The caller's TimeZone is untouched by the functions' own setting.
    assert_eq!(
        text(&client, "SELECT current_setting('TimeZone')").await,
        TIME_ZONE
    );
}

#[tokio::test]
async fn orders_keep_their_instants_and_the_outbox_stays_utc() {
    let db = converted(
        "orders",
        5,
        "INSERT INTO orders (id, user_id, status, total, items, created_at, updated_at, \
                             deleted_at, lease_token, lease_until) VALUES \
           ('o-1', 7, 'pending', 10, '[]', '2026-03-29 01:30:00.123456+00', '2026-03-29 07:15:00+05:45', \
            NULL, NULL, NULL), \
           ('o-2', 7, 'cancelled', 0, '[]', '2025-12-31 23:59:59+14', '2026-01-01 00:00:00-09:30', \
            '2026-01-02 12:00:00+00', 'lease', '2026-01-02 12:00:30+00'); \
         INSERT INTO order_events (order_id, event_type, description, created_at) VALUES \
           ('o-1', 'created', 'created', '2026-03-29 01:30:00.123456+00'); \
         INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at) VALUES \
           (7, 'k', '\\x00', 'o-1', '2026-03-29 01:29:59+00'); \
         INSERT INTO order_intents (order_id, user_id, created_at, claim_token, claimed_until) VALUES \
           ('o-3', 7, '2026-03-30 00:00:00+02', 'claim', '2026-03-30 00:01:00+02'); \
         UPDATE webhook_outbox SET fanned_out_at = '2026-03-29 01:30:01+00'; \
         INSERT INTO webhook_deliveries (event_seq, order_id, url, status, next_attempt_at, lease_token, \
                                         lease_until, created_at, updated_at, delivered_at) \
           SELECT seq, order_id, 'http://receiver.test/', 'delivered', '2026-03-29 01:30:01+00', 'lease', \
                  '2026-03-29 01:30:31+00', '2026-03-29 01:30:01+00', '2026-03-29 01:30:02+00', \
                  '2026-03-29 01:30:02+00' FROM webhook_outbox; \
         INSERT INTO webhook_attempts (delivery_id, attempt, status_code, attempted_at, duration_ms) \
           SELECT id, 1, 200, '2026-03-29 01:30:02+00', 12 FROM webhook_deliveries; \
         UPDATE webhook_runner SET token = 'runner', lease_until = '2026-03-29 01:31:00+00';",
    )
    .await;
    let client = db.client().await;
    assert_eq!(
        text(
            &client,
            "SELECT string_agg(created_at::text || ' ' || updated_at::text, ', ' ORDER BY id) FROM orders"
        )
        .await,
        "2026-03-29 01:30:00.123456 2026-03-29 01:30:00, 2025-12-31 09:59:59 2026-01-01 09:30:00"
    );
    // The event written before the migration keeps its payload; the admin list formats
    // the converted times the same way.
    let old_payload = text(&client, "SELECT payload FROM webhook_outbox").await;
    assert!(
        old_payload.contains(r#""timestamp" : "2026-03-29T01:30:00Z""#),
        "{old_payload}"
    );
    assert_eq!(
        text(
            &client,
            "SELECT webhook_time(attempted_at) FROM webhook_attempts"
        )
        .await,
        "2026-03-29T01:30:02Z"
    );

    // A change written now, outside UTC: the order's times are UTC, and the trigger's
    // payload prints them as they are stored.
    client
        .batch_execute(
            "WITH o AS (INSERT INTO orders (id, user_id, status, total, items) \
                        VALUES ('o-4', 8, 'pending', 5, '[]') RETURNING id) \
             INSERT INTO order_events (order_id, event_type, description) \
             SELECT id, 'created', 'created' FROM o",
        )
        .await
        .unwrap();
    assert!(age_seconds(&client, "SELECT created_at FROM orders WHERE id = 'o-4'").await < 60.0);
    assert!(
        age_seconds(
            &client,
            "SELECT created_at FROM order_events WHERE order_id = 'o-4'"
        )
        .await
            < 60.0
    );
    let (payload, created, event_created): (String, String, String) = {
        let row = client
            .query_one(
                "SELECT w.payload, webhook_time(o.created_at), webhook_time(e.created_at) \
                   FROM webhook_outbox w JOIN orders o ON o.id = w.order_id \
                   JOIN order_events e ON e.id = w.order_event_id WHERE w.order_id = 'o-4'",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert!(
        payload.contains(&format!(r#""created_at" : "{created}""#)),
        "{payload}"
    );
    assert!(
        payload.contains(&format!(r#""timestamp" : "{event_created}""#)),
        "{payload}"
    );
    assert!(
        age_seconds(
            &client,
            "SELECT created_at FROM webhook_outbox WHERE order_id = 'o-4'"
        )
        .await
            < 60.0
    );
}

/// The services' SQL keeps to UTC `timestamp`s: no `timestamptz` (it cannot cross Spin's
/// API), and no `now()` or other session-zoned clock or conversion, which would turn a
/// stored UTC time into another zone's wall-clock time wherever the server is not in UTC.
#[test]
fn the_services_sql_uses_utc_timestamps_only() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dirs = [
        "components/users/src",
        "components/inventory/src",
        "components/orders/src",
        "components/webhooks/src",
        "crates/service-kit/src",
    ];
    let zoned = [
        "timestamptz",
        "with time zone",
        "at time zone",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtimestamp",
    ];
    let mut found = Vec::new();
    let mut files = dirs.map(|d| root.join(d)).to_vec();
    let mut scanned = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        scanned += 1;
        let source = std::fs::read_to_string(&path).unwrap();
        for (n, line) in source.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let lower = code.to_ascii_lowercase();
            // `now()` itself, not `utc_now()`, `Utc::now()` or `wake_webhooks_now()`.
            let sql_now = lower.match_indices("now()").any(|(i, _)| {
                lower[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | ':' | '.')))
            });
            if sql_now || zoned.iter().any(|z| lower.contains(z)) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, code));
            }
        }
    }
    assert!(scanned > 20, "only {scanned} files scanned");
    assert!(found.is_empty(), "zoned time in SQL:\n{}", found.join("\n"));
}
