//! The choices of [`forecast`]: methods, fallbacks, seasonality, bands, anomalies.

use super::*;

const PATTERN: [f64; 7] = [1.5, 1.2, 1.0, 0.9, 0.8, 0.6, 1.0];

/// Equal up to rounding: the unit tests' worked examples are exact to far below this.
pub(crate) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn request(method: Option<Method>, seasonality: Seasonality) -> Request {
    Request {
        method,
        seasonality,
        z: 1.96,
        horizon: 14,
    }
}

/// A steady weekly pattern on a slow rise, with a small deterministic wobble.
fn weekly(n: usize) -> Vec<f64> {
    (0..n)
        .map(|t| (100.0 + t as f64) * PATTERN[t % 7] + [3.0, -2.0, 1.0, -1.0][t % 4])
        .collect()
}

fn values(f: &Forecast) -> Vec<f64> {
    f.points.iter().map(|p| p.value).collect()
}

#[test]
fn auto_picks_hw_for_a_weekly_pattern_and_follows_it() {
    let y = weekly(56);
    let f = forecast(&y, &request(None, Seasonality::Auto));
    assert_eq!((f.method, f.weekly), (Method::Hw, true));
    // Day 56 is a weekday of factor 1.5, day 61 one of 0.6.
    let v = values(&f);
    assert!(v[0] > 1.8 * v[5], "{v:?}");
}

#[test]
fn auto_without_a_pattern_picks_linear_for_a_trend_and_exp_otherwise() {
    let line: Vec<f64> = (0..40).map(|t| 10.0 + 2.0 * t as f64).collect();
    let f = forecast(&line, &request(None, Seasonality::Auto));
    assert_eq!((f.method, f.weekly), (Method::Linear, false));
    assert!((f.points[0].value - 90.0).abs() < 1e-9);
    let noise: Vec<f64> = (0..40).map(|t| [50.0, 55.0, 45.0][t % 3]).collect();
    assert_eq!(
        forecast(&noise, &request(None, Seasonality::Auto)).method,
        Method::Exp
    );
    // A weekly pattern but seasonality `none`: no hw.
    let y = weekly(56);
    let f = forecast(&y, &request(None, Seasonality::None));
    assert!(!f.weekly && f.method != Method::Hw);
}

/// Zeros cannot take a multiplicative season: `hw` falls back to Holt's linear trend, and
/// keeps the weekly pattern through weekday factors when seasonality applies.
#[test]
fn hw_falls_back_to_exp_on_a_history_with_zeros() {
    let mut y = weekly(56);
    y[20] = 0.0;
    let f = forecast(&y, &request(Some(Method::Hw), Seasonality::Auto));
    assert_eq!((f.method, f.weekly), (Method::Exp, true));
    let v = values(&f);
    assert!(v[0] > 1.8 * v[5], "{v:?}");
    let auto = forecast(&y, &request(None, Seasonality::Auto));
    assert_eq!((auto.method, auto.weekly), (Method::Exp, true));
    let plain = forecast(&y, &request(Some(Method::Hw), Seasonality::None));
    assert_eq!((plain.method, plain.weekly), (Method::Exp, false));
}

#[test]
fn hw_falls_back_to_exp_under_two_weeks() {
    let y = weekly(13);
    let f = forecast(&y, &request(Some(Method::Hw), Seasonality::Auto));
    assert_eq!((f.method, f.weekly), (Method::Exp, false));
    let f = forecast(&weekly(14), &request(Some(Method::Hw), Seasonality::None));
    assert_eq!((f.method, f.weekly), (Method::Hw, true));
}

/// `weekday` applies the factors even where `auto` would not (under 28 days), to every
/// method; `linear` then continues the line times each weekday's factor.
#[test]
fn weekday_factors_apply_to_every_method() {
    let y: Vec<f64> = (0..21).map(|t| 100.0 * PATTERN[t % 7]).collect();
    assert!(!forecast(&y, &request(None, Seasonality::Auto)).weekly);
    for method in [Method::Linear, Method::Exp] {
        let f = forecast(&y, &request(Some(method), Seasonality::Weekday));
        assert_eq!((f.method, f.weekly), (method, true));
        // The series is exactly the pattern, so the forecast is too, band of width 0.
        for (h, p) in f.points.iter().enumerate() {
            let expected = 100.0 * PATTERN[(21 + h) % 7];
            assert!((p.value - expected).abs() < 1e-6, "{method:?} {h}: {p:?}");
            assert!((p.upper - p.lower).abs() < 1e-6);
        }
    }
}

#[test]
fn confidence_scales_the_band() {
    let y = weekly(56);
    let half = |z: f64| {
        let f = forecast(
            &y,
            &Request {
                z,
                ..request(Some(Method::Linear), Seasonality::None)
            },
        );
        f.points[0].upper - f.points[0].value
    };
    assert_eq!(z_for(0.80), Some(1.282));
    assert_eq!(z_for(0.95), Some(1.96));
    assert_eq!(z_for(0.99), Some(2.576));
    assert_eq!(z_for(0.9), None);
    assert!((half(2.576) / half(1.282) - 2.576 / 1.282).abs() < 1e-9);
}

#[test]
fn values_are_floored_at_zero() {
    let f = forecast(
        &[30.0, 20.0, 10.0],
        &request(Some(Method::Linear), Seasonality::None),
    );
    let last = f.points[13];
    assert_eq!((last.value, last.lower, last.upper), (0.0, 0.0, 0.0));
    for method in [Method::Exp, Method::Hw] {
        let falling: Vec<f64> = (0..28).map(|t| 280.0 - 10.0 * t as f64).collect();
        let f = forecast(&falling, &request(Some(method), Seasonality::None));
        assert!(f.points.iter().all(|p| p.lower >= 0.0 && p.value >= 0.0));
    }
}

/// Days before the first revenue are not part of the series: 45 empty days then a clean
/// weekly pattern is forecast as the pattern alone would be, and a spike's index counts
/// from the start of the history given.
#[test]
fn leading_empty_days_are_left_out() {
    let y = weekly(45);
    let mut padded = vec![0.0; 45];
    padded.extend(&y);
    let req = request(Some(Method::Hw), Seasonality::None);
    assert_eq!(forecast(&padded, &req).points, forecast(&y, &req).points);
    let mut spiked = padded.clone();
    spiked[85] *= 4.0;
    let f = forecast(&spiked, &req);
    assert_eq!(f.anomalies.len(), 1, "{:?}", f.anomalies);
    assert_eq!(f.anomalies[0].day, 85);
    assert!(f.anomalies[0].z >= anomalies::THRESHOLD);
}

#[test]
fn short_histories_do_not_break() {
    let none = forecast(&[], &request(None, Seasonality::Auto));
    assert!(none.points.iter().all(|p| *p
        == Point {
            value: 0.0,
            lower: 0.0,
            upper: 0.0
        }));
    assert!(none.anomalies.is_empty());
    for method in [
        None,
        Some(Method::Exp),
        Some(Method::Hw),
        Some(Method::Linear),
    ] {
        let f = forecast(&[0.0, 5.0], &request(method, Seasonality::Weekday));
        assert_eq!(f.points.len(), 14);
        assert!((f.points[0].value - 5.0).abs() < 1e-9, "{method:?}");
    }
}
