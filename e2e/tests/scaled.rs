//! The app scaled out as SpinKube runs it (deploy/scaled/topology.toml, e2e::scaled): every
//! service in host processes of its own, two replicas each behind HAProxy, orders calling
//! users and inventory over HTTP through the balancer. Each test starts its own cluster on
//! its own databases; `.config/nextest.toml` runs them one at a time (each is a dozen
//! processes on a two-core machine).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use e2e::load::{
    Load, Shared, Tally, audit, create_item, order_body, order_load, post_order,
    reconcile_after_threshold, record, report, short_client, users,
};
use e2e::responses::{assert_status, total_count};
use e2e::scaled::{ScaledApp, ScaledOptions};
use e2e::webhooks::{Receiver, all_delivered, answer, eventually};
use e2e::{Api, RedisServer, SERVICE_TOKEN};
use futures::stream::{self, StreamExt};
use serde_json::{Value, json};

/// A cluster whose deliverers send every order event to `receiver`.
async fn with_webhooks(receiver: &Receiver, redis: Option<String>) -> ScaledApp {
    ScaledApp::spawn_with(ScaledOptions {
        variables: vec![
            ("webhook_urls".into(), receiver.url("/hook")),
            ("webhook_allowed_hosts".into(), "http://127.0.0.1:*".into()),
        ],
        redis,
    })
    .await
}

/// How many requests for `path` replica `index` of `service` logged.
fn served(app: &ScaledApp, service: &str, index: usize, method: &str, path: &str) -> usize {
    let needle = format!("\"method\":\"{method}\",\"path\":\"{path}\"");
    app.cluster.output(service, index).count(&needle)
}

