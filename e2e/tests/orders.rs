//! End-to-end tests of the orders service (issue 5): the real app on the local host with
//! real PostgreSQL and Redis, the order saga across the users and inventory services, and
//! the stock checked in the inventory's database after every step.

use e2e::responses::{assert_status, total_count};
use e2e::{AppOptions, StatusCode, TestApp};
use futures::future::join_all;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

async fn body(response: e2e::Response) -> Value {
    response.json().await.unwrap()
}

async fn create_item(app: &TestApp, admin: &str, sku: &str, qty: i64) {
    let response = app
        .post(
            "/inventory/",
            Some(admin),
            &json!({ "sku": sku, "qty": qty, "price": 2.5 }),
        )
        .await;
    assert_eq!(response.status(), 201, "create item {sku}");
}

/// How many order rows exist (deleted ones included).
async fn order_rows(app: &TestApp) -> i64 {
    app.db("orders")
        .await
        .query_one("SELECT count(*) FROM orders", &[])
        .await
        .unwrap()
        .get(0)
}

/// How many timeline events exist.
async fn event_rows(app: &TestApp) -> i64 {
    app.db("orders")
        .await
        .query_one("SELECT count(*) FROM order_events", &[])
        .await
        .unwrap()
        .get(0)
}

fn line(sku: &str, quantity: i64, price: &str) -> Value {
    json!({ "sku": sku, "quantity": quantity, "price": price })
}

fn order(lines: &[Value]) -> Value {
    json!({ "items": lines })
}

async fn create_order(app: &TestApp, token: &str, body_: &Value) -> Value {
    let response = app.post("/orders/", Some(token), body_).await;
    assert_eq!(response.status(), 201, "create order {body_}");
    body(response).await
}

async fn set_status(app: &TestApp, token: &str, id: &str, status: &str) -> e2e::Response {
    app.put(
        &format!("/orders/{id}"),
        Some(token),
        &json!({ "status": status }),
    )
    .await
}

async fn event_types(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let response = app
        .get(&format!("/orders/{id}/timeline"), Some(token))
        .await;
    assert_eq!(response.status(), 200);
    body(response)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The main flow

#[tokio::test]
async fn order_lifecycle_moves_stock_at_every_step() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "LIFE-1", 10).await;
    create_item(&app, &admin, "LIFE-2", 5).await;

    // create → stock goes down
    let created = create_order(
        &app,
        &user.token,
        &json!({ "items": [line("LIFE-1", 3, "2.50"), line("LIFE-2", 1, "10")], "total": 17.5 }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["user_id"], user.id);
    assert_eq!(created["status"], "pending");
    assert_eq!(created["total"], "17.50");
    assert_eq!(
        created["items"],
        json!([line("LIFE-1", 3, "2.50"), line("LIFE-2", 1, "10.00")])
    );
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(app.stock("LIFE-1").await, 7);
    assert_eq!(app.stock("LIFE-2").await, 4);

    // owner and admin see it; another user does not (404, not 403)
    let path = format!("/orders/{id}");
    assert_eq!(body(app.get(&path, Some(&user.token)).await).await, created);
    assert_eq!(app.get(&path, Some(&admin)).await.status(), 200);
    let stranger = app.register_user().await;
    assert_eq!(app.get(&path, Some(&stranger.token)).await.status(), 404);
    assert_eq!(
        app.get(&format!("{path}/timeline"), Some(&stranger.token))
            .await
            .status(),
        404
    );
    assert_eq!(
        set_status(&app, &stranger.token, &id, "cancelled")
            .await
            .status(),
        404
    );
    assert_eq!(app.get(&path, None).await.status(), 401);

    // cancel → stock back up
    let cancelled = assert_status(
        set_status(&app, &user.token, &id, "cancelled").await,
        200,
        "cancel",
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(app.stock("LIFE-1").await, 10);
    assert_eq!(app.stock("LIFE-2").await, 5);

    // setting the same status again is a no-op
    assert_status(
        set_status(&app, &user.token, &id, "cancelled").await,
        200,
        "no-op",
    )
    .await;
    assert_eq!(app.stock("LIFE-1").await, 10);

    // reactivate → down again
    assert_status(
        set_status(&app, &user.token, &id, "pending").await,
        200,
        "reactivate",
    )
    .await;
    assert_eq!(app.stock("LIFE-1").await, 7);
    assert_eq!(app.stock("LIFE-2").await, 4);

    // forward through the machine; stock stays taken
    for status in ["processing", "shipped", "delivered"] {
        let changed = assert_status(set_status(&app, &admin, &id, status).await, 200, status).await;
        assert_eq!(changed["status"], status);
    }
    assert_eq!(app.stock("LIFE-1").await, 7);

    // delivered is final
    for status in ["pending", "cancelled", "shipped"] {
        assert_status(
            set_status(&app, &admin, &id, status).await,
            409,
            "after delivered",
        )
        .await;
    }
    assert_status(
        set_status(&app, &admin, &id, "lost").await,
        422,
        "unknown status",
    )
    .await;

    assert_eq!(
        event_types(&app, &user.token, &id).await,
        [
            "created",
            "status_changed",
            "status_changed",
            "status_changed",
            "status_changed",
            "status_changed"
        ]
    );
    let timeline = body(app.get(&format!("{path}/timeline"), Some(&admin)).await).await;
    assert_eq!(timeline[1]["old_value"], "pending");
    assert_eq!(timeline[1]["new_value"], "cancelled");
    assert_eq!(timeline[1]["user_id"], user.id);
    assert_eq!(timeline[1]["order_id"], id.as_str());
}

#[tokio::test]
async fn illegal_transitions_are_409_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "ST-1", 10).await;
    let id = create_order(&app, &user.token, &order(&[line("ST-1", 1, "1")])).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // pending cannot jump to shipped or delivered
    for status in ["shipped", "delivered"] {
        assert_status(
            set_status(&app, &user.token, &id, status).await,
            409,
            status,
        )
        .await;
    }
    assert_status(
        set_status(&app, &user.token, &id, "processing").await,
        200,
        "processing",
    )
    .await;
    assert_status(
        set_status(&app, &user.token, &id, "pending").await,
        409,
        "back to pending",
    )
    .await;
    // cancel from shipped gives the stock back
    assert_status(
        set_status(&app, &user.token, &id, "shipped").await,
        200,
        "shipped",
    )
    .await;
    assert_eq!(app.stock("ST-1").await, 9);
    assert_status(
        set_status(&app, &user.token, &id, "cancelled").await,
        200,
        "cancel shipped",
    )
    .await;
    assert_eq!(app.stock("ST-1").await, 10);
    assert_status(
        set_status(&app, &user.token, &id, "processing").await,
        409,
        "cancelled→processing",
    )
    .await;
    // empty change
    assert_status(
        app.put(&format!("/orders/{id}"), Some(&user.token), &json!({}))
            .await,
        422,
        "empty",
    )
    .await;
}

#[tokio::test]
async fn reactivation_fails_with_409_when_the_stock_is_gone() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "GONE-1", 2).await;
    let first = create_order(&app, &user.token, &order(&[line("GONE-1", 2, "1")])).await;
    let id = first["id"].as_str().unwrap();
    assert_status(
        set_status(&app, &user.token, id, "cancelled").await,
        200,
        "cancel",
    )
    .await;
    create_order(&app, &user.token, &order(&[line("GONE-1", 2, "1")])).await;
    assert_eq!(app.stock("GONE-1").await, 0);
    let refused = assert_status(
        set_status(&app, &user.token, id, "pending").await,
        409,
        "reactivate",
    )
    .await;
    assert_eq!(refused["detail"]["shortages"][0]["sku"], "GONE-1");
    let still = body(app.get(&format!("/orders/{id}"), Some(&user.token)).await).await;
    assert_eq!(still["status"], "cancelled");
    assert_eq!(app.stock("GONE-1").await, 0);
}

