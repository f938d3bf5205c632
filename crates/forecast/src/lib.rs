//! Revenue forecasting from a daily series: pure arithmetic, no I/O.
//!
//! - `linear`: a least-squares line ([`linear`]); band `ŷ ± z·σ·√(1 + 1/n + (x − x̄)²/Sxx)`.
//! - `exp`: Holt's linear trend, `hw`: Holt-Winters with a multiplicative weekly season
//!   ([`smoothing`], as statsmodels' `ExponentialSmoothing` computes and fits them), the
//!   smoothing parameters and starting states fitted together by least squares; band
//!   `ŷ ± z·σ·√h`, σ the root mean square one-step error.
//!   `hw` needs two weeks of history without a day at zero (a multiplicative season cannot
//!   hold a zero); otherwise it falls back to `exp` and says so in [`Forecast::method`].
//! - Weekday seasonality ([`weekday`]) for `linear` and `exp`: the model is fitted to the
//!   series divided by each weekday's factor, and its fitted values and forecast (band
//!   included) are multiplied by it again. `hw` has its own weekly season instead.
//! - `auto`: `hw` when weekday seasonality applies; else `linear` when the history has a
//!   real steady trend (the slope at least two standard errors from zero), else `exp`.
//!
//! The series starts at its first day with revenue: the days before it are before there
//! was anything to sell, not days without sales. Revenue cannot be negative, so every
//! forecast value is floored at 0. Floats are fine here: this is an estimate, not an
//! amount of money that is charged.

pub mod anomalies;
mod dual;
mod initial;
pub mod linear;
mod optimize;
pub mod smoothing;
pub mod weekday;

use anomalies::Anomaly;
use linear::linear_fit;
use smoothing::States;
use weekday::Factors;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Linear,
    Exp,
    Hw,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Linear => "linear",
            Method::Exp => "exp",
            Method::Hw => "hw",
        }
    }
}

/// Whether to apply weekday factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seasonality {
    /// When the history has four weeks whose weekdays differ by more than 10 %.
    Auto,
    Weekday,
    None,
}

/// The z of a two-sided normal band for the confidence levels offered.
pub fn z_for(confidence: f64) -> Option<f64> {
    [(0.80, 1.282), (0.95, 1.96), (0.99, 2.576)]
        .into_iter()
        .find(|(level, _)| *level == confidence)
        .map(|(_, z)| z)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// `None`: auto.
    pub method: Option<Method>,
    pub seasonality: Seasonality,
    pub z: f64,
    pub horizon: usize,
}

/// One forecast day: the expected value and its band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The method used: `auto` resolved, `hw` possibly fallen back to `exp`.
    pub method: Method,
    /// Whether the forecast follows a weekly pattern (weekday factors, or `hw`'s season).
    pub weekly: bool,
    pub points: Vec<Point>,
    /// Days indexed into the history given.
    pub anomalies: Vec<Anomaly>,
}

pub fn forecast(history: &[f64], request: &Request) -> Forecast {
    let start = history
        .iter()
        .position(|v| *v > 0.0)
        .unwrap_or(history.len());
    let y = &history[start..];
    let factors = match request.seasonality {
        Seasonality::Auto => Factors::auto(y),
        Seasonality::Weekday => Factors::of(y),
        Seasonality::None => None,
    };
    let method = request.method.unwrap_or(if factors.is_some() {
        Method::Hw
    } else if linear_fit(y).has_trend() {
        Method::Linear
    } else {
        Method::Exp
    });
    let (method, factors, model) = match States::holt_winters(y).filter(|_| method == Method::Hw) {
        Some(start) => (Method::Hw, None, smoothed(y, start, request)),
        None => {
            let method = if method == Method::Hw {
                Method::Exp
            } else {
                method
            };
            let adjusted = factors.map_or_else(|| y.to_vec(), |f| f.adjust(y));
            (method, factors, fit(method, &adjusted, request))
        }
    };
    let f = factors.unwrap_or(Factors::NONE);
    let fitted: Vec<f64> = model
        .fitted
        .iter()
        .enumerate()
        .map(|(t, v)| v * f.at(t))
        .collect();
    let points = model
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let factor = f.at(y.len() + i);
            Point {
                value: (p.value * factor).max(0.0),
                lower: (p.lower * factor).max(0.0),
                upper: (p.upper * factor).max(0.0),
            }
        })
        .collect();
    let anomalies = anomalies::anomalies(y, &fitted)
        .into_iter()
        .map(|a| Anomaly {
            day: a.day + start,
            ..a
        })
        .collect();
    Forecast {
        method,
        weekly: method == Method::Hw || factors.is_some(),
        points,
        anomalies,
    }
}

/// A model's one-step fitted values and its forecast, before weekday factors and floors.
struct Model {
    fitted: Vec<f64>,
    points: Vec<Point>,
}

fn band(value: f64, half: f64) -> Point {
    Point {
        value,
        lower: value - half,
        upper: value + half,
    }
}

fn fit(method: Method, y: &[f64], request: &Request) -> Model {
    match States::holt(y).filter(|_| method != Method::Linear) {
        Some(start) => smoothed(y, start, request),
        // A line through fewer than two days is flat, as Holt's would be.
        None => {
            let line = linear_fit(y);
            Model {
                fitted: (0..y.len()).map(|t| line.at(t)).collect(),
                points: (1..=request.horizon)
                    .map(|h| band(line.at(y.len() + h - 1), line.half_width(h, request.z)))
                    .collect(),
            }
        }
    }
}

fn smoothed(y: &[f64], start: States, request: &Request) -> Model {
    let fit = smoothing::fit(y, start);
    let sigma = (smoothing::sse(y, &fit.run.fitted) / y.len() as f64).sqrt();
    Model {
        points: (1..=request.horizon)
            .map(|h| {
                band(
                    fit.run.predict(y.len(), h),
                    request.z * sigma * (h as f64).sqrt(),
                )
            })
            .collect(),
        fitted: fit.run.fitted,
    }
}

#[cfg(test)]
mod tests;
