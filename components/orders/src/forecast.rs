//! `GET /orders/analytics/forecast` around the `forecast` crate's pure model: the query's
//! choices, and the answer `{days, method, seasonality, history, forecast, anomalies}`
//! built from the daily revenue series.

use chrono::NaiveDate;
use forecast::{Method, Request, Seasonality};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use service_kit::query::Query;
use service_kit::{ApiError, ApiResult, FieldError};

use crate::store::analytics::Day;

/// `method`, `seasonality` and `conf` of the query (each 422 when not one of its values),
/// for a forecast of `days` days.
pub fn request(query: &Query, days: i64) -> ApiResult<Request> {
    let method = match query.str("method").unwrap_or("auto") {
        "auto" => None,
        "linear" => Some(Method::Linear),
        "exp" => Some(Method::Exp),
        "hw" => Some(Method::Hw),
        _ => return Err(invalid("method", "must be auto, linear, exp or hw")),
    };
    let seasonality = match query.str("seasonality").unwrap_or("auto") {
        "auto" => Seasonality::Auto,
        "weekday" => Seasonality::Weekday,
        "none" => Seasonality::None,
        _ => return Err(invalid("seasonality", "must be auto, weekday or none")),
    };
    let z = query
        .str("conf")
        .map_or(Some(0.95), |v| v.trim().parse().ok())
        .and_then(forecast::z_for)
        .ok_or_else(|| invalid("conf", "must be 0.80, 0.95 or 0.99"))?;
    Ok(Request {
        method,
        seasonality,
        z,
        horizon: usize::try_from(days).unwrap_or(0),
    })
}

fn invalid(name: &str, msg: &str) -> ApiError {
    ApiError::invalid_field(FieldError::query(name, msg, "enum"))
}

/// The answer for `history` (oldest first, ending today).
pub fn answer(history: &[Day], request: &Request) -> ApiResult<Value> {
    let revenue: Vec<f64> = history
        .iter()
        .map(|day| day.revenue.amount().to_f64().unwrap_or(0.0))
        .collect();
    let result = forecast::forecast(&revenue, request);
    let last_day = history
        .last()
        .and_then(|day| NaiveDate::parse_from_str(&day.date, "%Y-%m-%d").ok())
        .ok_or_else(|| ApiError::internal("history without days"))?;
    let forecast: Vec<_> = result
        .points
        .iter()
        .zip(last_day.iter_days().skip(1))
        .map(|(p, date)| {
            json!({
                "date": date.to_string(),
                "revenue": cents(p.value),
                "lower": cents(p.lower),
                "upper": cents(p.upper),
            })
        })
        .collect();
    let anomalies: Vec<_> = result
        .anomalies
        .iter()
        .map(|a| {
            let day = &history[a.day];
            json!({
                "date": day.date,
                "revenue": day.revenue,
                "z": (a.z * 100.0).round() / 100.0,
            })
        })
        .collect();
    let history: Vec<_> = history
        .iter()
        .map(|day| json!({ "date": day.date, "revenue": day.revenue }))
        .collect();
    Ok(json!({
        "days": request.horizon,
        "method": result.method.as_str(),
        "seasonality": if result.weekly { "weekday" } else { "none" },
        "history": history,
        "forecast": forecast,
        "anomalies": anomalies,
    }))
}

/// An estimate shown like money: a string with two places.
fn cents(value: f64) -> String {
    format!("{value:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> ApiResult<Request> {
        request(&Query::parse(query), 7)
    }

    #[test]
    fn defaults_are_auto_and_95_percent() {
        let r = parsed("").unwrap();
        assert_eq!(
            (r.method, r.seasonality, r.z, r.horizon),
            (None, Seasonality::Auto, 1.96, 7)
        );
        let r = parsed("method=hw&seasonality=none&conf=0.8").unwrap();
        assert_eq!(
            (r.method, r.seasonality, r.z),
            (Some(Method::Hw), Seasonality::None, 1.282)
        );
        assert_eq!(parsed("conf=0.99").unwrap().z, 2.576);
    }

    #[test]
    fn anything_else_is_a_422_naming_the_parameter() {
        for (query, name) in [
            ("method=magic", "method"),
            ("seasonality=monthly", "seasonality"),
            ("conf=0.9", "conf"),
            ("conf=high", "conf"),
            ("conf=95", "conf"),
        ] {
            let error = parsed(query).unwrap_err();
            assert_eq!(error.status, 422, "{query}");
            assert_eq!(error.detail[0]["loc"], json!(["query", name]), "{query}");
        }
    }
}