#[tokio::test]
async fn items_change_only_while_pending_and_move_the_difference() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "CH-1", 10).await;
    create_item(&app, &admin, "CH-2", 10).await;
    let id = create_order(&app, &user.token, &order(&[line("CH-1", 2, "1.00")])).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/orders/{id}");
    assert_eq!(app.stock("CH-1").await, 8);

    let changed = assert_status(
        app.put(
            &path,
            Some(&user.token),
            &json!({ "items": [line("CH-1", 5, "1"), line("CH-2", 1, "3.10")] }),
        )
        .await,
        200,
        "change items",
    )
    .await;
    assert_eq!(changed["total"], "8.10");
    assert_eq!(app.stock("CH-1").await, 5);
    assert_eq!(app.stock("CH-2").await, 9);

    // too much: 409, nothing changes
    assert_status(
        app.put(
            &path,
            Some(&user.token),
            &json!({ "items": [line("CH-1", 50, "1")] }),
        )
        .await,
        409,
        "too much",
    )
    .await;
    // a wrong total: 422
    assert_status(
        app.put(
            &path,
            Some(&user.token),
            &json!({ "items": [line("CH-1", 1, "1")], "total": 5 }),
        )
        .await,
        422,
        "wrong total",
    )
    .await;
    // invalid items: 422
    assert_status(
        app.put(
            &path,
            Some(&user.token),
            &json!({ "items": [line("CH-1", 0, "1")] }),
        )
        .await,
        422,
        "quantity 0",
    )
    .await;
    assert_eq!(app.stock("CH-1").await, 5);
    assert_eq!(
        body(app.get(&path, Some(&user.token)).await).await["total"],
        "8.10"
    );

    // dropping a line gives its stock back
    assert_status(
        app.put(
            &path,
            Some(&user.token),
            &json!({ "items": [line("CH-1", 1, "1")] }),
        )
        .await,
        200,
        "shrink",
    )
    .await;
    assert_eq!(app.stock("CH-1").await, 9);
    assert_eq!(app.stock("CH-2").await, 10);

    assert_status(
        set_status(&app, &user.token, &id, "processing").await,
        200,
        "processing",
    )
    .await;
    assert_status(
        app.put(
            &path,
            Some(&user.token),
            &json!({ "items": [line("CH-1", 2, "1")] }),
        )
        .await,
        409,
        "items after pending",
    )
    .await;
    assert_eq!(app.stock("CH-1").await, 9);
    assert_eq!(
        event_types(&app, &user.token, &id).await,
        ["created", "updated", "updated", "status_changed"]
    );
}

// ---------------------------------------------------------------------------------------
// Bad input

#[tokio::test]
async fn invalid_orders_are_refused_and_leave_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "VAL-1", 100).await;
    let ok = line("VAL-1", 1, "1");
    let hundred_and_one: Vec<Value> = (0..101).map(|i| line(&format!("S-{i}"), 1, "1")).collect();

    let cases: Vec<(&str, Value, u16)> = vec![
        ("no items", order(&[]), 422),
        ("101 items", order(&hundred_and_one), 422),
        ("duplicate SKUs", order(&[ok.clone(), ok.clone()]), 422),
        ("quantity 0", order(&[line("VAL-1", 0, "1")]), 422),
        ("quantity 10001", order(&[line("VAL-1", 10_001, "1")]), 422),
        ("negative price", order(&[line("VAL-1", 1, "-1")]), 422),
        (
            "price too high",
            order(&[line("VAL-1", 1, "1000000.01")]),
            422,
        ),
        (
            "three decimals",
            order(&[json!({ "sku": "VAL-1", "quantity": 1, "price": 1.005 })]),
            422,
        ),
        (
            "wrong total",
            json!({ "items": [line("VAL-1", 2, "1.50")], "total": 3.02 }),
            422,
        ),
        (
            "bad id",
            json!({ "id": "no spaces", "items": [ok.clone()] }),
            422,
        ),
        (
            "long id",
            json!({ "id": "x".repeat(65), "items": [ok.clone()] }),
            422,
        ),
        ("bad SKU", order(&[line("bad sku", 1, "1")]), 422),
        ("items missing", json!({}), 422),
        (
            "another user",
            json!({ "user_id": user.id + 1000, "items": [ok.clone()] }),
            403,
        ),
        (
            "user may not create shipped",
            json!({ "status": "shipped", "items": [ok.clone()] }),
            403,
        ),
        ("unknown SKU", order(&[line("NOPE-1", 1, "1")]), 409),
        ("too little stock", order(&[line("VAL-1", 101, "1")]), 409),
    ];
    for (what, request, expected) in cases {
        assert_status(
            app.post("/orders/", Some(&user.token), &request).await,
            expected,
            what,
        )
        .await;
    }
    // all or nothing: a good line next to an unknown or short one takes nothing either
    create_item(&app, &admin, "VAL-2", 1).await;
    for (what, lines) in [
        (
            "good + unknown",
            [line("VAL-1", 5, "1"), line("NOPE-2", 1, "1")],
        ),
        (
            "good + short",
            [line("VAL-1", 5, "1"), line("VAL-2", 2, "1")],
        ),
    ] {
        let refused = assert_status(
            app.post("/orders/", Some(&user.token), &order(&lines))
                .await,
            409,
            what,
        )
        .await;
        assert!(refused["detail"].is_object(), "{what}: {refused}");
        assert_eq!(app.stock("VAL-1").await, 100, "{what}");
        assert_eq!(app.stock("VAL-2").await, 1, "{what}");
    }
    assert_eq!(order_rows(&app).await, 0);
    // the field of a validation error is named
    let detail = assert_status(
        app.post(
            "/orders/",
            Some(&user.token),
            &order(&[line("VAL-1", 0, "1")]),
        )
        .await,
        422,
        "loc",
    )
    .await;
    assert_eq!(
        detail["detail"][0]["loc"],
        json!(["body", "items", 0, "quantity"])
    );
    // a total within a cent is accepted
    assert_status(
        app.post(
            "/orders/",
            Some(&user.token),
            &json!({ "items": [line("VAL-1", 3, "0.10")], "total": 0.31 }),
        )
        .await,
        201,
        "total within a cent",
    )
    .await;
    assert_eq!(order_rows(&app).await, 1);
    assert_eq!(app.stock("VAL-1").await, 97);

    // malformed JSON, no token
    let malformed = app
        .client
        .post(app.url("/orders/"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let anonymous = app
        .post("/orders/", None, &order(std::slice::from_ref(&ok)))
        .await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
}

/// An admin's order for user `user_id`.
async fn order_for(app: &TestApp, admin: &str, user_id: i64, lines: &[Value]) -> e2e::Response {
    app.post(
        "/orders/",
        Some(admin),
        &json!({ "user_id": user_id, "items": lines }),
    )
    .await
}

/// An admin (de)activates user `user_id`.
async fn set_active(app: &TestApp, admin: &str, user_id: i64, active: bool) {
    let response = app
        .put(
            &format!("/users/{user_id}"),
            Some(admin),
            &json!({ "is_active": active }),
        )
        .await;
    assert_status(response, 200, "set is_active").await;
}

#[tokio::test]
async fn users_are_checked_with_the_users_service() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "USR-1", 10).await;
    let lines = [line("USR-1", 1, "1")];

    // an admin may order for another user…
    let for_user = create_order(&app, &admin, &json!({ "user_id": user.id, "items": lines })).await;
    assert_eq!(for_user["user_id"], user.id);
    // …but not for one that does not exist or is inactive
    assert_status(
        order_for(&app, &admin, 987_654, &lines).await,
        422,
        "unknown user",
    )
    .await;
    set_active(&app, &admin, user.id, false).await;
    let refused = assert_status(
        order_for(&app, &admin, user.id, &lines).await,
        422,
        "inactive user",
    )
    .await;
    assert!(refused.to_string().contains("inactive"), "{refused}");
    assert_eq!(order_rows(&app).await, 1);
    assert_eq!(app.stock("USR-1").await, 9);

    // the users service's cached record follows every change: reactivated, then deleted
    set_active(&app, &admin, user.id, true).await;
    create_order(&app, &admin, &json!({ "user_id": user.id, "items": lines })).await;
    assert_status(
        app.delete(&format!("/users/{}", user.id), Some(&admin))
            .await,
        204,
        "delete the user",
    )
    .await;
    let refused = assert_status(
        order_for(&app, &admin, user.id, &lines).await,
        422,
        "deleted user",
    )
    .await;
    assert!(refused.to_string().contains("does not exist"), "{refused}");
    assert_eq!(order_rows(&app).await, 2);
    assert_eq!(app.stock("USR-1").await, 8);
}

#[tokio::test]
async fn a_duplicate_order_id_is_409_and_takes_no_stock() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "DUP-1", 10).await;
    let request = json!({ "id": "order-42_x", "items": [line("DUP-1", 2, "1")] });
    assert_eq!(
        create_order(&app, &user.token, &request).await["id"],
        "order-42_x"
    );
    assert_status(
        app.post("/orders/", Some(&user.token), &request).await,
        409,
        "duplicate",
    )
    .await;
    assert_status(
        app.post("/orders/", Some(&admin), &request).await,
        409,
        "duplicate by admin",
    )
    .await;
    assert_eq!(app.stock("DUP-1").await, 8);
    assert_eq!(order_rows(&app).await, 1);
}

// ---------------------------------------------------------------------------------------
// Failures of the saga

#[tokio::test]
async fn inventory_unreachable_is_503_and_leaves_no_order() {
    let app = TestApp::spawn_with(AppOptions {
        variables: vec![("inventory_url".into(), "http://127.0.0.1:1".into())],
        ..Default::default()
    })
    .await;
    let user = app.register_user().await;
    let response = app
        .post(
            "/orders/",
            Some(&user.token),
            &order(&[line("ANY-1", 1, "1")]),
        )
        .await;
    assert_status(response, 503, "inventory down").await;
    assert_eq!(order_rows(&app).await, 0);
    assert_eq!(event_rows(&app).await, 0);
}

