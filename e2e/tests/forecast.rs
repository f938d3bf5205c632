//! End-to-end tests of `GET /orders/analytics/forecast`: the answer's shape, every method
//! and seasonality, the confidence levels and their 422, the fallback of `hw` on a history
//! with empty days, and an unusual day found in a seeded history. The history is seeded
//! through the CSV import, which takes each order's `created_at`, on the dates the
//! forecast's own history lists (so "today" is the server's).

use e2e::TestApp;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// Revenue per weekday (index mod 7 from the first seeded day).
const PATTERN: [f64; 7] = [300.0, 240.0, 200.0, 180.0, 160.0, 120.0, 210.0];
/// How many days back the seeded history starts, and the day (from the end) of its spike.
const SEEDED_DAYS: usize = 63;
const SPIKE_DAYS_AGO: usize = 10;

async fn forecast(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .get(&format!("/orders/analytics/forecast?{query}"), Some(token))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn money(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

/// The 90 dates of the history, oldest first, ending today.
async fn history_dates(app: &TestApp, token: &str) -> Vec<String> {
    let answer = forecast(app, token, "days=1").await;
    answer["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap().to_string())
        .collect()
}

/// Imports one delivered order of `total` per (date, total), for `user_id`.
async fn seed(app: &TestApp, admin: &str, user_id: i64, prefix: &str, days: &[(String, f64)]) {
    let mut csv = String::from("id,user_id,total,status,items_json,created_at\n");
    for (n, (date, total)) in days.iter().enumerate() {
        let items = format!(r#""[{{""sku"":""FC-1"",""quantity"":1,""price"":""{total:.2}""}}]""#);
        csv.push_str(&format!(
            "{prefix}-{n},{user_id},{total:.2},delivered,{items},{date}T00:00:00Z\n"
        ));
    }
    let form = Form::new().part("file", Part::bytes(csv.into_bytes()).file_name("o.csv"));
    let response = app
        .client
        .post(app.url("/orders/import/csv"))
        .bearer_auth(admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "import");
}

/// Every forecast day is a date after today with 0 ≤ lower ≤ revenue ≤ upper.
fn assert_shape(answer: &Value, days: usize, today: &str) {
    let keys: Vec<&str> = answer
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "days",
        "method",
        "seasonality",
        "history",
        "forecast",
        "anomalies",
    ] {
        assert!(keys.contains(&key), "{key} missing in {keys:?}");
    }
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(answer["days"], days);
    assert_eq!(answer["history"].as_array().unwrap().len(), 90);
    let points = answer["forecast"].as_array().unwrap();
    assert_eq!(points.len(), days);
    assert!(points[0]["date"].as_str().unwrap() > today);
    for p in points {
        let (lower, value, upper) = (money(&p["lower"]), money(&p["revenue"]), money(&p["upper"]));
        assert!(0.0 <= lower && lower <= value && value <= upper, "{p}");
    }
}

#[tokio::test]
async fn forecast_methods_seasonality_confidence_and_anomalies() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let shop = app.register_user().await;
    let dates = history_dates(&app, &shop.token).await;
    let today = dates.last().unwrap().clone();

    // Nothing sold yet: a flat zero forecast and no unusual day.
    let empty = forecast(&app, &shop.token, "days=3").await;
    assert_shape(&empty, 3, &today);
    assert_eq!(empty["seasonality"], "none");
    assert_eq!(empty["anomalies"], serde_json::json!([]));

    // Nine weeks of a weekly pattern with a small wobble, and one day at five times its
    // usual revenue ten days ago.
    let start = dates.len() - SEEDED_DAYS;
    let spike_index = dates.len() - 1 - SPIKE_DAYS_AGO;
    let seeded: Vec<(String, f64)> = (start..dates.len())
        .map(|i| {
            let usual = PATTERN[(i - start) % 7] + [4.0, -3.0, 2.0, -1.0, 0.0][i % 5];
            let total = if i == spike_index { 5.0 * usual } else { usual };
            (dates[i].clone(), total)
        })
        .collect();
    seed(&app, &admin, shop.id, "fc", &seeded).await;

    let auto = forecast(&app, &shop.token, "days=14").await;
    assert_shape(&auto, 14, &today);
    assert_eq!(auto["method"], "hw");
    assert_eq!(auto["seasonality"], "weekday");
    // The forecast follows the week: the best weekday's day beats the worst one's.
    let values: Vec<f64> = auto["forecast"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| money(&p["revenue"]))
        .collect();
    let weekday = |i: usize| (dates.len() + i - start) % 7;
    let best = (0..7).find(|&i| weekday(i) == 0).unwrap();
    let worst = (0..7).find(|&i| weekday(i) == 5).unwrap();
    assert!(values[best] > 1.5 * values[worst], "{values:?}");
    // The spike is the one unusual day.
    let anomalies = auto["anomalies"].as_array().unwrap();
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    assert_eq!(anomalies[0]["date"], dates[spike_index].as_str());
    assert_eq!(
        money(&anomalies[0]["revenue"]),
        seeded[spike_index - start].1
    );
    assert!(anomalies[0]["z"].as_f64().unwrap() >= 2.5);

    for (query, method, seasonality) in [
        ("method=linear&seasonality=none", "linear", "none"),
        ("method=linear&seasonality=weekday", "linear", "weekday"),
        ("method=exp&seasonality=none", "exp", "none"),
        ("method=exp", "exp", "weekday"),
        ("method=hw&seasonality=none", "hw", "weekday"),
    ] {
        let answer = forecast(&app, &shop.token, &format!("days=7&{query}")).await;
        assert_shape(&answer, 7, &today);
        assert_eq!(
            (answer["method"].as_str(), answer["seasonality"].as_str()),
            (Some(method), Some(seasonality)),
            "{query}"
        );
    }

    // Without seasonality, auto chooses between the line and Holt's.
    let plain = forecast(&app, &shop.token, "days=7&seasonality=none").await;
    assert!(
        ["linear", "exp"].contains(&plain["method"].as_str().unwrap()),
        "{plain}"
    );
    assert_eq!(plain["seasonality"], "none");

    // The band's width follows z: 1.282, 1.96, 2.576.
    let half = |answer: &Value| {
        money(&answer["forecast"][0]["upper"]) - money(&answer["forecast"][0]["revenue"])
    };
    let mut halves = Vec::new();
    for conf in ["0.80", "0.95", "0.99"] {
        let answer = forecast(
            &app,
            &shop.token,
            &format!("days=1&method=linear&conf={conf}"),
        )
        .await;
        halves.push(half(&answer));
    }
    assert!(
        (halves[2] / halves[0] - 2.576 / 1.282).abs() < 0.01,
        "{halves:?}"
    );
    assert!(
        (halves[1] / halves[0] - 1.96 / 1.282).abs() < 0.01,
        "{halves:?}"
    );
    for (query, name) in [
        ("conf=0.9", "conf"),
        ("conf=abc", "conf"),
        ("seasonality=monthly", "seasonality"),
        ("method=magic", "method"),
    ] {
        let response = app
            .get(
                &format!("/orders/analytics/forecast?{query}"),
                Some(&shop.token),
            )
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["detail"][0]["loc"],
            serde_json::json!(["query", name]),
            "{query}"
        );
    }
    assert_eq!(
        app.get("/orders/analytics/forecast", None).await.status(),
        401
    );
}

/// A shop that sells every other day only: `hw` cannot take the empty days and falls back
/// to Holt's linear trend (`exp`), which it says; another user's orders are not in it.
#[tokio::test]
async fn hw_falls_back_to_exp_on_empty_days() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let shop = app.register_user().await;
    let dates = history_dates(&app, &shop.token).await;
    let every_other: Vec<(String, f64)> = dates[dates.len() - 42..]
        .iter()
        .step_by(2)
        .map(|d| (d.clone(), 100.0))
        .collect();
    seed(&app, &admin, shop.id, "alt", &every_other).await;
    let answer = forecast(&app, &shop.token, "days=7&method=hw&seasonality=none").await;
    assert_shape(&answer, 7, dates.last().unwrap());
    assert_eq!(answer["method"], "exp");
    assert_eq!(answer["seasonality"], "none");
    let history_total: f64 = answer["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| money(&d["revenue"]))
        .sum();
    assert_eq!(history_total, 2100.0);
    // Another user sees none of it.
    let other = app.register_user().await;
    let theirs = forecast(&app, &other.token, "days=7&method=hw").await;
    assert_eq!(theirs["method"], "exp");
    assert!(
        theirs["forecast"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| money(&p["revenue"]) == 0.0)
    );
}