async fn count(app: &Api, database: &str, sql: &str) -> i64 {
    app.db(database)
        .await
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn orders_racing_over_both_replicas_sell_exactly_the_stock() {
    let app = ScaledApp::spawn().await;
    let admin = app.admin_token().await;
    create_item(&app, &admin, "RACE-1", 50).await;
    let tokens = users(&app, 10).await;

    let done = Arc::new(AtomicBool::new(false));
    let lowest = Arc::new(AtomicI64::new(i64::MAX));
    let watcher = {
        let (db, done, lowest) = (app.db("inventory").await, done.clone(), lowest.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let row = db.query_one("SELECT qty FROM items WHERE sku = 'RACE-1'", &[]);
                lowest.fetch_min(row.await.unwrap().get(0), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let tally: Shared = Default::default();
    let (client, body) = (short_client(), order_body("RACE-1", 1));
    stream::iter(0..200)
        .for_each_concurrent(100, |i| {
            let (client, tally, body, token) = (&client, &tally, &body, &tokens[i % 10]);
            let base = &app.base_url;
            async move {
                let response = post_order(client, base, token, body).await;
                record(tally, "POST /orders/", response).await;
            }
        })
        .await;
    done.store(true, Ordering::Relaxed);
    watcher.await.unwrap();

    let tally = tally.lock().await;
    let initial = HashMap::from([("RACE-1".to_string(), 50)]);
    let mut lost = audit(&app, &initial, &tally.created).await;
    lost.extend(tally.only(&[201, 409]));
    if tally.count(201) != 50 {
        lost.push(format!("{} orders sold of 50 units", tally.count(201)));
    }
    let lowest = lowest.load(Ordering::Relaxed);
    if lowest < 0 {
        lost.push(format!("stock went down to {lowest}"));
    }
    report(
        "200 orders of 1 unit racing for 50 over two orders replicas",
        "200 POST /orders/, 100 at a time, through the balancer",
        &tally,
        &lost,
    );
    assert!(lost.is_empty());
    // The saga crossed processes: both orders replicas took orders, and both inventory
    // replicas took their reservations, called through the balancer.
    for index in 0..2 {
        assert!(served(&app, "orders", index, "POST", "/orders/") > 20);
        assert!(served(&app, "inventory", index, "POST", "/inventory/reservations") > 20);
    }
}

#[tokio::test]
async fn a_write_on_one_replica_is_read_on_the_other_at_once() {
    let app = ScaledApp::spawn().await;
    let admin = app.admin_token().await;
    let (one, two) = (app.replica("inventory", 0), app.replica("inventory", 1));

    // An item: read (and cached) on one replica, changed on the other.
    let item = assert_status(
        one.post(
            "/inventory/",
            Some(&admin),
            &json!({ "sku": "SEEN-1", "qty": 5, "price": "1.00", "name": "Before" }),
        )
        .await,
        201,
        "create",
    )
    .await;
    let path = format!("/inventory/{}", item["id"]);
    for _ in 0..2 {
        let read = assert_status(one.get(&path, Some(&admin)).await, 200, "read").await;
        assert_eq!(read["name"], "Before");
    }
    let renamed = json!({ "name": "After" });
    assert_status(two.put(&path, Some(&admin), &renamed).await, 200, "rename").await;
    let read = assert_status(one.get(&path, Some(&admin)).await, 200, "read").await;
    assert_eq!(read["name"], "After", "the other replica's cached item");

    // A list page: cached on one replica, a new item added on the other.
    let mut before = 0;
    for _ in 0..2 {
        let page = one.get("/inventory/", Some(&admin)).await;
        before = total_count(&page);
        assert_status(page, 200, "list").await;
    }
    let added = json!({ "sku": "SEEN-2", "qty": 1, "price": "1.00" });
    assert_status(
        two.post("/inventory/", Some(&admin), &added).await,
        201,
        "add",
    )
    .await;
    let page = one.get("/inventory/", Some(&admin)).await;
    assert_eq!(
        total_count(&page),
        before + 1,
        "the other replica's cached total"
    );
    let list = assert_status(page, 200, "list").await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|i| i["sku"] == "SEEN-2")
    );

    // A user record: cached by one users replica (and read by orders from the shared
    // cache), changed on the other.
    let user = app.register_user().await;
    let (users_one, users_two) = (app.replica("users", 0), app.replica("users", 1));
    let record = format!("/users/{}", user.id);
    for _ in 0..2 {
        assert_status(
            users_one.get(&record, Some(SERVICE_TOKEN)).await,
            200,
            "lookup",
        )
        .await;
    }
    let rename = json!({ "name": "Renamed" });
    assert_status(
        users_two.put(&record, Some(&user.token), &rename).await,
        200,
        "rename",
    )
    .await;
    let looked_up = assert_status(
        users_one.get(&record, Some(SERVICE_TOKEN)).await,
        200,
        "lookup",
    )
    .await;
    assert_eq!(looked_up["name"], "Renamed");
    let deactivate = json!({ "is_active": false });
    assert_status(
        users_two.put(&record, Some(&admin), &deactivate).await,
        200,
        "deactivate",
    )
    .await;
    let order = json!({ "user_id": user.id, "items": [{ "sku": "SEEN-1", "quantity": 1, "price": "1.00" }] });
    for index in 0..2 {
        let orders = app.replica("orders", index);
        let refused = orders.post("/orders/", Some(&admin), &order).await;
        assert_status(refused, 422, "an order for the deactivated user").await;
    }
}

#[tokio::test]
async fn login_rate_limits_hold_across_replicas() {
    let app = ScaledApp::spawn().await;
    let user = app.register_user().await;
    let replicas = [app.replica("users", 0), app.replica("users", 1)];
    let login = |password: &str| json!({ "email": user.email, "password": password });
    for attempt in 0..5 {
        let replica = &replicas[attempt % 2];
        let failed = replica
            .post("/users/login", None, &login("wrong-password"))
            .await;
        assert_eq!(failed.status(), 401, "failure {attempt}");
    }
    for api in replicas.iter().chain([&*app]) {
        let limited = api.post("/users/login", None, &login(&user.password)).await;
        assert_eq!(limited.status(), 429, "at {}", api.base_url);
        assert!(limited.headers().contains_key("retry-after"));
    }
    per_address_limits_count_each_client_behind_the_balancer(&app).await;
}

/// `api`'s requests from the loopback address `ip` (127.0.0.2, ...), as another client.
fn from_address(api: &Api, ip: &str) -> Api {
    let client = e2e::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    Api {
        base_url: api.base_url.clone(),
        client,
        id: api.id.clone(),
    }
}

/// Failed logins per client address: HAProxy connects to the replicas from 127.0.0.1, which
/// the topology lets users trust (`trusted_proxies`), and appends the address of the client
/// it served to X-Forwarded-For, so each client behind it has a limit of its own.
async fn per_address_limits_count_each_client_behind_the_balancer(app: &ScaledApp) {
    let user = app.register_user().await;
    let login = |email: &str, password: &str| json!({ "email": email, "password": password });
    let attacker = from_address(app, "127.0.0.2");
    let bystander = from_address(app, "127.0.0.3");

    // The per-address limit's worth of failures, each for another email, over both replicas.
    let logins = |index| served(app, "users", index, "POST", "/users/login");
    let before = [logins(0), logins(1)];
    for attempt in 0..20 {
        let email = format!("guess{attempt}-{}@example.com", app.id);
        let failed = attacker
            .post("/users/login", None, &login(&email, "password1"))
            .await;
        assert_status(failed, 401, "a guess").await;
    }
    for (index, before) in before.into_iter().enumerate() {
        let guesses = logins(index) - before;
        assert!(guesses >= 5, "users#{} served {guesses} guesses", index + 1);
    }

    // The attacker is limited, whatever it forwards itself, through the balancer and
    // straight to either replica (where it is the peer).
    let right = login(&user.email, &user.password);
    for forged in [None, Some("127.0.0.9"), Some("127.0.0.3")] {
        let mut request = attacker.client.post(app.url("/users/login")).json(&right);
        if let Some(forged) = forged {
            request = request.header("x-forwarded-for", forged);
        }
        let limited = request.send().await.unwrap();
        assert_eq!(limited.status(), 429, "the attacker, forwarding {forged:?}");
    }
    for index in 0..2 {
        let direct = from_address(&app.replica("users", index), "127.0.0.2");
        let limited = direct.post("/users/login", None, &right).await;
        assert_eq!(limited.status(), 429, "the attacker at users#{}", index + 1);
    }

    // Another client behind the same balancer logs in.
    let response = bystander.post("/users/login", None, &right).await;
    assert_status(response, 200, "another client").await;
}

#[tokio::test]
async fn two_deliverers_deliver_each_event_once_in_order() {
    let (receiver, _server) = Receiver::start(answer(200)).await;
    let app = with_webhooks(&receiver, None).await;
    let admin = app.admin_token().await;
    create_item(&app, &admin, "WH-TWO", 1000).await;
    let user = app.register_user().await;
    // 12 orders at once, then each cancelled at once: 24 wake-ups, each reaching both
    // deliverers, racing over the claims.
    let created = futures::future::join_all((0..12).map(|_| async {
        let order = json!({ "items": [{ "sku": "WH-TWO", "quantity": 2, "price": "2.50" }] });
        assert_status(
            app.post("/orders/", Some(&user.token), &order).await,
            201,
            "order",
        )
        .await
    }))
    .await;
    futures::future::join_all(created.iter().map(|order| async {
        let path = format!("/orders/{}", order["id"].as_str().unwrap());
        let cancel = json!({ "status": "cancelled" });
        assert_status(
            app.put(&path, Some(&user.token), &cancel).await,
            200,
            "cancel",
        )
        .await
    }))
    .await;

    all_delivered(&app, &admin, 24, Duration::from_secs(30)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 24, "each event exactly once");
    assert_eq!(receiver.event_ids().len(), 24);
    for order in &created {
        let events: Vec<Value> = received
            .iter()
            .map(|r| r.json())
            .filter(|e| e["data"]["id"] == order["id"])
            .map(|e| e["event"].clone())
            .collect();
        assert_eq!(events, ["order.created", "order.status_changed"]);
    }
}

/// A load of orders for `duration` with `workers` clients through the balancer.
fn order_load_for(
    app: &ScaledApp,
    tokens: &[String],
    skus: &[String],
    workers: usize,
    duration: Duration,
) -> (Load, Shared) {
    let tally: Shared = Default::default();
    let load = Load {
        client: short_client(),
        base: Arc::new(std::sync::Mutex::new(app.base_url.clone())),
        tokens: Arc::new(tokens.to_vec()),
        skus: Arc::new(skus.to_vec()),
        workers,
        deadline: duration,
        stop: Arc::new(AtomicBool::new(false)),
        tally: tally.clone(),
    };
    (load, tally)
}

/// Items `PREFIX-1..=n` with 100,000 units each; their SKUs and what was put in.
async fn stocked(
    app: &ScaledApp,
    admin: &str,
    prefix: &str,
    n: usize,
) -> (Vec<String>, HashMap<String, i64>) {
    let skus: Vec<String> = (1..=n).map(|i| format!("{prefix}-{i}")).collect();
    for sku in &skus {
        create_item(app, admin, sku, 100_000).await;
    }
    let initial = skus.iter().map(|s| (s.clone(), 100_000)).collect();
    (skus, initial)
}

/// Every event in the outbox delivered, each received at least once.
async fn no_event_lost(app: &ScaledApp, admin: &str, receiver: &Receiver) -> Vec<String> {
    let events = count(app, "orders", "SELECT count(*) FROM webhook_outbox").await as usize;
    all_delivered(app, admin, events, Duration::from_secs(60)).await;
    let received = receiver.event_ids().len();
    match received == events {
        true => Vec::new(),
        false => vec![format!("{events} events, {received} received")],
    }
}

#[tokio::test]
async fn a_replica_of_each_service_killed_under_load_loses_nothing() {
    let (receiver, _server) = Receiver::start(answer(200)).await;
    let mut app = with_webhooks(&receiver, None).await;
    let admin = app.admin_token().await;
    let (skus, initial) = stocked(&app, &admin, "KILL", 3).await;
    let tokens = users(&app, 4).await;

    let (load, during) = order_load_for(&app, &tokens, &skus, 6, Duration::from_secs(8));
    let load = tokio::spawn(order_load(load));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let killed = ["users", "inventory", "orders", "webhooks", "deliverer"];
    for service in killed {
        app.cluster.kill(service, 0).await;
    }
    println!("killed replica 1 of {killed:?} with SIGKILL");
    load.await.unwrap();
    // With one replica of each left: every order goes through.
    let (load, after) = order_load_for(&app, &tokens, &skus, 4, Duration::from_secs(4));
    order_load(load).await;

    let mut lost = reconcile_after_threshold(&app).await;
    let (during, after) = (during.lock().await, after.lock().await);
    let created: Vec<String> = during
        .created
        .iter()
        .chain(&after.created)
        .cloned()
        .collect();
    lost.extend(audit(&app, &initial, &created).await);
    // Only the requests in flight at the kills may fail: with no answer (0), the
    // balancer's 502, or orders' 503 for a call to users or inventory that was cut.
    lost.extend(during.only(&[0, 201, 502, 503]));
    // At most one request per client in flight at each kill the saga feels (users,
    // inventory, orders).
    if during.tried() - during.count(201) > 6 * 3 {
        lost.push("more failures than requests in flight at the kills".into());
    }
    lost.extend(after.only_labelled("after the kills", &[201]));
    lost.extend(no_event_lost(&app, &admin, &receiver).await);
    let mut both = Tally {
        created,
        ..Default::default()
    };
    for (status, n) in during.statuses.iter().chain(&after.statuses) {
        *both.statuses.entry(*status).or_default() += n;
    }
    report(
        "one replica of each service killed under a load of orders",
        "6 clients ordering through the balancer for 8 s, SIGKILL at 3 s; then 4 clients for 4 s",
        &both,
        &lost,
    );
    assert!(lost.is_empty());
}

#[tokio::test]
async fn a_service_down_answers_503_and_recovers_by_itself() {
    let mut app = ScaledApp::spawn().await;
    let admin = app.admin_token().await;
    create_item(&app, &admin, "DOWN-1", 10).await;
    let user = app.register_user().await;
    let order = order_body("DOWN-1", 1);

    app.cluster.stop_service("inventory").await;
    let answer = app.get("/inventory/", Some(&admin)).await;
    assert_eq!(
        assert_status(answer, 503, "inventory down").await["detail"],
        "service unavailable"
    );
    let refused = app.post("/orders/", Some(&user.token), &order).await;
    assert_eq!(
        assert_status(refused, 503, "order").await["detail"],
        "inventory service unavailable"
    );
    assert_status(
        app.get("/orders/", Some(&user.token)).await,
        200,
        "orders list",
    )
    .await;
    assert_eq!(
        count(&app, "orders", "SELECT count(*) FROM orders").await,
        0
    );
    app.cluster.start_service("inventory").await.unwrap();
    eventually(
        Duration::from_secs(10),
        "an order with inventory back",
        || async {
            let response = app.post("/orders/", Some(&user.token), &order).await;
            (response.status() == 201).then_some(())
        },
    )
    .await;
    assert_eq!(app.stock("DOWN-1").await, 9);

    // A user no replica has looked up yet: orders must ask the users service.
    let email = format!("down-{}@example.com", app.id);
    let new_user = json!({ "name": "Down", "email": email, "password": "password-123" });
    let created = assert_status(
        app.post("/users/", Some(&admin), &new_user).await,
        201,
        "user",
    )
    .await;
    let for_new_user = json!({ "user_id": created["id"], "items": order["items"] });
    app.cluster.stop_service("users").await;
    assert_status(
        app.get("/users/me", Some(&user.token)).await,
        503,
        "users down",
    )
    .await;
    let refused = app.post("/orders/", Some(&admin), &for_new_user).await;
    assert_eq!(
        assert_status(refused, 503, "order").await["detail"],
        "users service unavailable"
    );
    // A user the shared cache knows still orders.
    assert_status(
        app.post("/orders/", Some(&user.token), &order).await,
        201,
        "cached user",
    )
    .await;
    app.cluster.start_service("users").await.unwrap();
    eventually(
        Duration::from_secs(10),
        "an order with users back",
        || async {
            let response = app.post("/orders/", Some(&admin), &for_new_user).await;
            (response.status() == 201).then_some(())
        },
    )
    .await;
    assert_eq!(app.stock("DOWN-1").await, 7);
    assert_eq!(
        count(&app, "orders", "SELECT count(*) FROM orders").await,
        3
    );
}

#[tokio::test]
async fn a_crashed_replica_is_started_again_on_its_port() {
    let mut app = ScaledApp::spawn().await;
    let pid = app.cluster.host_pid("users", 0).expect("users#1 runs");
    let pid = i32::try_from(pid).unwrap();
    // SAFETY: kill(2) has no memory effects; the process is this test's own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let crashed = std::time::Instant::now();
    while app.cluster.exited_hosts().is_empty() {
        assert!(
            crashed.elapsed() < Duration::from_secs(5),
            "users#1 still runs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.cluster.exited_hosts(), ["users#1"]);

    let tried = app.cluster.restart_exited_hosts().await;
    let tried: Vec<_> = tried.iter().map(|(r, s)| (r.as_str(), s.is_ok())).collect();
    assert_eq!(tried, [("users#1", true)], "only the crashed replica");
    assert_ne!(app.cluster.host_pid("users", 0), Some(pid as u32));
    let health = format!("{}/users/healthz", app.cluster.replica_url("users", 0));
    let response = app.client.get(&health).send().await.unwrap();
    assert_eq!(response.status(), 200, "users#1 serves on its port again");
    assert!(app.cluster.restart_exited_hosts().await.is_empty());
}

#[tokio::test]
async fn redis_stopped_for_ten_seconds_under_load() {
    // A Redis of this test's own; the shared one stays up for the other tests.
    let mut redis = RedisServer::start().await;
    let (receiver, _server) = Receiver::start(answer(200)).await;
    let mut app = with_webhooks(&receiver, Some(redis.address())).await;
    let admin = app.admin_token().await;
    let (skus, initial) = stocked(&app, &admin, "RDS", 3).await;
    let user = app.register_user().await;
    let tokens = [user.token.clone()];

    let (load, orders) = order_load_for(&app, &tokens, &skus, 3, Duration::from_secs(17));
    let stop = load.stop.clone();
    let load = tokio::spawn(order_load(load));
    let reads: Shared = Default::default();
    let reader = {
        let (client, base, stop, reads) = (
            short_client(),
            app.base_url.clone(),
            stop.clone(),
            reads.clone(),
        );
        let (token, admin) = (user.token.clone(), admin.clone());
        let login = json!({ "email": user.email, "password": user.password });
        tokio::spawn(async move {
            let reads_as = [
                ("/users/me", &token),
                ("/inventory/", &token),
                ("/orders/", &token),
                ("/orders/webhooks/deliveries", &admin),
            ];
            while !stop.load(Ordering::Relaxed) {
                for (path, token) in reads_as {
                    let response = client
                        .get(format!("{base}{path}"))
                        .bearer_auth(token)
                        .send()
                        .await;
                    record(&reads, &format!("GET {path}"), response).await;
                }
                let response = client
                    .post(format!("{base}/users/login"))
                    .json(&login)
                    .send()
                    .await;
                record(&reads, "POST /users/login", response).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    redis.stop().await;
    println!("Redis stopped");
    tokio::time::sleep(Duration::from_secs(10)).await;
    redis.resume().await;
    println!("Redis started again");
    load.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    reader.await.unwrap();

    let mut lost: Vec<String> = app
        .cluster
        .exited_hosts()
        .into_iter()
        .map(|host| format!("{host} exited"))
        .collect();
    let (orders, reads) = (orders.lock().await, reads.lock().await);
    lost.extend(audit(&app, &initial, &orders.created).await);
    lost.extend(orders.only_labelled("orders", &[201]));
    lost.extend(reads.only_labelled("reads", &[200]));
    // Both deliverers went down with Redis and came back by themselves.
    let subscribed = format!("/{}:webhooks: [webhooks]", app.id);
    for index in 0..2 {
        let output = app.cluster.output("deliverer", index);
        eventually(Duration::from_secs(30), "the deliverer back", || async {
            (output.count(&subscribed) >= 2).then_some(())
        })
        .await;
        assert!(output.count("deliverer.sh: the deliverer exited with status 1") >= 1);
    }
    lost.extend(no_event_lost(&app, &admin, &receiver).await);
    report(
        "Redis stopped for 10 s under load",
        "3 clients ordering and 1 reading every service and logging in, through the balancer",
        &orders,
        &lost,
    );
    println!("reads: {:?}", reads.statuses);
    assert!(lost.is_empty());
    assert!(orders.count(201) > 0 && reads.count(200) > 0);
}