#[tokio::test]
async fn users_unreachable_is_503_and_takes_no_stock_unless_the_user_is_cached() {
    let app = TestApp::spawn_with(AppOptions {
        variables: vec![("users_url".into(), "http://127.0.0.1:1".into())],
        ..Default::default()
    })
    .await;
    let admin = app.admin_token().await;
    create_item(&app, &admin, "UD-1", 5).await;
    let response = app
        .post("/orders/", Some(&admin), &order(&[line("UD-1", 1, "1")]))
        .await;
    assert_status(response, 503, "users down").await;
    assert_eq!(order_rows(&app).await, 0);
    assert_eq!(app.stock("UD-1").await, 5);

    // The check reads the users service's cached records first: GET /users/me reads the
    // caller's account, which caches it, so this user's order needs no call.
    let user = app.register_user().await;
    assert_status(app.get("/users/me", Some(&user.token)).await, 200, "me").await;
    let created = create_order(&app, &user.token, &order(&[line("UD-1", 1, "1")])).await;
    assert_eq!(created["user_id"], user.id);
    assert_eq!(order_rows(&app).await, 1);
    assert_eq!(app.stock("UD-1").await, 4);
}

/// Needs `fault_injection` declared in spin.toml for the orders component (default off).
#[tokio::test]
async fn a_failure_after_the_reservation_releases_the_stock() {
    let app = TestApp::spawn_with(AppOptions {
        variables: vec![("fault_injection".into(), "after_reservation".into())],
        ..Default::default()
    })
    .await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "FAULT-1", 5).await;
    let response = app
        .post(
            "/orders/",
            Some(&user.token),
            &order(&[line("FAULT-1", 3, "1")]),
        )
        .await;
    assert_status(response, 500, "injected failure").await;
    assert_eq!(app.stock("FAULT-1").await, 5);
    assert_eq!(order_rows(&app).await, 0);
    // the reservation itself is gone too, so the id could be used again
    let held: i64 = app
        .db("inventory")
        .await
        .query_one("SELECT count(*) FROM reservations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 0);
    assert_eq!(event_rows(&app).await, 0);
    // and the saga's intent with it: nothing is left for reconciliation
    assert!(intents(&app).await.is_empty());

    // The same for reactivating a cancelled order (imported, so no create is needed):
    // the stock taken again is given back and the order stays cancelled.
    let csv = format!(
        "id,user_id,status,items_json\nre-1,{},cancelled,\"[{{\"\"sku\"\":\"\"FAULT-1\"\",\"\"quantity\"\":2,\"\"price\"\":\"\"1\"\"}}]\"\n",
        user.id
    );
    assert_status(import(&app, &admin, &csv).await, 200, "import").await;
    assert_status(
        set_status(&app, &user.token, "re-1", "pending").await,
        500,
        "injected failure on reactivation",
    )
    .await;
    assert_eq!(app.stock("FAULT-1").await, 5);
    let still = body(app.get("/orders/re-1", Some(&user.token)).await).await;
    assert_eq!(still["status"], "cancelled");
    assert_eq!(event_types(&app, &admin, "re-1").await, ["created"]);
}

// ---------------------------------------------------------------------------------------
// Reconciliation of create sagas that died between the reservation and the insert

/// Stock held for `order_id` the way a saga takes it, through the inventory's contract.
async fn reserve_as_service(app: &TestApp, order_id: &str, sku: &str, quantity: i64) {
    let response = app
        .post(
            "/inventory/reservations",
            Some(e2e::SERVICE_TOKEN),
            &json!({ "order_id": order_id, "items": [{ "sku": sku, "quantity": quantity }] }),
        )
        .await;
    assert_status(response, 201, "reserve as the orders service").await;
}

/// The intent a saga records before reserving, `age_seconds` old.
async fn insert_intent(app: &TestApp, order_id: &str, user_id: i64, age_seconds: i64) {
    app.db("orders")
        .await
        .execute(
            "INSERT INTO order_intents (order_id, user_id, created_at) \
             VALUES ($1, $2, utc_now() - make_interval(secs => $3::bigint::double precision))",
            &[&order_id, &user_id, &age_seconds],
        )
        .await
        .unwrap();
}

async fn intents(app: &TestApp) -> Vec<String> {
    app.db("orders")
        .await
        .query("SELECT order_id FROM order_intents ORDER BY order_id", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect()
}

async fn held_reservations(app: &TestApp) -> Vec<String> {
    app.db("inventory")
        .await
        .query(
            "SELECT DISTINCT r.order_id FROM reservations r \
               JOIN reservation_lines l ON l.order_id = r.order_id ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect()
}

async fn reconcile(app: &TestApp, token: &str) -> Value {
    let response = app
        .post("/orders/maintenance/reconcile", Some(token), &json!({}))
        .await;
    assert_status(response, 200, "reconcile").await
}

/// A saga killed after its reservation (the reliability suite's SIGKILL and PostgreSQL
/// restart) leaves an intent and held stock but no order: the maintenance endpoint gives
/// the stock back; an intent whose saga is still running (young) is left alone.
#[tokio::test]
async fn reconcile_releases_the_stock_of_a_saga_that_died_before_its_insert() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "REC-1", 10).await;

    reserve_as_service(&app, "crashed-1", "REC-1", 4).await;
    insert_intent(&app, "crashed-1", user.id, 600).await;
    reserve_as_service(&app, "running-1", "REC-1", 1).await;
    insert_intent(&app, "running-1", user.id, 5).await;
    assert_eq!(app.stock("REC-1").await, 5);

    // Only the service credential or an admin.
    let response = app
        .post(
            "/orders/maintenance/reconcile",
            Some(&user.token),
            &json!({}),
        )
        .await;
    assert_status(response, 403, "reconcile as a user").await;
    let response = app
        .post("/orders/maintenance/reconcile", None, &json!({}))
        .await;
    assert_status(response, 401, "reconcile without a token").await;
    let response = app.get("/orders/maintenance/reconcile", Some(&admin)).await;
    assert_status(response, 405, "GET reconcile").await;

    let report = reconcile(&app, e2e::SERVICE_TOKEN).await;
    assert_eq!(
        report,
        json!({ "released": ["crashed-1"], "already_ordered": [], "resynced": [], "failed": [] })
    );
    assert_eq!(app.stock("REC-1").await, 9);
    assert_eq!(intents(&app).await, ["running-1"]);
    assert_eq!(held_reservations(&app).await, ["running-1"]);
    assert_eq!(order_rows(&app).await, 0);

    // Idempotent: nothing more to do, nothing given back twice.
    let report = reconcile(&app, &admin).await;
    assert_eq!(
        report,
        json!({ "released": [], "already_ordered": [], "resynced": [], "failed": [] })
    );
    assert_eq!(app.stock("REC-1").await, 9);
}

/// An intent whose order was recorded after all (only possible if the intent outlived the
/// insert, e.g. a CSV import with the same id) is deleted; the order keeps its stock.
#[tokio::test]
async fn reconcile_keeps_the_stock_of_an_order_that_exists() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "REC-2", 10).await;
    let created = create_order(
        &app,
        &user.token,
        &json!({ "id": "kept-1", "items": [line("REC-2", 3, "1")] }),
    )
    .await;
    assert_eq!(created["id"], "kept-1");
    // A successful create leaves no intent behind.
    assert!(intents(&app).await.is_empty());
    assert_eq!(app.stock("REC-2").await, 7);

    insert_intent(&app, "kept-1", user.id, 600).await;
    let report = reconcile(&app, &admin).await;
    assert_eq!(
        report,
        json!({ "released": [], "already_ordered": ["kept-1"], "resynced": [], "failed": [] })
    );
    assert!(intents(&app).await.is_empty());
    assert_eq!(app.stock("REC-2").await, 7);
    assert_eq!(held_reservations(&app).await, ["kept-1"]);
    let order = body(app.get("/orders/kept-1", Some(&user.token)).await).await;
    assert_eq!(order["status"], "pending");
}

/// Every create first settles a few stale intents, so the stock comes back even when no
/// one calls the maintenance endpoint.
#[tokio::test]
async fn creating_an_order_reconciles_stale_intents_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "REC-3", 5).await;
    reserve_as_service(&app, "crashed-3", "REC-3", 5).await;
    insert_intent(&app, "crashed-3", user.id, 120).await;
    assert_eq!(app.stock("REC-3").await, 0);

    // The stock the dead saga held is what this order needs: released first, so it fits.
    let created = create_order(&app, &user.token, &order(&[line("REC-3", 2, "1")])).await;
    assert_eq!(app.stock("REC-3").await, 3);
    assert!(intents(&app).await.is_empty());
    assert_eq!(
        held_reservations(&app).await,
        [created["id"].as_str().unwrap()]
    );
    // A repeated id of an intent in flight is refused before the inventory is called.
    insert_intent(&app, "in-flight-3", user.id, 1).await;
    let response = app
        .post(
            "/orders/",
            Some(&user.token),
            &json!({ "id": "in-flight-3", "items": [line("REC-3", 1, "1")] }),
        )
        .await;
    assert_status(response, 409, "id of a saga in flight").await;
    assert_eq!(app.stock("REC-3").await, 3);
    assert_eq!(intents(&app).await, ["in-flight-3"]);
}

