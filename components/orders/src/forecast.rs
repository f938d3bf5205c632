//! Revenue forecasting from a daily series: pure arithmetic, no I/O.
//!
//! - `linear`: an ordinary least-squares line through the history, extended; the band is
//!   the textbook prediction interval `ŷ ± z·σ·√(1 + 1/n + (x − x̄)²/Sxx)`, σ² = SSE/(n − 2).
//! - `exp`: Holt's double exponential smoothing (level and trend, α = 0.5, β = 0.3), which
//!   follows recent changes; the band is `ŷ ± z·σ·√h`, σ the root mean square of the
//!   one-step-ahead errors.
//! - `auto`: `linear` when the history has a real steady trend (the slope is at least two
//!   standard errors from zero), else `exp`.
//!
//! z = 1.96 (a 95 % band for normal residuals). Revenue cannot be negative, so every value
//! is floored at 0. Floats are fine here: this is an estimate, not an amount of money that
//! is charged.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Linear,
    Exp,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Linear => "linear",
            Method::Exp => "exp",
        }
    }
}

/// One forecast day: the expected value and its band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

const Z: f64 = 1.96;
pub const ALPHA: f64 = 0.5;
pub const BETA: f64 = 0.3;
/// |slope| / standard error at or above which a trend counts as real.
const TREND_T: f64 = 2.0;

/// A least-squares line over x = 0, 1, …, n − 1.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearFit {
    pub intercept: f64,
    pub slope: f64,
    pub sigma: f64,
    n: usize,
    x_mean: f64,
    sxx: f64,
}

pub fn linear_fit(y: &[f64]) -> LinearFit {
    let n = y.len();
    if n == 0 {
        return LinearFit {
            intercept: 0.0,
            slope: 0.0,
            sigma: 0.0,
            n,
            x_mean: 0.0,
            sxx: 0.0,
        };
    }
    let nf = n as f64;
    let x_mean = (nf - 1.0) / 2.0;
    let y_mean = y.iter().sum::<f64>() / nf;
    let (sxx, sxy) = y
        .iter()
        .enumerate()
        .fold((0.0, 0.0), |(sxx, sxy), (x, yi)| {
            let dx = x as f64 - x_mean;
            (sxx + dx * dx, sxy + dx * (yi - y_mean))
        });
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let intercept = y_mean - slope * x_mean;
    let sse: f64 = y
        .iter()
        .enumerate()
        .map(|(x, yi)| (yi - (intercept + slope * x as f64)).powi(2))
        .sum();
    let sigma = if n > 2 {
        (sse / (nf - 2.0)).sqrt()
    } else {
        0.0
    };
    LinearFit {
        intercept,
        slope,
        sigma,
        n,
        x_mean,
        sxx,
    }
}

impl LinearFit {
    /// The value `h` days after the last one (h ≥ 1).
    pub fn predict(&self, h: usize) -> Point {
        let x = (self.n + h - 1) as f64;
        let value = self.intercept + self.slope * x;
        let leverage = if self.sxx > 0.0 {
            (x - self.x_mean).powi(2) / self.sxx
        } else {
            0.0
        };
        let half = Z * self.sigma * (1.0 + 1.0 / self.n.max(1) as f64 + leverage).sqrt();
        Point {
            value,
            lower: value - half,
            upper: value + half,
        }
    }

    /// Whether the slope is a real trend rather than noise.
    fn has_trend(&self) -> bool {
        if self.sxx == 0.0 {
            return false;
        }
        let standard_error = self.sigma / self.sxx.sqrt();
        if standard_error == 0.0 {
            self.slope != 0.0
        } else {
            (self.slope / standard_error).abs() >= TREND_T
        }
    }
}

/// Holt's smoothing, started from level y₀ and trend y₁ − y₀.
#[derive(Debug, Clone, PartialEq)]
pub struct HoltFit {
    pub level: f64,
    pub trend: f64,
    pub sigma: f64,
}

pub fn holt_fit(y: &[f64], alpha: f64, beta: f64) -> HoltFit {
    let (Some(&first), Some(&second)) = (y.first(), y.get(1)) else {
        return HoltFit {
            level: y.first().copied().unwrap_or(0.0),
            trend: 0.0,
            sigma: 0.0,
        };
    };
    let (mut level, mut trend) = (first, second - first);
    let mut squared_errors = Vec::new();
    for (t, &yt) in y.iter().enumerate().skip(1) {
        let expected = level + trend;
        // The start makes step 1 exact by construction, so its error says nothing.
        if t >= 2 {
            squared_errors.push((yt - expected).powi(2));
        }
        let previous = level;
        level = alpha * yt + (1.0 - alpha) * expected;
        trend = beta * (level - previous) + (1.0 - beta) * trend;
    }
    let sigma = if squared_errors.is_empty() {
        0.0
    } else {
        (squared_errors.iter().sum::<f64>() / squared_errors.len() as f64).sqrt()
    };
    HoltFit {
        level,
        trend,
        sigma,
    }
}

