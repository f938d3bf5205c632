//! End-to-end tests of the order-event webhooks (issue 8): the real app on the local host,
//! a real HTTP receiver started by each test on 127.0.0.1, signatures checked with the
//! test's own HMAC, and the admin endpoints of `/orders/webhooks/...`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::webhooks::{Behaviour, Received, Receiver, all_delivered, answer, deliveries, eventually};
use e2e::{AppOptions, RedisServer, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "e2e-webhook-secret";

// ---------------------------------------------------------------------------------------
// Helpers

fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn assert_signed(r: &Received) {
    assert_eq!(
        r.headers.get("x-signature-256"),
        Some(&expected_signature(&r.body)),
        "signature of {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
}

/// An app whose webhooks go to `urls`, with 127.0.0.1 allowed.
async fn app_with(urls: &[String]) -> TestApp {
    app_with_variables(urls, &[("webhook_allowed_hosts", "http://127.0.0.1:*")]).await
}

async fn app_with_variables(urls: &[String], extra: &[(&str, &str)]) -> TestApp {
    TestApp::spawn_with(webhook_options(urls, extra)).await
}

/// The options of [`app_with_variables`].
fn webhook_options(urls: &[String], extra: &[(&str, &str)]) -> AppOptions {
    let mut variables = vec![
        ("webhook_urls".to_string(), urls.join(",")),
        ("webhook_secret".to_string(), SECRET.to_string()),
    ];
    variables.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    AppOptions {
        variables,
        deliverer: true,
        ..Default::default()
    }
}

/// An admin token, a user and one stocked item `sku`.
async fn setup(app: &TestApp, sku: &str) -> (String, e2e::TestUser) {
    let admin = app.admin_token().await;
    let response = app
        .post(
            "/inventory/",
            Some(&admin),
            &json!({ "sku": sku, "qty": 1000, "price": 2.5 }),
        )
        .await;
    assert_eq!(response.status(), 201, "create item {sku}");
    (admin, app.register_user().await)
}

async fn create_order(app: &TestApp, token: &str, sku: &str) -> Value {
    let response = app
        .post(
            "/orders/",
            Some(token),
            &json!({ "items": [{ "sku": sku, "quantity": 2, "price": "2.50" }] }),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "create order: {body}");
    body
}

/// How many events the orders database has put in the outbox.
async fn outbox_events(app: &TestApp) -> usize {
    let rows: i64 = app
        .db("orders")
        .await
        .query_one("SELECT count(*) FROM webhook_outbox", &[])
        .await
        .unwrap()
        .get(0);
    rows as usize
}

fn is_rfc3339_utc(s: &str) -> bool {
    s.len() == 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T'
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn every_event_type_arrives_signed_and_in_order() {
    let (receiver, _server) = Receiver::start(answer(204)).await;
    let app = app_with(&[receiver.url("/hook")]).await;
    let (admin, user) = setup(&app, "WH-ALL").await;

    let created = create_order(&app, &user.token, "WH-ALL").await;
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/orders/{id}");
    let items = json!({ "items": [{ "sku": "WH-ALL", "quantity": 3, "price": "2.50" }] });
    assert_eq!(
        app.put(&path, Some(&user.token), &items).await.status(),
        200
    );
    let processing = json!({ "status": "processing" });
    let updated: Value = app
        .put(&path, Some(&admin), &processing)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["status"], "processing");
    assert_eq!(app.delete(&path, Some(&admin)).await.status(), 204);

    let received = eventually(Duration::from_secs(20), "four events", || async {
        let r = receiver.received();
        (r.len() >= 4).then_some(r)
    })
    .await;
    assert_eq!(received.len(), 4, "each event once");
    let events: Vec<Value> = received.iter().map(Received::json).collect();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "order.created",
            "order.updated",
            "order.status_changed",
            "order.deleted"
        ]
    );
    for (r, event) in received.iter().zip(&events) {
        assert_signed(r);
        assert_eq!(r.path, "/hook");
        assert_eq!(
            r.headers.get("x-webhook-id"),
            event["id"].as_str().map(str::to_string).as_ref()
        );
        let keys: Vec<&String> = event.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4, "{event}");
        assert!(uuid::Uuid::parse_str(event["id"].as_str().unwrap()).is_ok());
        assert!(
            is_rfc3339_utc(event["timestamp"].as_str().unwrap()),
            "{event}"
        );
        assert_eq!(event["data"]["id"], id.as_str());
    }
    // The data is the order exactly as the API returned it at that moment.
    assert_eq!(events[0]["data"], created);
    assert_eq!(events[1]["data"]["items"][0]["quantity"], 3);
    assert_eq!(events[1]["data"]["total"], "7.50");
    assert_eq!(events[2]["data"], updated);
    assert_eq!(events[3]["data"]["status"], "processing");

    // Each delivery shows one successful attempt.
    let list = all_delivered(&app, &admin, 4, Duration::from_secs(10)).await;
    for d in &list {
        assert_eq!(d["attempt_count"], 1, "{d}");
        assert_eq!(d["attempts"][0]["status_code"], 204, "{d}");
        assert_eq!(d["order_id"], id.as_str());
        assert_eq!(d["url"], receiver.url("/hook"));
        assert!(d["delivered_at"].is_string());
    }
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_three_times_then_it_is_delivered() {
    let flaky: Behaviour = Arc::new(|seen| {
        let status = if seen < 2 { 500 } else { 200 };
        (status, Duration::ZERO)
    });
    let (receiver, _server) = Receiver::start(flaky).await;
    let app = app_with(&[receiver.url("/flaky")]).await;
    let (admin, user) = setup(&app, "WH-FLAKY").await;
    create_order(&app, &user.token, "WH-FLAKY").await;

    let list = all_delivered(&app, &admin, 1, Duration::from_secs(30)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 3, "two failures and the success");
    let first = &received[0];
    for r in &received {
        assert_signed(r);
        // The same event, byte for byte.
        assert_eq!(r.body, first.body);
    }
    // Exponential backoff: about 1 s, then about 2 s.
    let gap1 = received[1].at - received[0].at;
    let gap2 = received[2].at - received[1].at;
    assert!(
        gap1 >= Duration::from_millis(900),
        "first retry after {gap1:?}"
    );
    assert!(
        gap2 >= Duration::from_millis(1900),
        "second retry after {gap2:?}"
    );
    assert!(gap2 > gap1);

    let delivery = &list[0];
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["attempt_count"], 3);
    let codes: Vec<i64> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 500, 200]);
    let numbers: Vec<i64> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert!(is_rfc3339_utc(
        delivery["attempts"][0]["attempted_at"].as_str().unwrap()
    ));
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_every_event_when_it_is_back() {
    let receiver = Receiver::down(answer(200)).await;
    let app = app_with(&[receiver.url("/late")]).await;
    let (admin, user) = setup(&app, "WH-DOWN").await;
    let mut orders = Vec::new();
    for _ in 0..3 {
        orders.push(create_order(&app, &user.token, "WH-DOWN").await);
    }
    let first = orders[0]["id"].as_str().unwrap();
    let cancel = json!({ "status": "cancelled" });
    assert_eq!(
        app.put(&format!("/orders/{first}"), Some(&user.token), &cancel)
            .await
            .status(),
        200
    );

    // While it is down, the deliveries wait with the connection errors recorded: the
    // oldest of each order is tried (and retried), the first order's second event waits
    // behind its first.
    let pending = eventually(
        Duration::from_secs(15),
        "failed attempts recorded",
        || async {
            let (list, _) = deliveries(&app, &admin, "status=pending").await;
            let tried = list
                .iter()
                .filter(|d| d["attempt_count"].as_i64() >= Some(1))
                .count();
            (list.len() == 4 && tried == 3).then_some(list)
        },
    )
    .await;
    for d in &pending {
        assert!(d["next_attempt_at"].is_string(), "{d}");
        if d["event"] == "order.status_changed" {
            assert_eq!(
                d["attempt_count"], 0,
                "waits for the order's first event: {d}"
            );
        } else {
            assert!(d["attempts"][0]["status_code"].is_null(), "{d}");
            assert!(d["attempts"][0]["error"].is_string(), "{d}");
        }
    }
    assert!(receiver.received().is_empty());

    let _server = receiver.come_up().await;
    all_delivered(&app, &admin, 4, Duration::from_secs(45)).await;
    let events: Vec<Value> = receiver.received().iter().map(Received::json).collect();
    assert_eq!(receiver.event_ids().len(), 4, "every event");
    // In order per order id: the first order's `created` before its `status_changed`.
    let of_first: Vec<&str> = events
        .iter()
        .filter(|e| e["data"]["id"] == first)
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(of_first, ["order.created", "order.status_changed"]);
    for r in receiver.received() {
        assert_signed(&r);
    }
}