/// Marks the order's last change as having died mid-saga: its lease ran out, never ended.
async fn interrupt(app: &TestApp, id: &str, seconds_ago: i64) {
    app.db("orders")
        .await
        .execute(
            "UPDATE orders SET lease_token = 'dead-change', \
                    lease_until = utc_now() - make_interval(secs => $2::bigint::double precision) \
              WHERE id = $1",
            &[&id, &seconds_ago],
        )
        .await
        .unwrap();
}

/// A change that died between its stock move and its write (cancel after the release,
/// reactivation after the reservation) leaves its lease set: reconciliation makes the
/// inventory hold what the order records, and the next change moves stock absolutely.
#[tokio::test]
async fn interrupted_changes_are_settled_by_reconcile_and_by_the_next_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "INT-1", 10).await;

    // A cancel died after the inventory released the stock: the order is still pending.
    create_order(
        &app,
        &user.token,
        &json!({ "id": "int-cancel", "items": [line("INT-1", 3, "1")] }),
    )
    .await;
    let response = app
        .delete(
            "/inventory/reservations/int-cancel",
            Some(e2e::SERVICE_TOKEN),
        )
        .await;
    assert_status(response, 204, "release as the dying cancel did").await;
    interrupt(&app, "int-cancel", 5).await;
    assert_eq!(app.stock("INT-1").await, 10);
    // Too recent for reconciliation (the change might still be running).
    let report = reconcile(&app, &admin).await;
    assert_eq!(report["resynced"], json!([]));
    interrupt(&app, "int-cancel", 120).await;
    let report = reconcile(&app, &admin).await;
    assert_eq!(report["resynced"], json!(["int-cancel"]));
    assert_eq!(app.stock("INT-1").await, 7);
    assert_eq!(held_reservations(&app).await, ["int-cancel"]);
    // The order is free again, and cancelling it now gives the stock back once.
    assert_status(
        set_status(&app, &user.token, "int-cancel", "cancelled").await,
        200,
        "cancel after reconciliation",
    )
    .await;
    assert_eq!(app.stock("INT-1").await, 10);

    // A reactivation died after the inventory took the stock: the order is still
    // cancelled. The next change (reactivating again) must not take the stock twice.
    interrupt(&app, "int-cancel", 1).await;
    let response = app
        .post(
            "/inventory/reservations",
            Some(e2e::SERVICE_TOKEN),
            &json!({ "order_id": "int-cancel", "items": [{ "sku": "INT-1", "quantity": 3 }] }),
        )
        .await;
    assert_status(response, 201, "reserve as the dying reactivation did").await;
    assert_eq!(app.stock("INT-1").await, 7);
    assert_status(
        set_status(&app, &user.token, "int-cancel", "pending").await,
        200,
        "reactivate over an interrupted reactivation",
    )
    .await;
    assert_eq!(app.stock("INT-1").await, 7);

    // An interrupted change and a no-op change: the stock is still made to match.
    interrupt(&app, "int-cancel", 1).await;
    let response = app
        .delete(
            "/inventory/reservations/int-cancel",
            Some(e2e::SERVICE_TOKEN),
        )
        .await;
    assert_status(response, 204, "release as a dying cancel did").await;
    assert_status(
        set_status(&app, &user.token, "int-cancel", "pending").await,
        200,
        "no-op over an interrupted cancel",
    )
    .await;
    assert_eq!(app.stock("INT-1").await, 7);
    assert_eq!(held_reservations(&app).await, ["int-cancel"]);
    let lease: Option<String> = app
        .db("orders")
        .await
        .query_one(
            "SELECT lease_token FROM orders WHERE id = 'int-cancel'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(lease, None);
}

#[tokio::test]
async fn forty_clients_race_for_the_last_ten_units() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "LAST-10", 10).await;
    let request = order(&[line("LAST-10", 1, "5")]);
    let requests = (0..40).map(|_| app.post("/orders/", Some(&user.token), &request));
    let statuses: Vec<StatusCode> = join_all(requests)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    let created = statuses.iter().filter(|s| s.as_u16() == 201).count();
    let refused = statuses.iter().filter(|s| s.as_u16() == 409).count();
    assert_eq!((created, refused), (10, 30), "{statuses:?}");
    assert_eq!(app.stock("LAST-10").await, 0);
    assert_eq!(order_rows(&app).await, 10);
    let held: i64 = app
        .db("inventory")
        .await
        .query_one("SELECT count(*) FROM reservations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 10);
}

// ---------------------------------------------------------------------------------------
// Idempotency, delete, timeline

async fn post_with_key(app: &TestApp, token: &str, key: &str, request: &Value) -> e2e::Response {
    app.client
        .post(app.url("/orders/"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(request)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn idempotency_key_returns_the_first_result() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "IDEM-1", 10).await;
    let request = order(&[line("IDEM-1", 2, "1")]);

    let first = post_with_key(&app, &user.token, "key-1", &request).await;
    assert_eq!(first.status(), 201);
    let first = body(first).await;
    let again = post_with_key(&app, &user.token, "key-1", &request).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(body(again).await, first);
    assert_eq!(order_rows(&app).await, 1);
    assert_eq!(app.stock("IDEM-1").await, 8);

    // the same key with another body
    let other = post_with_key(
        &app,
        &user.token,
        "key-1",
        &order(&[line("IDEM-1", 3, "1")]),
    )
    .await;
    assert_status(other, 422, "other body").await;
    // keys belong to their caller
    let admin_order = post_with_key(&app, &admin, "key-1", &request).await;
    assert_status(admin_order, 201, "another caller's key").await;
    assert_eq!(app.stock("IDEM-1").await, 6);
    // a request that failed does not burn its key
    let too_much = order(&[line("IDEM-1", 50, "1")]);
    assert_status(
        post_with_key(&app, &user.token, "key-2", &too_much).await,
        409,
        "short",
    )
    .await;
    assert_status(
        post_with_key(&app, &user.token, "key-2", &too_much).await,
        409,
        "short again",
    )
    .await;
    assert_status(
        post_with_key(&app, &user.token, "", &request).await,
        422,
        "empty key",
    )
    .await;
}

#[tokio::test]
async fn delete_releases_stock_and_keeps_the_timeline() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "DEL-1", 10).await;
    let lines = order(&[line("DEL-1", 4, "1")]);

    // the owner deletes a pending order: stock back, order gone, timeline for admin only
    let id = create_order(&app, &user.token, &lines).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.stock("DEL-1").await, 6);
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&user.token))
            .await
            .status(),
        204
    );
    assert_eq!(app.stock("DEL-1").await, 10);
    assert_eq!(
        app.get(&format!("/orders/{id}"), Some(&user.token))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/orders/{id}"), Some(&admin))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&user.token))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/orders/{id}/timeline"), Some(&user.token))
            .await
            .status(),
        404
    );
    assert_eq!(event_types(&app, &admin, &id).await, ["created", "deleted"]);
    assert_eq!(
        total_count(&app.get("/orders/", Some(&user.token)).await),
        0
    );
    // its id is not reused
    let reuse = json!({ "id": id, "items": [line("DEL-1", 1, "1")] });
    assert_status(
        app.post("/orders/", Some(&user.token), &reuse).await,
        409,
        "reuse id",
    )
    .await;

    // the owner cannot delete once processing; an admin can, and the stock comes back
    let id = create_order(&app, &user.token, &lines).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_status(
        set_status(&app, &user.token, &id, "processing").await,
        200,
        "processing",
    )
    .await;
    assert_status(
        app.delete(&format!("/orders/{id}"), Some(&user.token))
            .await,
        409,
        "owner, processing",
    )
    .await;
    assert_eq!(app.stock("DEL-1").await, 6);
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_eq!(app.stock("DEL-1").await, 10);

    // a cancelled order holds nothing; a delivered one's stock has left for good
    let id = create_order(&app, &user.token, &lines).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_status(
        set_status(&app, &user.token, &id, "cancelled").await,
        200,
        "cancel",
    )
    .await;
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&user.token))
            .await
            .status(),
        204
    );
    assert_eq!(app.stock("DEL-1").await, 10);
    let id = create_order(&app, &user.token, &lines).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for status in ["processing", "shipped", "delivered"] {
        assert_status(set_status(&app, &admin, &id, status).await, 200, status).await;
    }
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_eq!(app.stock("DEL-1").await, 6);
}

// ---------------------------------------------------------------------------------------
// Lists, analytics, CSV