impl HoltFit {
    pub fn predict(&self, h: usize) -> Point {
        let value = self.level + self.trend * h as f64;
        let half = Z * self.sigma * (h as f64).sqrt();
        Point {
            value,
            lower: value - half,
            upper: value + half,
        }
    }
}

/// `horizon` days after `history` by `method` (`None` = auto), floored at 0, and the
/// method used.
pub fn forecast(history: &[f64], horizon: usize, method: Option<Method>) -> (Method, Vec<Point>) {
    let linear = linear_fit(history);
    let method = method.unwrap_or(if linear.has_trend() {
        Method::Linear
    } else {
        Method::Exp
    });
    let holt = holt_fit(history, ALPHA, BETA);
    let points = (1..=horizon)
        .map(|h| match method {
            Method::Linear => linear.predict(h),
            Method::Exp => holt.predict(h),
        })
        .map(|p| Point {
            value: p.value.max(0.0),
            lower: p.lower.max(0.0),
            upper: p.upper.max(0.0),
        })
        .collect();
    (method, points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn assert_point(p: Point, value: f64, half: f64) {
        assert!(close(p.value, value), "value {} != {value}", p.value);
        assert!(
            close(p.upper - p.value, half),
            "half {} != {half}",
            p.upper - p.value
        );
        assert!(
            close(p.value - p.lower, half),
            "half {} != {half}",
            p.value - p.lower
        );
    }

    /// y = 1, 3, 2, 4 by hand: x̄ = 1.5, ȳ = 2.5, Sxx = 5, Sxy = 4, so slope 0.8 and
    /// intercept 1.3; fitted 1.3, 2.1, 2.9, 3.7; residuals −0.3, 0.9, −0.9, 0.3; SSE 1.8;
    /// σ² = 1.8 / 2 = 0.9. At x = 4: 1.3 + 3.2 = 4.5, and √(1 + 1/4 + 2.5²/5) = √2.5, so the
    /// half-width is 1.96 · √(0.9 · 2.5) = 1.96 · 1.5 = 2.94.
    #[test]
    fn linear_by_hand() {
        let fit = linear_fit(&[1.0, 3.0, 2.0, 4.0]);
        assert!(close(fit.slope, 0.8) && close(fit.intercept, 1.3));
        assert!(close(fit.sigma, 0.9f64.sqrt()));
        assert_point(fit.predict(1), 4.5, 2.94);
        // x = 5: 1.3 + 4 = 5.3; √(1 + 0.25 + 3.5²/5) = √3.7.
        assert_point(fit.predict(2), 5.3, 1.96 * (0.9f64 * 3.7).sqrt());
    }

    /// y = 10, 14, 12 with α = β = 0.5: start level 10, trend 4. Step 1 expects 14 (exact):
    /// level 14, trend 4. Step 2 expects 18, error −6: level 0.5·12 + 0.5·18 = 15, trend
    /// 0.5·(15 − 14) + 0.5·4 = 2.5. σ = 6. Forecast h: 15 + 2.5h ± 1.96·6·√h.
    #[test]
    fn holt_by_hand() {
        let fit = holt_fit(&[10.0, 14.0, 12.0], 0.5, 0.5);
        assert_eq!(
            fit,
            HoltFit {
                level: 15.0,
                trend: 2.5,
                sigma: 6.0
            }
        );
        assert_point(fit.predict(1), 17.5, 11.76);
        assert_point(fit.predict(4), 25.0, 23.52);
    }

    #[test]
    fn a_perfect_line_is_continued_exactly_by_both() {
        let y = [10.0, 12.0, 14.0, 16.0];
        let (method, points) = forecast(&y, 2, None);
        assert_eq!(method, Method::Linear);
        assert_point(points[0], 18.0, 0.0);
        assert_point(points[1], 20.0, 0.0);
        let holt = holt_fit(&y, ALPHA, BETA);
        assert_point(holt.predict(2), 20.0, 0.0);
    }

    /// 1, 3, 2, 4: the slope 0.8 has standard error √0.9 / √5 ≈ 0.424, t ≈ 1.89 < 2, so the
    /// trend is not trusted and auto picks Holt.
    #[test]
    fn auto_uses_holt_without_a_clear_trend() {
        assert_eq!(forecast(&[1.0, 3.0, 2.0, 4.0], 1, None).0, Method::Exp);
        assert_eq!(
            forecast(&[1.0, 3.0, 2.0, 4.0], 1, Some(Method::Linear)).0,
            Method::Linear
        );
    }

    #[test]
    fn values_are_floored_at_zero() {
        let (_, points) = forecast(&[30.0, 20.0, 10.0], 5, Some(Method::Linear));
        assert_eq!(
            points[4],
            Point {
                value: 0.0,
                lower: 0.0,
                upper: 0.0
            }
        );
    }

    #[test]
    fn short_histories_do_not_break() {
        assert_eq!(
            forecast(&[], 2, None).1,
            vec![
                Point {
                    value: 0.0,
                    lower: 0.0,
                    upper: 0.0
                };
                2
            ]
        );
        let (_, points) = forecast(&[5.0], 1, None);
        assert_point(points[0], 5.0, 0.0);
    }
}
