//! The demo-data tool against a real app: what it reports it created is what the API
//! then lists, every order status and stock level shows up, the history spans the last
//! 90 days, and a second run adds nothing.

use chrono_free::days_ago;
use e2e::TestApp;
use serde_json::Value;

mod chrono_free {
    /// Whole days between an RFC 3339 UTC timestamp (`YYYY-MM-DDT...`) and `today`
    /// (`YYYY-MM-DD`), counted on the civil calendar.
    pub fn days_ago(stamp: &str, today: &str) -> i64 {
        day_number(&stamp[..10]) - day_number(&today[..10])
    }

    fn day_number(date: &str) -> i64 {
        let parts: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
        let (y, m, d) = (parts[0], parts[1], parts[2]);
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn options(app: &TestApp) -> demo_data::Options {
    demo_data::Options {
        url: app.base_url.clone(),
        users: 6,
        // Half register, half arrive through the users CSV import.
        register: 3,
        items: 12,
        orders: 60,
        live_orders: 3,
        seed: 7,
        concurrency: 4,
        // Several import requests even at this size.
        batch: 25,
        ..demo_data::Options::default()
    }
}

async fn total(app: &TestApp, path: &str, token: &str) -> i64 {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_data_fills_the_app_through_its_api() {
    let app = TestApp::spawn().await;
    let options = options(&app);
    let summary = demo_data::run(&options).await.expect("demo-data run");
    println!("{summary}");

    assert_eq!(summary.users_created, 6);
    assert_eq!(summary.items_created, 12);
    assert_eq!(summary.orders_created, 60);
    assert_eq!(summary.live_orders_placed, 3);

    let admin = app.admin_token().await;
    // The seeded admin plus the demo users.
    assert_eq!(total(&app, "/users/?limit=1", &admin).await, 7);
    assert_eq!(total(&app, "/inventory/?limit=1", &admin).await, 12);
    assert_eq!(total(&app, "/orders/?limit=1", &admin).await, 63);

    let stock = json(&app, "/inventory/analytics", &admin).await;
    assert!(stock["out_of_stock"].as_i64().unwrap() >= 1, "{stock}");
    assert!(stock["low_stock"].as_i64().unwrap() >= 1, "{stock}");

    let orders = json(&app, "/orders/analytics", &admin).await;
    for status in ["pending", "processing", "shipped", "delivered", "cancelled"] {
        assert!(
            orders["status_breakdown"][status].as_i64().unwrap_or(0) >= 1,
            "no {status} order: {orders}"
        );
    }

    // The history goes back up to 90 days, and not into the future.
    let list = json(&app, "/orders/?limit=1000", &admin).await;
    let list = list.as_array().unwrap();
    let today = chrono_today(&list[0]["created_at"]);
    let ages: Vec<i64> = list
        .iter()
        .map(|o| -days_ago(o["created_at"].as_str().unwrap(), &today))
        .collect();
    assert!(ages.iter().all(|a| (0..=90).contains(a)), "{ages:?}");
    assert!(
        ages.iter().any(|a| *a >= 30),
        "history spans weeks: {ages:?}"
    );

    // Registered demo users sign in with the documented password; each placed a live
    // order, so each sees at least one order of its own.
    let plan = demo_data::plan::Plan::new(
        demo_data::plan::Sizes {
            users: options.users,
            items: options.items,
            orders: 0,
            seed: options.seed,
        },
        Default::default(),
    );
    for user in &plan.users[..options.register] {
        let token = app.login(&user.email, demo_data::plan::USER_PASSWORD).await;
        assert!(
            total(&app, "/orders/?limit=1", &token).await >= 1,
            "{}",
            user.email
        );
    }

    // A second run finds everything in place and only upserts the same orders.
    let again = demo_data::run(&demo_data::Options {
        live_orders: 0,
        ..options.clone()
    })
    .await
    .expect("second run");
    assert_eq!((again.users_created, again.users_existing), (0, 6));
    assert_eq!((again.items_created, again.items_existing), (0, 12));
    assert_eq!((again.orders_created, again.orders_updated), (0, 60));
    assert_eq!(total(&app, "/users/?limit=1", &admin).await, 7);
    assert_eq!(total(&app, "/orders/?limit=1", &admin).await, 63);
}

/// The newest order is a live one placed moments ago: its date is "today" on the
/// server's clock.
fn chrono_today(stamp: &Value) -> String {
    stamp.as_str().unwrap()[..10].to_string()
}