#[tokio::test]
async fn lists_filter_first_then_paginate() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let alice = app.register_user().await;
    let bob = app.register_user().await;
    create_item(&app, &admin, "LST-A", 100).await;
    create_item(&app, &admin, "LST-B", 100).await;
    for i in 0..5 {
        let request = json!({ "id": format!("alice-{i}"), "items": [line("LST-A", 1, "1")] });
        create_order(&app, &alice.token, &request).await;
    }
    for i in 0..3 {
        let request = json!({ "id": format!("bob-{i}"), "items": [line("LST-B", 1, "1")] });
        create_order(&app, &bob.token, &request).await;
    }
    assert_status(
        set_status(&app, &alice.token, "alice-1", "cancelled").await,
        200,
        "cancel",
    )
    .await;
    assert_status(
        set_status(&app, &alice.token, "alice-3", "cancelled").await,
        200,
        "cancel",
    )
    .await;

    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    // own orders, newest first
    let own = app.get("/orders", Some(&alice.token)).await;
    assert_eq!(total_count(&own), 5);
    assert_eq!(
        ids(&body(own).await),
        ["alice-4", "alice-3", "alice-2", "alice-1", "alice-0"]
    );
    // the filter applies before the page
    let page = app
        .get(
            "/orders/?status=cancelled&limit=1&skip=1",
            Some(&alice.token),
        )
        .await;
    assert_eq!(total_count(&page), 2);
    assert_eq!(ids(&body(page).await), ["alice-1"]);
    // admin sees all, and may filter by user
    assert_eq!(total_count(&app.get("/orders/", Some(&admin)).await), 8);
    let bobs = app
        .get(&format!("/orders/?user_id={}", bob.id), Some(&admin))
        .await;
    assert_eq!(total_count(&bobs), 3);
    assert_status(
        app.get(&format!("/orders/?user_id={}", bob.id), Some(&alice.token))
            .await,
        403,
        "foreign",
    )
    .await;
    // q matches the id or a SKU
    assert_eq!(
        total_count(&app.get("/orders/?q=lst-b", Some(&admin)).await),
        3
    );
    assert_eq!(
        total_count(&app.get("/orders/?q=ALICE-2", Some(&admin)).await),
        1
    );
    // dates
    assert_eq!(
        total_count(&app.get("/orders/?from=2000-01-01", Some(&admin)).await),
        8
    );
    assert_eq!(
        total_count(&app.get("/orders/?to=2000-01-01", Some(&admin)).await),
        0
    );
    assert_eq!(
        total_count(
            &app.get(
                "/orders/?from=2000-01-01T00:00:00Z&to=2999-01-01",
                Some(&admin)
            )
            .await
        ),
        8
    );
    // sort
    let by_oldest = body(
        app.get("/orders/?sort=created_at&limit=1", Some(&alice.token))
            .await,
    )
    .await;
    assert_eq!(ids(&by_oldest), ["alice-0"]);
    // bad parameters
    for bad in [
        "status=lost",
        "from=soon",
        "limit=0",
        "limit=1001",
        "skip=-1",
        "sort=name",
    ] {
        assert_status(
            app.get(&format!("/orders/?{bad}"), Some(&admin)).await,
            422,
            bad,
        )
        .await;
    }
}

/// An admin's list pages and the analytics are cached, and every kind of change retires
/// them: each read after a change (create, status, delete, import) shows it.
#[tokio::test]
async fn cached_lists_and_analytics_follow_every_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "CACHE-1", 100).await;
    let reads = |expected: i64| {
        let (app, admin, user) = (&app, &admin, &user);
        async move {
            for _ in 0..2 {
                let page = app.get("/orders/?limit=5", Some(admin)).await;
                assert_eq!(total_count(&page), expected, "admin list total");
                let all = body(app.get("/orders/analytics", Some(admin)).await).await;
                assert_eq!(all["total_orders"], expected, "admin analytics");
                let series = body(
                    app.get("/orders/analytics/timeseries?days=1", Some(admin))
                        .await,
                )
                .await;
                assert_eq!(series["series"][0]["orders"], expected, "admin time series");
                let mine = body(app.get("/orders/analytics", Some(&user.token)).await).await;
                assert_eq!(mine["total_orders"], expected, "the user's analytics");
            }
        }
    };
    reads(0).await;
    let first = create_order(&app, &user.token, &order(&[line("CACHE-1", 1, "3")])).await;
    reads(1).await;
    let id = first["id"].as_str().unwrap();
    assert_status(
        set_status(&app, &admin, id, "cancelled").await,
        200,
        "cancel",
    )
    .await;
    let all = body(app.get("/orders/analytics", Some(&admin)).await).await;
    assert_eq!(all["status_breakdown"]["cancelled"], 1);
    assert_eq!(all["total_revenue"], "0.00");
    create_order(&app, &user.token, &order(&[line("CACHE-1", 2, "3")])).await;
    reads(2).await;
    assert_status(
        app.delete(&format!("/orders/{id}"), Some(&admin)).await,
        204,
        "delete",
    )
    .await;
    reads(1).await;
}

#[tokio::test]
async fn analytics_time_series_and_forecast() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "AN-1", 100).await;
    create_order(&app, &user.token, &order(&[line("AN-1", 2, "10.25")])).await;
    let cancelled = create_order(&app, &user.token, &order(&[line("AN-1", 1, "5")])).await;
    assert_status(
        set_status(
            &app,
            &user.token,
            cancelled["id"].as_str().unwrap(),
            "cancelled",
        )
        .await,
        200,
        "cancel",
    )
    .await;
    create_order(&app, &admin, &order(&[line("AN-1", 1, "1")])).await;

    let mine = body(app.get("/orders/analytics", Some(&user.token)).await).await;
    assert_eq!(mine["total_orders"], 2);
    assert_eq!(mine["total_revenue"], "20.50");
    assert_eq!(mine["recent_orders_7d"], 2);
    assert_eq!(mine["status_breakdown"]["pending"], 1);
    assert_eq!(mine["status_breakdown"]["cancelled"], 1);
    assert_eq!(mine["status_breakdown"]["delivered"], 0);
    assert_eq!(mine["recent_orders"].as_array().unwrap().len(), 2);
    let all = body(app.get("/orders/analytics", Some(&admin)).await).await;
    assert_eq!(all["total_orders"], 3);
    assert_eq!(all["total_revenue"], "21.50");

    let series = body(
        app.get("/orders/analytics/timeseries?days=7", Some(&user.token))
            .await,
    )
    .await;
    assert_eq!(series["days"], 7);
    let days = series["series"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[6]["orders"], 2);
    assert_eq!(days[6]["revenue"], "20.50");
    assert!(
        days[..6]
            .iter()
            .all(|d| d["orders"] == 0 && d["revenue"] == "0.00")
    );
    for (query, expected) in [("days=0", 1), ("days=100000", 180), ("", 30)] {
        let series = body(
            app.get(
                &format!("/orders/analytics/timeseries?{query}"),
                Some(&admin),
            )
            .await,
        )
        .await;
        assert_eq!(
            series["series"].as_array().unwrap().len(),
            expected,
            "{query}"
        );
    }

    for method in ["linear", "exp"] {
        let forecast = body(
            app.get(
                &format!("/orders/analytics/forecast?days=5&method={method}"),
                Some(&admin),
            )
            .await,
        )
        .await;
        assert_eq!(forecast["method"], method);
        assert_eq!(forecast["history"].as_array().unwrap().len(), 90);
        let points = forecast["forecast"].as_array().unwrap();
        assert_eq!(points.len(), 5);
        for p in points {
            let value = |k: &str| p[k].as_str().unwrap().parse::<f64>().unwrap();
            assert!(
                value("lower") <= value("revenue") && value("revenue") <= value("upper"),
                "{p}"
            );
            assert!(value("lower") >= 0.0);
        }
    }
    let auto = body(
        app.get("/orders/analytics/forecast?days=500", Some(&admin))
            .await,
    )
    .await;
    assert_eq!(auto["days"], 90);
    assert_eq!(auto["forecast"].as_array().unwrap().len(), 90);
    assert!(["linear", "exp"].contains(&auto["method"].as_str().unwrap()));
    assert_status(
        app.get("/orders/analytics/forecast?method=magic", Some(&admin))
            .await,
        422,
        "method",
    )
    .await;
    assert_eq!(app.get("/orders/analytics", None).await.status(), 401);
}

