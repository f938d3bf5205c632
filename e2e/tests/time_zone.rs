//! The app on a PostgreSQL server whose TimeZone is not UTC. Times are stored as
//! `timestamp` columns holding UTC (docs/spin-compatibility.md, "Time values and
//! Postgres"), and PostgreSQL converts between `timestamp` and `timestamptz` in the
//! session's TimeZone: any statement that mixed them (`now()` into a column, a stored time
//! compared with `now()`, a day computed from `now()`) would be hours off here. Each
//! database gets `Pacific/Marquesas` (UTC−09:30, not a whole number of hours) before the
//! host starts its connections.

use e2e::TestApp;
use serde_json::{Value, json};

const TIME_ZONE: &str = "Pacific/Marquesas";

async fn spawn_outside_utc() -> TestApp {
    let mut app = TestApp::spawn().await;
    let client = app.db("users").await;
    for service in migrate::SERVICES {
        client
            .batch_execute(&format!(
                "ALTER DATABASE \"{}_{service}\" SET TimeZone = '{TIME_ZONE}'",
                app.id
            ))
            .await
            .unwrap();
    }
    // A new host opens new connections, which take the setting.
    app.restart_host().await;
    for service in migrate::SERVICES {
        let zone: String = app
            .db(service)
            .await
            .query_one("SELECT current_setting('TimeZone')", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(zone, TIME_ZONE, "{service}");
    }
    app
}

async fn body(response: e2e::Response, status: u16, what: &str) -> Value {
    assert_eq!(response.status(), status, "{what}");
    response.json().await.unwrap()
}

/// Seconds between an RFC 3339 time the API gave and now: near 0 when the app stored UTC,
/// about 34,200 had it stored Marquesas wall-clock time.
async fn age(app: &TestApp, time: &Value) -> f64 {
    let time = time
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {time}"));
    assert!(time.ends_with('Z'), "{time}");
    app.db("orders")
        .await
        .query_one(
            "SELECT abs(extract(epoch FROM now() - $1::text::timestamptz))::float8",
            &[&time],
        )
        .await
        .unwrap()
        .get(0)
}

/// Now shifted by `minutes`, as RFC 3339 with another offset than the server's and UTC's.
async fn instant(app: &TestApp, minutes: i32) -> String {
    app.db("orders")
        .await
        .query_one(
            "SELECT to_char(now() AT TIME ZONE 'Asia/Kathmandu' + make_interval(mins => $1), \
                            'YYYY-MM-DD\"T\"HH24:MI:SS') || '+05:45'",
            &[&minutes],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn users_and_items_are_stamped_and_counted_in_utc() {
    let app = spawn_outside_utc().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;

    let account = body(
        app.get(&format!("/users/{}", user.id), Some(&admin)).await,
        200,
        "the account",
    )
    .await;
    assert!(age(&app, &account["created_at"]).await < 60.0, "{account}");
    let stats = body(
        app.get("/users/analytics", Some(&admin)).await,
        200,
        "stats",
    )
    .await;
    assert_eq!(stats["recent_signups_7d"], 2, "{stats}");
    let today = body(
        app.get("/users/analytics/timeseries?days=1", Some(&admin))
            .await,
        200,
        "today's sign-ups",
    )
    .await;
    assert_eq!(today["series"][0]["signups"], 2, "{today}");

    let item = body(
        app.post(
            "/inventory/",
            Some(&admin),
            &json!({ "sku": "TZ-1", "qty": 5 }),
        )
        .await,
        201,
        "create item",
    )
    .await;
    assert!(age(&app, &item["created_at"]).await < 60.0, "{item}");
    app.db("inventory")
        .await
        .batch_execute("UPDATE items SET updated_at = '2000-01-01'")
        .await
        .unwrap();
    let path = format!("/inventory/{}", item["id"]);
    let changed = body(
        app.put(&path, Some(&admin), &json!({ "qty": 6 })).await,
        200,
        "update item",
    )
    .await;
    assert!(age(&app, &changed["updated_at"]).await < 60.0, "{changed}");
}

#[tokio::test]
async fn orders_filter_lease_and_reconcile_in_utc() {
    let app = spawn_outside_utc().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    let response = app
        .post(
            "/inventory/",
            Some(&admin),
            &json!({ "sku": "TZ-2", "qty": 10, "price": 1 }),
        )
        .await;
    assert_eq!(response.status(), 201);

    let order = body(
        app.post(
            "/orders/",
            Some(&user.token),
            &json!({ "id": "tz-order", "items": [{ "sku": "TZ-2", "quantity": 2, "price": "1" }] }),
        )
        .await,
        201,
        "create order",
    )
    .await;
    assert!(age(&app, &order["created_at"]).await < 60.0, "{order}");

    // `from`/`to` with an offset select by instant.
    let (before, after) = (instant(&app, -5).await, instant(&app, 5).await);
    for (from, to, expected) in [(&before, &after, "1"), (&after, &after, "0")] {
        let query = format!(
            "/orders/?from={}&to={}",
            from.replace('+', "%2B"),
            to.replace('+', "%2B")
        );
        let page = app.get(&query, Some(&admin)).await;
        assert_eq!(page.status(), 200, "{query}");
        assert_eq!(page.headers()["x-total-count"], expected, "{query}");
    }
    let today = body(
        app.get("/orders/analytics/timeseries?days=1", Some(&admin))
            .await,
        200,
        "today's orders",
    )
    .await;
    assert_eq!(today["series"][0]["orders"], 1, "{today}");

    // A lease that runs for another minute holds the order; one that ran out a minute
    // ago is taken over.
    let lease = |seconds: i32| {
        let app = &app;
        async move {
            app.db("orders")
                .await
                .execute(
                    "UPDATE orders SET lease_token = 'other-change', \
                            lease_until = utc_now() + make_interval(secs => $1) \
                      WHERE id = 'tz-order'",
                    &[&f64::from(seconds)],
                )
                .await
                .unwrap();
        }
    };
    let cancel = json!({ "status": "cancelled" });
    lease(60).await;
    let held = app.put("/orders/tz-order", Some(&admin), &cancel).await;
    assert_eq!(held.status(), 409, "a running lease");
    lease(-60).await;
    let cancelled = body(
        app.put("/orders/tz-order", Some(&admin), &cancel).await,
        200,
        "an expired lease",
    )
    .await;
    assert!(
        age(&app, &cancelled["updated_at"]).await < 60.0,
        "{cancelled}"
    );

    // An intent two minutes old is stale (after one minute); one just written is not.
    app.db("orders")
        .await
        .batch_execute(
            "INSERT INTO order_intents (order_id, user_id, created_at) VALUES \
               ('tz-stale', 1, utc_now() - interval '2 minutes'), ('tz-young', 1, utc_now())",
        )
        .await
        .unwrap();
    let report = body(
        app.post("/orders/maintenance/reconcile", Some(&admin), &json!({}))
            .await,
        200,
        "reconcile",
    )
    .await;
    assert_eq!(report["released"], json!(["tz-stale"]), "{report}");
}