#[tokio::test]
async fn order_latency_does_not_depend_on_the_receiver() {
    let (receiver, _server) = Receiver::start(answer(200)).await;
    let app = app_with(&[receiver.url("/timed")]).await;
    let (_admin, user) = setup(&app, "WH-SLOW").await;
    // Warm up (first instantiation, connection pools).
    create_order(&app, &user.token, "WH-SLOW").await;

    async fn timed_creates(app: &TestApp, token: &str) -> Vec<Duration> {
        let mut times = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            create_order(app, token, "WH-SLOW").await;
            times.push(started.elapsed());
        }
        times.sort();
        times
    }

    let fast = timed_creates(&app, &user.token).await;
    receiver.set(Arc::new(|_| (200, Duration::from_secs(10))));
    let slow = timed_creates(&app, &user.token).await;
    let median = |t: &[Duration]| t[t.len() / 2];
    println!("create latency with a fast receiver {fast:?}, with a 10 s receiver {slow:?}");
    assert!(
        slow.iter().all(|t| *t < Duration::from_secs(1)),
        "creates waited for the receiver: {slow:?}"
    );
    assert!(
        median(&slow) < median(&fast) * 3 + Duration::from_millis(200),
        "fast {fast:?}, slow {slow:?}"
    );
    // And the slow receiver is being called meanwhile.
    eventually(
        Duration::from_secs(10),
        "a request at the slow receiver",
        || async { (receiver.received().len() > 6).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn a_host_restart_in_the_middle_loses_nothing() {
    // Every first attempt fails, and the retries are slow: the retries are sent by the
    // runner (the one invocation that polls for due retries, under a lease), so the host
    // dies while the runner is in the middle of a pass, its lease and its claims held.
    let (receiver, _server) = Receiver::start(Arc::new(|seen| {
        if seen < 4 {
            (500, Duration::ZERO)
        } else {
            (200, Duration::from_secs(2))
        }
    }))
    .await;
    let mut app = TestApp::spawn_with(AppOptions {
        deliverer_wake_every: Duration::from_secs(5),
        ..webhook_options(
            &[receiver.url("/restart")],
            &[("webhook_allowed_hosts", "http://127.0.0.1:*")],
        )
    })
    .await;
    let (admin, user) = setup(&app, "WH-RESTART").await;
    for _ in 0..4 {
        create_order(&app, &user.token, "WH-RESTART").await;
    }
    eventually(Duration::from_secs(15), "a retry in flight", || async {
        (receiver.received().len() > 4).then_some(())
    })
    .await;
    app.restart_host().await;
    receiver.set(answer(200));
    let events = outbox_events(&app).await;
    assert_eq!(events, 4);

    // No order changes from here on. The wake-up after the restart finds the dead runner's
    // lease and claims still held; one of the supervisor's periodic wake-ups comes after
    // they have run out.
    all_delivered(&app, &admin, 4, Duration::from_secs(60)).await;
    // At least once: every event arrived, some perhaps twice (the ones in flight).
    assert_eq!(receiver.event_ids().len(), 4);
    for r in receiver.received() {
        assert_signed(&r);
    }

    // And after the restart, later changes are delivered too. (That each change's own
    // wake-up delivers it is shown by the tests without periodic wake-ups.)
    create_order(&app, &user.token, "WH-RESTART").await;
    all_delivered(&app, &admin, 5, Duration::from_secs(20)).await;
}

#[tokio::test]
async fn admin_lists_deliveries_and_retries_a_failed_one() {
    let (receiver, _server) = Receiver::start(answer(200)).await;
    // `localhost` is not `127.0.0.1` for allowed_outbound_hosts: a configuration error.
    let outside = format!("http://localhost:{}/other", receiver.port);
    let app = app_with(&[receiver.url("/ok"), outside.clone()]).await;
    let (admin, user) = setup(&app, "WH-ADMIN").await;
    let order = create_order(&app, &user.token, "WH-ADMIN").await;

    let failed = eventually(Duration::from_secs(15), "the failed delivery", || async {
        let (list, total) = deliveries(&app, &admin, "status=failed").await;
        (total == 1).then(|| list[0].clone())
    })
    .await;
    assert_eq!(failed["url"], outside.as_str());
    assert_eq!(
        failed["attempt_count"], 1,
        "a configuration error is not retried"
    );
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.contains("not in allowed_outbound_hosts"), "{error}");
    assert_eq!(failed["attempts"][0]["error"], error);
    assert_eq!(failed["event"], "order.created");
    assert_eq!(failed["order_id"], order["id"]);

    // The allowed URL is delivered independently; it may still be in flight.
    let delivered = eventually(Duration::from_secs(15), "the good delivery", || async {
        let (list, total) = deliveries(&app, &admin, "status=delivered").await;
        (total == 1).then(|| list[0].clone())
    })
    .await;
    assert_eq!(delivered["url"], receiver.url("/ok"));
    let (all, total) = deliveries(&app, &admin, "").await;
    assert_eq!((all.len(), total), (2, 2));
    let (page, total) = deliveries(&app, &admin, "skip=1&limit=1").await;
    assert_eq!((page.len(), total), (1, 2));
    let (mine, total) = deliveries(
        &app,
        &admin,
        &format!("order_id={}", order["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!((mine.len(), total), (2, 2));
    assert_eq!(receiver.received().len(), 1, "nothing reached localhost");

    // Retry: back to pending with the count reset; it fails again (still not allowed),
    // and the history keeps both attempts.
    let id = failed["id"].as_i64().unwrap();
    let retry = format!("/orders/webhooks/deliveries/{id}/retry");
    let response = app.post(&retry, Some(&admin), &json!({})).await;
    assert_eq!(response.status(), 200);
    let retried: Value = response.json().await.unwrap();
    assert_eq!(retried["id"], id);
    assert!(
        retried["status"] == "pending" || retried["attempt_count"] == 1,
        "{retried}"
    );
    let again = eventually(Duration::from_secs(15), "the second attempt", || async {
        let (list, _) = deliveries(&app, &admin, "status=failed").await;
        list.first()
            .filter(|d| d["attempts"].as_array().unwrap().len() == 2)
            .cloned()
    })
    .await;
    assert_eq!(again["attempt_count"], 1);
    assert_eq!(again["attempts"][1]["attempt"], 2);

    // Only failed deliveries can be retried; admins only.
    let delivered_id = delivered["id"].as_i64().unwrap();
    let response = app
        .post(
            &format!("/orders/webhooks/deliveries/{delivered_id}/retry"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 409);
    let response = app
        .post(
            "/orders/webhooks/deliveries/999999/retry",
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 404);
    let response = app.post(&retry, Some(&user.token), &json!({})).await;
    assert_eq!(response.status(), 403);
    let response = app.get("/orders/webhooks/deliveries", None).await;
    assert_eq!(response.status(), 401);
    let response = app
        .get("/orders/webhooks/deliveries", Some(&user.token))
        .await;
    assert_eq!(response.status(), 403);
    let response = app
        .get("/orders/webhooks/deliveries?status=lost", Some(&admin))
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post("/orders/webhooks/wake", Some(&user.token), &json!({}))
        .await;
    assert_eq!(response.status(), 403);
    // The orders routes still answer next to the webhooks ones.
    let response = app
        .get(
            &format!("/orders/{}", order["id"].as_str().unwrap()),
            Some(&admin),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn by_default_no_receiver_is_reachable() {
    let (receiver, _server) = Receiver::start(answer(200)).await;
    // No webhook_allowed_hosts: the manifest's default allows no receiver at all.
    let app = app_with_variables(&[receiver.url("/hook")], &[]).await;
    let (admin, user) = setup(&app, "WH-DEFAULT").await;
    create_order(&app, &user.token, "WH-DEFAULT").await;
    let failed = eventually(Duration::from_secs(15), "the failed delivery", || async {
        let (list, _) = deliveries(&app, &admin, "status=failed").await;
        list.first().cloned()
    })
    .await;
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.contains("not in allowed_outbound_hosts"), "{error}");
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn concurrent_changes_are_each_delivered_once_in_order_per_order() {
    let (receiver, _server) = Receiver::start(answer(200)).await;
    let app = app_with(&[receiver.url("/busy")]).await;
    let (admin, user) = setup(&app, "WH-BUSY").await;
    // 12 orders at once, then each cancelled at once: 24 wake-ups racing over the claims.
    let created =
        futures::future::join_all((0..12).map(|_| create_order(&app, &user.token, "WH-BUSY")))
            .await;
    let cancel = json!({ "status": "cancelled" });
    let cancels = futures::future::join_all(created.iter().map(|o| {
        let path = format!("/orders/{}", o["id"].as_str().unwrap());
        let app = &app;
        let token = &user.token;
        let cancel = &cancel;
        async move { app.put(&path, Some(token), cancel).await.status() }
    }))
    .await;
    assert!(cancels.iter().all(|s| *s == 200), "{cancels:?}");

    all_delivered(&app, &admin, 24, Duration::from_secs(30)).await;
    let received = receiver.received();
    assert_eq!(
        received.len(),
        24,
        "each event exactly once without failures"
    );
    assert_eq!(receiver.event_ids().len(), 24);
    for order in &created {
        let names: Vec<String> = received
            .iter()
            .map(Received::json)
            .filter(|e| e["data"]["id"] == order["id"])
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["order.created", "order.status_changed"]);
    }
}

#[tokio::test]
async fn a_redis_outage_costs_only_delivery_latency() {
    // A Redis of this test's own (variables and key-value store), killed and started again;
    // the shared one stays up for the other tests.
    let mut redis = RedisServer::start().await;
    let (receiver, _server) = Receiver::start(answer(200)).await;
    let mut app = TestApp::spawn_with(AppOptions {
        variables: vec![
            ("webhook_urls".into(), receiver.url("/outage")),
            ("webhook_secret".into(), SECRET.into()),
            ("webhook_allowed_hosts".into(), "http://127.0.0.1:*".into()),
        ],
        deliverer: true,
        redis: Some(redis.address()),
        ..Default::default()
    })
    .await;
    let (admin, user) = setup(&app, "WH-OUTAGE").await;
    create_order(&app, &user.token, "WH-OUTAGE").await;
    all_delivered(&app, &admin, 1, Duration::from_secs(20)).await;

    redis.stop().await;
    let exited = "deliverer.sh: the deliverer exited with status 1";
    eventually(Duration::from_secs(10), "the deliverer to exit", || async {
        (app.deliverer_output().count(exited) > 0).then_some(())
    })
    .await;
    // Every service still answers, Redis-backed parts (cache, rate limits) aside.
    let admin = app.admin_token().await;
    let items = app.get("/inventory/", Some(&admin)).await;
    assert_eq!(items.status(), 200, "inventory list without Redis");
    for _ in 0..3 {
        create_order(&app, &user.token, "WH-OUTAGE").await;
    }
    assert_eq!(outbox_events(&app).await, 4);
    assert_eq!(
        receiver.event_ids().len(),
        1,
        "nothing can be delivered yet"
    );
    assert!(
        app.host_exit(Duration::from_millis(500)).await.is_none(),
        "the app must not exit with Redis"
    );

    // While Redis is away, every start fails to connect, and the supervisor tries again.
    eventually(Duration::from_secs(10), "a start without Redis", || async {
        (app.deliverer_output().count(exited) >= 2).then_some(())
    })
    .await;

    // Back: the supervisor's next start subscribes and wakes the deliverer, which sends
    // what the outage held back, with no further order change.
    redis.resume().await;
    all_delivered(&app, &admin, 4, Duration::from_secs(30)).await;
    assert_eq!(receiver.event_ids().len(), 4);
    let subscribed = format!("/{}:webhooks: [webhooks]", app.id);
    assert!(app.deliverer_output().count(&subscribed) >= 2);
    for r in receiver.received() {
        assert_signed(&r);
    }
}