async fn import(app: &TestApp, token: &str, csv: &str) -> e2e::Response {
    let form = Form::new().part(
        "file",
        Part::bytes(csv.as_bytes().to_vec()).file_name("orders.csv"),
    );
    app.client
        .post(app.url("/orders/import/csv"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The export reads orders a page at a time: every order comes once, oldest first, also
/// where a page ends among orders created in the same second.
#[tokio::test]
async fn csv_export_spans_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    let other = app.register_user().await;
    const ORDERS: usize = 4_500;
    let items = r#""[{""sku"":""PAGE-1"",""quantity"":1,""price"":""1.00""}]""#;
    let mut csv = String::from("id,user_id,total,status,items_json,created_at\n");
    for n in 0..ORDERS {
        // Three instants only, so thousands of orders tie on created_at; every tenth order
        // is the other user's.
        let owner = if n % 10 == 0 { other.id } else { user.id };
        csv.push_str(&format!(
            "page-{n:05},{owner},1.00,delivered,{items},2026-03-0{}T10:00:00Z\n",
            1 + n % 3
        ));
    }
    assert_status(import(&app, &admin, &csv).await, 200, "import").await;

    let export = |token: String| {
        let app = &app;
        async move {
            let response = app.get("/orders/export/csv", Some(&token)).await;
            assert_eq!(response.status(), 200);
            let text = response.text().await.unwrap();
            text.lines()
                .skip(1)
                .map(|row| {
                    let cells: Vec<&str> = row.split(',').collect();
                    (cells[cells.len() - 1].to_string(), cells[0].to_string())
                })
                .collect::<Vec<(String, String)>>()
        }
    };
    let all = export(admin.clone()).await;
    let mut expected: Vec<(String, String)> = (0..ORDERS)
        .map(|n| {
            (
                format!("2026-03-0{}T10:00:00Z", 1 + n % 3),
                format!("page-{n:05}"),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(all.len(), ORDERS, "every order once");
    assert!(
        all == expected,
        "oldest first, ties by id, none repeated or missing"
    );

    let own = export(user.token.clone()).await;
    assert_eq!(own.len(), ORDERS - ORDERS / 10);
    let theirs: Vec<_> = (0..ORDERS)
        .step_by(10)
        .map(|n| format!("page-{n:05}"))
        .collect();
    assert!(
        own.iter().all(|(_, id)| !theirs.contains(id)),
        "only the caller's own"
    );
}

/// The export's head goes out before its later pages are read: when one of them fails,
/// the transfer breaks instead of ending as a short file that looks complete.
#[tokio::test]
async fn csv_export_failing_midway_breaks_the_transfer() {
    let app = TestApp::spawn_with(AppOptions {
        variables: vec![("fault_injection".into(), "export_next_page".into())],
        ..Default::default()
    })
    .await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    let items = r#""[{""sku"":""CUT-1"",""quantity"":1,""price"":""1.00""}]""#;
    let mut csv = String::from("id,user_id,total,status,items_json,created_at\n");
    for n in 0..2_500 {
        csv.push_str(&format!(
            "cut-{n:05},{},1.00,delivered,{items},2026-03-01T10:00:00Z\n",
            user.id
        ));
    }
    assert_status(import(&app, &admin, &csv).await, 200, "import").await;

    // Depending on how much was flushed when the page failed, the client sees no answer
    // at all or an answer whose body breaks off; never a complete-looking file.
    let sent = app
        .client
        .get(app.url("/orders/export/csv"))
        .bearer_auth(&admin)
        .send()
        .await;
    if let Ok(response) = sent {
        assert_eq!(response.status(), 200, "{response:?}");
        assert!(
            response.bytes().await.is_err(),
            "the body must not end as if complete"
        );
    }
    // A single page is read before the head, nothing after it: the export completes.
    let own = app.get("/orders/export/csv?user_id=0", Some(&admin)).await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.text().await.unwrap().lines().count(), 1, "header only");
}

#[tokio::test]
async fn csv_export_and_import() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    create_item(&app, &admin, "CSV-1", 10).await;
    // an id starting with `-` would run as a formula in a spreadsheet
    create_order(
        &app,
        &user.token,
        &json!({ "id": "-risky", "items": [line("CSV-1", 2, "1.50")] }),
    )
    .await;

    let export = app.get("/orders/export/csv", Some(&user.token)).await;
    assert_eq!(export.status(), 200);
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = export.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("id,user_id,total,status,items_json,created_at")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(&format!("'-risky,{},3.00,pending,", user.id)),
        "{row}"
    );
    assert!(
        row.contains(r#""[{""sku"":""CSV-1"",""quantity"":2,""price"":""1.50""}]""#),
        "{row}"
    );

    // import: one new order, one update of the exported one (its own export round-trips)
    let items = r#""[{""sku"":""CSV-9"",""quantity"":1,""price"":""4.00""}]""#;
    let csv = format!(
        "{}\nimp-1,{},4.00,delivered,{items},2026-01-02T03:04:05Z\n{}\n",
        "id,user_id,total,status,items_json,created_at",
        user.id,
        row.replace(",pending,", ",processing,")
    );
    assert_status(import(&app, &user.token, &csv).await, 403, "user import").await;
    let result = assert_status(import(&app, &admin, &csv).await, 200, "import").await;
    assert_eq!(
        result,
        json!({ "created_count": 1, "updated_count": 1, "total": 2, "inventory_created_count": 0 })
    );
    let imported = body(app.get("/orders/imp-1", Some(&user.token)).await).await;
    assert_eq!(imported["status"], "delivered");
    assert_eq!(imported["created_at"], "2026-01-02T03:04:05Z");
    assert_eq!(
        body(app.get("/orders/-risky", Some(&user.token)).await).await["status"],
        "processing"
    );
    assert_eq!(event_types(&app, &admin, "imp-1").await, ["created"]);
    assert_eq!(
        event_types(&app, &admin, "-risky").await,
        ["created", "updated"]
    );
    // imports move no stock
    assert_eq!(app.stock("CSV-1").await, 8);

    // one bad row: 422 naming the rows, nothing written
    let bad = format!(
        "id,user_id,items_json,total\nok-1,{uid},{items},4\nbad id,{uid},{items},4\nok-2,0,[],\nok-3,{uid},{items},9\n",
        uid = user.id
    );
    let refused = assert_status(import(&app, &admin, &bad).await, 422, "bad rows").await;
    let message = refused.to_string();
    for row in ["row 3", "row 4", "row 5"] {
        assert!(message.contains(row), "{row} in {message}");
    }
    assert!(!message.contains("row 2"), "{message}");
    assert_eq!(order_rows(&app).await, 2);
    // a raw text/csv body works too
    let raw = app
        .client
        .post(app.url("/orders/import/csv"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(format!(
            "id,user_id,items_json\nraw-1,{},{items}\n",
            user.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(body(raw).await["created_count"], 1);
}

#[tokio::test]
async fn health_and_unknown_routes() {
    let app = TestApp::spawn().await;
    let health = app.get("/orders/healthz", None).await;
    assert_eq!(health.status(), 200);
    assert_eq!(body(health).await, json!({ "status": "healthy" }));
    assert_eq!(app.get("/orders/readyz", None).await.status(), 200);
    let user = app.register_user().await;
    let missing = app.get("/orders/a/b/c", Some(&user.token)).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(body(missing).await["detail"], "Not Found");
    let not_allowed = app
        .request(reqwest::Method::PATCH, "/orders/", Some(&user.token), None)
        .await;
    assert_eq!(not_allowed.status(), 405);
    // the request id is echoed
    let echoed = app
        .client
        .get(app.url("/orders/"))
        .bearer_auth(&user.token)
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-123");
}

// ---------------------------------------------------------------------------------------
// Benchmark

/// The issue's benchmark: `cargo nextest run --release -p e2e --test orders --run-ignored
/// only --no-capture bench`. `POST /orders/` is the whole saga (users lookup, reservation,
/// insert); target p50 < 15 ms at 16 concurrent clients on a 2-core machine.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run on demand"]
async fn bench_create_and_list() {
    use e2e::bench::{percentiles, timed};
    const CONCURRENCY: usize = 16;
    const SKUS: usize = 500;
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut csv = String::from("sku,qty,name,price\n");
    for i in 0..SKUS {
        csv.push_str(&format!("BENCH-{i:04},1000000,Item {i},9.99\n"));
    }
    let imported = app
        .client
        .post(app.url("/inventory/import/csv"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let mut users = Vec::new();
    for _ in 0..4 {
        users.push(app.register_user().await);
    }

    // Two lines per order, spread over the SKUs so orders rarely wait on each other's rows.
    let create = |i: usize| {
        let (app, users) = (&app, &users);
        let request = order(&[
            line(&format!("BENCH-{:04}", (i * 7) % SKUS), 1, "9.99"),
            line(&format!("BENCH-{:04}", (i * 7 + 3) % SKUS), 2, "9.99"),
        ]);
        async move {
            app.post("/orders/", Some(&users[i % users.len()].token), &request)
                .await
                .status()
        }
    };
    // Warm up: instances, connection pools, caches.
    timed(64, CONCURRENCY, create).await;
    let created = timed(1000, CONCURRENCY, |i| create(i + 64)).await;
    println!(
        "POST /orders/ (2 lines, {CONCURRENCY} concurrent): {}",
        percentiles(created)
    );

    // ~266 orders per user; the default page is 100.
    let own = timed(1000, CONCURRENCY, |i| {
        let (app, users) = (&app, &users);
        async move {
            app.get("/orders/", Some(&users[i % users.len()].token))
                .await
                .status()
        }
    })
    .await;
    println!(
        "GET /orders/ (own, 100 per page, {CONCURRENCY} concurrent): {}",
        percentiles(own)
    );
    let small = timed(1000, CONCURRENCY, |i| {
        let (app, users) = (&app, &users);
        async move {
            app.get("/orders/?limit=10", Some(&users[i % users.len()].token))
                .await
                .status()
        }
    })
    .await;
    println!(
        "GET /orders/?limit=10 (own, {CONCURRENCY} concurrent): {}",
        percentiles(small)
    );
    let all = timed(500, CONCURRENCY, |_| {
        let (app, admin) = (&app, &admin);
        async move { app.get("/orders/", Some(admin)).await.status() }
    })
    .await;
    println!(
        "GET /orders/ (admin, all, 100 per page, {CONCURRENCY} concurrent): {}",
        percentiles(all)
    );
}

// ---------------------------------------------------------------------------------------
// Hostile input

fn token_with(secret: &str, sub: &str, role: &str, exp_offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = json!({ "sub": sub, "email": "x@example.com", "role": role, "iat": now, "exp": now + exp_offset });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Sends a raw body; `content_type` None sends none.
async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> e2e::Response {
    let mut request = app.client.request(method, app.url(path)).body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.unwrap()
}

/// Collects every `(what, expected, got, body)` that differs, so one run shows them all;
/// a 5xx or a body that is not `{"detail": ...}` JSON is always a mismatch.
#[derive(Default)]
struct Expectations(Vec<String>);

impl Expectations {
    async fn check(&mut self, what: &str, response: e2e::Response, expected: u16) {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let shaped = serde_json::from_str::<Value>(&text)
            .map(|v| v.get("detail").is_some())
            .unwrap_or(false);
        if status != expected || (status >= 400 && !shaped) {
            let shown: String = text.chars().take(300).collect();
            self.0.push(format!(
                "{what}: expected {expected}, got {status}: {shown}"
            ));
        }
    }

    fn assert_all_met(self) {
        assert!(self.0.is_empty(), "\n{}", self.0.join("\n"));
    }
}

#[tokio::test]
async fn hostile_input_gets_a_clear_error_and_never_a_500() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.register_user().await;
    let other = app.register_user().await;
    create_item(&app, &admin, "HOST-1", 100).await;
    let mine = create_order(&app, &user.token, &order(&[line("HOST-1", 1, "1")])).await;
    let theirs = create_order(&app, &other.token, &order(&[line("HOST-1", 2, "1")])).await;
    let theirs_id = theirs["id"].as_str().unwrap().to_string();
    let mut expect = Expectations::default();
    let json_ct = Some("application/json");
    let t = Some(user.token.as_str());

    // Bodies that are not JSON, or not an object.
    for (what, bytes, expected) in [
        ("empty body", b"".to_vec(), 422),
        ("whitespace", b"  \n".to_vec(), 422),
        ("truncated", br#"{"items": ["#.to_vec(), 400),
        ("trailing garbage", br#"{"items": []} x"#.to_vec(), 400),
        (
            "invalid UTF-8",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            400,
        ),
        ("null", b"null".to_vec(), 422),
        ("array", b"[]".to_vec(), 422),
        ("string", br#""items""#.to_vec(), 422),
        (
            "number out of range",
            br#"{"items": [{"sku": "HOST-1", "quantity": 1, "price": 1e400}]}"#.to_vec(),
            400,
        ),
        (
            "NaN",
            br#"{"items": [{"sku": "HOST-1", "quantity": 1, "price": NaN}]}"#.to_vec(),
            400,
        ),
        (
            "deep nesting",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            400,
        ),
        (
            "duplicate keys",
            br#"{"items": [], "items": []}"#.to_vec(),
            422,
        ),
    ] {
        let response = raw(&app, Method::POST, "/orders/", t, json_ct, bytes).await;
        expect.check(what, response, expected).await;
    }
    let no_ct = raw(
        &app,
        Method::POST,
        "/orders/",
        t,
        None,
        b"{\"items\": 1}".to_vec(),
    )
    .await;
    expect.check("no content type", no_ct, 422).await;

    // Well-formed JSON of the wrong types.
    let wrong_types = [
        ("items a string", json!({ "items": "HOST-1" })),
        ("items an object", json!({ "items": { "sku": "HOST-1" } })),
        ("item a number", json!({ "items": [1] })),
        (
            "sku a number",
            json!({ "items": [{ "sku": 5, "quantity": 1, "price": 1 }] }),
        ),
        (
            "quantity a string",
            json!({ "items": [{ "sku": "HOST-1", "quantity": "1", "price": 1 }] }),
        ),
        (
            "quantity fractional",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1.5, "price": 1 }] }),
        ),
        (
            "quantity huge",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1e30, "price": 1 }] }),
        ),
        (
            "quantity u64 max",
            json!({ "items": [{ "sku": "HOST-1", "quantity": u64::MAX, "price": 1 }] }),
        ),
        (
            "quantity null",
            json!({ "items": [{ "sku": "HOST-1", "quantity": null, "price": 1 }] }),
        ),
        (
            "price a word",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1, "price": "cheap" }] }),
        ),
        (
            "price a bool",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1, "price": true }] }),
        ),
        (
            "price huge",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1, "price": 1e300 }] }),
        ),
        (
            "price huge string",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1, "price": "9".repeat(400) }] }),
        ),
        (
            "price missing",
            json!({ "items": [{ "sku": "HOST-1", "quantity": 1 }] }),
        ),
        ("sku empty", json!({ "items": [line("", 1, "1")] })),
        ("sku unicode", json!({ "items": [line("ÅÄÖ", 1, "1")] })),
        ("sku NUL", json!({ "items": [line("A\u{0}B", 1, "1")] })),
        (
            "sku SQL",
            json!({ "items": [line("x'; DROP TABLE orders;--", 1, "1")] }),
        ),
        (
            "user_id a string",
            json!({ "user_id": "1", "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "user_id huge",
            json!({ "user_id": u64::MAX, "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "user_id fractional",
            json!({ "user_id": 1.5, "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "id a number",
            json!({ "id": 7, "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "id with a slash",
            json!({ "id": "a/b", "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "id unicode",
            json!({ "id": "ordér", "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "status a number",
            json!({ "status": 1, "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "status unknown",
            json!({ "status": "lost", "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "total a word",
            json!({ "total": "lots", "items": [line("HOST-1", 1, "1")] }),
        ),
        (
            "total negative",
            json!({ "total": -1, "items": [line("HOST-1", 1, "1")] }),
        ),
    ];
    for (what, request) in &wrong_types {
        expect
            .check(what, app.post("/orders/", t, request).await, 422)
            .await;
    }
    let a_user_id_over_i64 = json!({ "user_id": -1, "items": [line("HOST-1", 1, "1")] });
    expect
        .check(
            "negative user_id",
            app.post("/orders/", t, &a_user_id_over_i64).await,
            403,
        )
        .await;
    let unknown_for_admin = json!({ "user_id": -1, "items": [line("HOST-1", 1, "1")] });
    expect
        .check(
            "admin, negative user_id",
            app.post("/orders/", Some(&admin), &unknown_for_admin).await,
            422,
        )
        .await;
    // Unknown fields are ignored, as FastAPI does by default.
    let extra = json!({ "items": [line("HOST-1", 1, "1")], "admin": true, "__proto__": {} });
    expect
        .check("unknown fields", app.post("/orders/", t, &extra).await, 201)
        .await;

    // Sizes: just over 1 MiB of JSON is 413; a 12 MiB body too.
    let padding = "x".repeat(1024 * 1024);
    let big = json!({ "items": [line("HOST-1", 1, "1")], "note": padding });
    expect
        .check("JSON over 1 MiB", app.post("/orders/", t, &big).await, 413)
        .await;
    let huge = vec![b' '; 12 * 1024 * 1024];
    expect
        .check(
            "12 MiB body",
            raw(&app, Method::POST, "/orders/", t, json_ct, huge).await,
            413,
        )
        .await;
    let huge_put = json!({ "status": "cancelled", "note": "x".repeat(2 * 1024 * 1024) });
    expect
        .check(
            "PUT over 1 MiB",
            app.put(
                &format!("/orders/{}", mine["id"].as_str().unwrap()),
                t,
                &huge_put,
            )
            .await,
            413,
        )
        .await;
    let huge_csv = format!("id,user_id,items_json\n{}", "a,1,[]\n".repeat(2_000_000));
    let response = raw(
        &app,
        Method::POST,
        "/orders/import/csv",
        Some(&admin),
        Some("text/csv"),
        huge_csv.into_bytes(),
    )
    .await;
    expect.check("CSV over 10 MiB", response, 413).await;

    // Another user's order: 404 for every verb, and it is left as it was.
    let path = format!("/orders/{theirs_id}");
    expect
        .check("GET theirs", app.get(&path, t).await, 404)
        .await;
    expect
        .check(
            "PUT theirs",
            app.put(&path, t, &json!({ "status": "cancelled" })).await,
            404,
        )
        .await;
    expect
        .check(
            "PUT theirs items",
            app.put(&path, t, &json!({ "items": [line("HOST-1", 50, "1")] }))
                .await,
            404,
        )
        .await;
    expect
        .check("DELETE theirs", app.delete(&path, t).await, 404)
        .await;
    expect
        .check(
            "timeline theirs",
            app.get(&format!("{path}/timeline"), t).await,
            404,
        )
        .await;
    let reuse_theirs = json!({ "id": theirs_id, "items": [line("HOST-1", 1, "1")] });
    expect
        .check(
            "create with their id",
            app.post("/orders/", t, &reuse_theirs).await,
            409,
        )
        .await;
    let still = body(app.get(&path, Some(&other.token)).await).await;
    assert_eq!(still, theirs, "another user's order changed");

    // Strange paths and ids.
    for (what, p, expected) in [
        ("id too long", format!("/orders/{}", "a".repeat(5000)), 404),
        ("id with a dot", "/orders/a.b".to_string(), 404),
        ("percent-encoded slash", "/orders/a%2Fb".to_string(), 404),
        ("percent-encoded NUL", "/orders/a%00b".to_string(), 404),
        ("unicode id", "/orders/%C3%A9".to_string(), 404),
        ("bad escape", "/orders/%ZZ".to_string(), 404),
        (
            "SQL in id",
            "/orders/1%27%20OR%20%271%27=%271".to_string(),
            404,
        ),
        (
            "timeline of nothing",
            "/orders/nope/timeline".to_string(),
            404,
        ),
    ] {
        expect.check(what, app.get(&p, t).await, expected).await;
    }

    // Query parameters.
    for (what, q) in [
        ("skip a word", "skip=abc"),
        ("skip overflow", "skip=99999999999999999999999"),
        ("limit fractional", "limit=1.5"),
        ("limit negative", "limit=-1"),
        ("from not a date", "from=2026-13-45"),
        ("to not a date", "to=yesterday"),
        ("user_id a word", "user_id=abc"),
        ("status unknown", "status=DROP"),
        ("sort injection", "sort=created_at;DROP%20TABLE%20orders"),
        ("q NUL", "q=a%00b"),
    ] {
        expect
            .check(
                what,
                app.get(&format!("/orders/?{q}"), Some(&admin)).await,
                422,
            )
            .await;
    }
    for (what, q) in [
        ("q with LIKE wildcards", "q=%25_%5C"),
        ("q with quotes", "q=%27%22%3B--"),
        ("q long", &format!("q={}", "a".repeat(10_000))),
        ("q invalid UTF-8", "q=%FF%FE"),
        ("repeated parameter", "limit=5&limit=6"),
        ("empty parameter", "status="),
    ] {
        let response = app.get(&format!("/orders/?{q}"), Some(&admin)).await;
        let status = response.status().as_u16();
        if status == 200 {
            expect.check(what, response, 200).await;
        } else {
            expect.check(what, response, 422).await;
        }
    }
    for (what, p) in [
        ("days a word", "/orders/analytics/timeseries?days=abc"),
        (
            "forecast days a word",
            "/orders/analytics/forecast?days=abc",
        ),
        (
            "forecast method injection",
            "/orders/analytics/forecast?method=%27",
        ),
    ] {
        expect.check(what, app.get(p, t).await, 422).await;
    }
    for (what, p) in [
        ("days negative", "/orders/analytics/timeseries?days=-5"),
        (
            "days huge",
            "/orders/analytics/timeseries?days=99999999999999",
        ),
        (
            "forecast days negative",
            "/orders/analytics/forecast?days=-1",
        ),
    ] {
        expect.check(what, app.get(p, t).await, 200).await;
    }

    // Idempotency keys.
    let keyed = |key: &'static [u8]| {
        let (app, token) = (&app, &user.token);
        async move {
            app.client
                .post(app.url("/orders/"))
                .bearer_auth(token)
                .header(
                    "idempotency-key",
                    reqwest::header::HeaderValue::from_bytes(key).unwrap(),
                )
                .json(&order(&[line("HOST-1", 1, "1")]))
                .send()
                .await
                .unwrap()
        }
    };
    // Spin refuses a header value that is not UTF-8 itself, before any component runs:
    // a 500 with an empty body (crates/trigger-http/src/headers.rs, prepare_request_headers).
    let refused = keyed(b"k\xff\xfe").await;
    assert_eq!(refused.status(), 500, "key with non-UTF-8 bytes");
    assert_eq!(
        refused.text().await.unwrap(),
        "",
        "key with non-UTF-8 bytes"
    );
    expect
        .check(
            "key with non-ASCII UTF-8",
            keyed("clé".as_bytes()).await,
            422,
        )
        .await;
    expect
        .check("key with spaces", keyed(b"a b").await, 422)
        .await;
    let long: &'static [u8] = Box::leak(vec![b'k'; 256].into_boxed_slice());
    expect.check("key too long", keyed(long).await, 422).await;

    // Forged and malformed credentials.
    let sub = user.id.to_string();
    let alg_none = {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(
                json!({ "sub": sub, "role": "admin", "iat": 0, "exp": 4102444800i64 }).to_string()
            )
        )
    };
    let forged = [
        ("garbage", "not.a.token".to_string()),
        ("empty", String::new()),
        (
            "wrong secret",
            token_with("another-secret-0123456789abcdef0123", &sub, "admin", 600),
        ),
        ("expired", token_with(e2e::JWT_SECRET, &sub, "user", -60)),
        ("alg none", alg_none),
        ("service token", e2e::SERVICE_TOKEN.to_string()),
        (
            "sub not a number",
            token_with(e2e::JWT_SECRET, "admin", "admin", 600),
        ),
        (
            "unknown role",
            token_with(e2e::JWT_SECRET, &sub, "root", 600),
        ),
        ("huge", "a".repeat(100_000)),
    ];
    for (what, token) in &forged {
        expect
            .check(
                &format!("{what}: list"),
                app.get("/orders/", Some(token)).await,
                401,
            )
            .await;
        expect
            .check(
                &format!("{what}: create"),
                app.post("/orders/", Some(token), &order(&[line("HOST-1", 1, "1")]))
                    .await,
                401,
            )
            .await;
        expect
            .check(
                &format!("{what}: theirs"),
                app.get(&path, Some(token)).await,
                401,
            )
            .await;
    }
    let basic = app
        .client
        .get(app.url("/orders/"))
        .header("authorization", "Basic YWRtaW46cGFzc3dvcmQ=")
        .send()
        .await
        .unwrap();
    expect.check("basic auth", basic, 401).await;
    // A valid token for a user that does not exist sees nothing and can order nothing.
    let ghost = token_with(e2e::JWT_SECRET, "999999", "user", 600);
    expect
        .check("ghost: theirs", app.get(&path, Some(&ghost)).await, 404)
        .await;
    expect
        .check(
            "ghost: create",
            app.post("/orders/", Some(&ghost), &order(&[line("HOST-1", 1, "1")]))
                .await,
            422,
        )
        .await;

    // CSV imports that are not CSV.
    for (what, content_type, bytes) in [
        ("binary", "text/csv", vec![0u8, 159, 146, 150, 0, 1, 2]),
        (
            "header only",
            "text/csv",
            b"id,user_id,items_json\n".to_vec(),
        ),
        ("no header", "text/csv", b"".to_vec()),
        (
            "unknown column",
            "text/csv",
            b"id,user_id,items_json,evil\nx,1,[]\n".to_vec(),
        ),
        (
            "unterminated quote",
            "text/csv",
            b"id,user_id,items_json\n\"x,1,[]\n".to_vec(),
        ),
        (
            "multipart without boundary",
            "multipart/form-data",
            b"--x\r\n".to_vec(),
        ),
        (
            "multipart garbage",
            "multipart/form-data; boundary=zzz",
            b"--zzz\r\nnonsense".to_vec(),
        ),
        ("JSON", "application/json", b"{}".to_vec()),
    ] {
        let response = raw(
            &app,
            Method::POST,
            "/orders/import/csv",
            Some(&admin),
            Some(content_type),
            bytes,
        )
        .await;
        let status = response.status().as_u16();
        let expected = if [400, 415, 422].contains(&status) {
            status
        } else {
            422
        };
        expect.check(what, response, expected).await;
    }
    let bad_rows = format!(
        "id,user_id,items_json,total,status,created_at\n\
         r1,{uid},\"[{{\"\"sku\"\":\"\"A\"\",\"\"quantity\"\":1e30,\"\"price\"\":1}}]\",,,\n\
         r2,99999999999999999999999,[],,,\n\
         r3,{uid},\"[{{\"\"sku\"\":\"\"A\"\",\"\"quantity\"\":1,\"\"price\"\":\"\"1\"\"}}]\",,lost,\n\
         r4,{uid},\"[{{\"\"sku\"\":\"\"A\"\",\"\"quantity\"\":1,\"\"price\"\":\"\"1\"\"}}]\",,,not-a-date\n\
         r5,{uid},not json,,,\n",
        uid = user.id
    );
    let response = raw(
        &app,
        Method::POST,
        "/orders/import/csv",
        Some(&admin),
        Some("text/csv"),
        bad_rows.into_bytes(),
    )
    .await;
    expect.check("CSV with bad values", response, 422).await;

    expect.assert_all_met();
    // Nothing above wrote an order except the one with unknown fields.
    assert_eq!(order_rows(&app).await, 3);
    assert_eq!(app.stock("HOST-1").await, 96);
}
