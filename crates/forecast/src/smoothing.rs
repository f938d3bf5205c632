//! Holt's linear trend and Holt-Winters (additive trend, multiplicative season), in the
//! recursions and with the starting states of statsmodels' `ExponentialSmoothing`
//! (`trend="add"`, `seasonal="mul"`, `seasonal_periods=7`), so that its results check
//! ours (`tests/statsmodels.rs`). For observation t, with season factor s (1 for Holt):
//!
//! ```text
//! one-step forecast  ŷ_t   = (l + b)·s_t
//! level              l'    = α·y_t/s_t + (1 − α)(l + b)
//! trend              b'    = β(l' − l) + (1 − β)b
//! season             s_t+m = γ·y_t/(l + b) + (1 − γ)s_t
//! h days ahead             = (l_n + h·b_n)·s_(latest factor of that weekday)
//! ```
//!
//! The starting states are statsmodels' simple initialisation (Hyndman & Athanasopoulos,
//! FPP §7.6): Holt starts at l = y₀, b = y₁ − y₀; Holt-Winters at l = the first week's
//! mean, b = the mean of (y_(t+7) − y_t)/7 over the first week, s_t = y_t/l. α, β and γ
//! minimise the sum of squared one-step errors under statsmodels' constraints
//! 0 ≤ β ≤ α ≤ 1 and 0 ≤ γ ≤ 1 − α.

use crate::optimize::minimize;

pub const WEEK: usize = 7;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub alpha: f64,
    pub beta: f64,
    /// Unused by Holt's model.
    pub gamma: f64,
}

/// The states before the first observation; `season` is empty for Holt's model.
#[derive(Debug, Clone, PartialEq)]
pub struct States {
    pub level: f64,
    pub trend: f64,
    pub season: Vec<f64>,
}

impl States {
    /// Holt's start; `None` under two observations.
    pub fn holt(y: &[f64]) -> Option<States> {
        let (&y0, &y1) = (y.first()?, y.get(1)?);
        Some(States {
            level: y0,
            trend: y1 - y0,
            season: Vec::new(),
        })
    }

    /// Holt-Winters' start; `None` under two full weeks or with a day that is not
    /// positive (a multiplicative season cannot hold a zero).
    pub fn holt_winters(y: &[f64]) -> Option<States> {
        if y.len() < 2 * WEEK || y.iter().any(|v| *v <= 0.0) {
            return None;
        }
        let level = y[..WEEK].iter().sum::<f64>() / WEEK as f64;
        let trend = (0..WEEK)
            .map(|t| (y[t + WEEK] - y[t]) / WEEK as f64)
            .sum::<f64>()
            / WEEK as f64;
        Some(States {
            level,
            trend,
            season: y[..WEEK].iter().map(|v| v / level).collect(),
        })
    }
}

/// The smoothing run over a history: the one-step forecasts and the final states.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub fitted: Vec<f64>,
    /// The final states; `season[t % m]` is the latest factor of observation t's weekday.
    pub end: States,
}

pub fn run(y: &[f64], start: &States, p: Params) -> Run {
    let m = start.season.len();
    let States {
        mut level,
        mut trend,
        mut season,
    } = start.clone();
    let mut fitted = Vec::with_capacity(y.len());
    for (t, &yt) in y.iter().enumerate() {
        let base = level + trend;
        let factor = if m == 0 { 1.0 } else { season[t % m] };
        fitted.push(base * factor);
        let next = p.alpha * yt / factor + (1.0 - p.alpha) * base;
        trend = p.beta * (next - level) + (1.0 - p.beta) * trend;
        level = next;
        if m > 0 {
            season[t % m] = p.gamma * yt / base + (1.0 - p.gamma) * factor;
        }
    }
    Run {
        fitted,
        end: States {
            level,
            trend,
            season,
        },
    }
}

impl Run {
    /// The value `h` ≥ 1 days after the `n` observations the run saw.
    pub fn predict(&self, n: usize, h: usize) -> f64 {
        let States {
            level,
            trend,
            season,
        } = &self.end;
        let factor = if season.is_empty() {
            1.0
        } else {
            season[(n + h - 1) % season.len()]
        };
        (level + trend * h as f64) * factor
    }
}

pub fn sse(y: &[f64], fitted: &[f64]) -> f64 {
    y.iter().zip(fitted).map(|(y, f)| (y - f).powi(2)).sum()
}

/// A fitted model: its parameters, start and run.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub params: Params,
    pub start: States,
    pub run: Run,
}

/// α, β and (with a season) γ that minimise the squared one-step errors from `start`.
pub fn fit(y: &[f64], start: States) -> Fit {
    let seasonal = !start.season.is_empty();
    // The unit box maps onto the constrained region: β = u₁·α, γ = u₂·(1 − α).
    let params = |u: &[f64]| Params {
        alpha: u[0],
        beta: u[1] * u[0],
        gamma: u.get(2).map_or(0.0, |g| g * (1.0 - u[0])),
    };
    let best = minimize(if seasonal { 3 } else { 2 }, |u| {
        sse(y, &run(y, &start, params(u)).fitted)
    });
    let params = params(&best);
    Fit {
        params,
        run: run(y, &start, params),
        start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// y = 10, 14, 12 with α = β = 0.5 from l = 10, b = 4: ŷ₀ = 14 (error −4), l = 12,
    /// b = 0.5·2 + 0.5·4 = 3; ŷ₁ = 15 (error −1), l = 14.5, b = 0.5·2.5 + 1.5 = 2.75;
    /// ŷ₂ = 17.25, l = 0.5·12 + 0.5·17.25 = 14.625, b = 0.5·0.125 + 1.375 = 1.4375.
    #[test]
    fn holt_by_hand() {
        let y = [10.0, 14.0, 12.0];
        let start = States::holt(&y).unwrap();
        let p = Params {
            alpha: 0.5,
            beta: 0.5,
            gamma: 0.0,
        };
        let r = run(&y, &start, p);
        assert_eq!(r.fitted, vec![14.0, 15.0, 17.25]);
        assert!(close(r.end.level, 14.625) && close(r.end.trend, 1.4375));
        assert!(close(r.predict(3, 2), 14.625 + 2.0 * 1.4375));
    }

    /// A season that repeats exactly with a steady trend is continued exactly, every
    /// weekday with its own factor (the 7th day ahead included).
    #[test]
    fn holt_winters_continues_a_clean_weekly_pattern() {
        let pattern = [1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 1.0];
        let level = |t: usize| 100.0 + 2.0 * t as f64;
        // With a trend the first week's mean is not the level at its start, so the
        // exactly continued series is level(t)·pattern, fitted from a matching start.
        let y: Vec<f64> = (0..28).map(|t| level(t) * pattern[t % 7]).collect();
        let start = States {
            level: level(0) - 2.0,
            trend: 2.0,
            season: pattern.to_vec(),
        };
        let p = Params {
            alpha: 0.3,
            beta: 0.1,
            gamma: 0.2,
        };
        let r = run(&y, &start, p);
        for (f, y) in r.fitted.iter().zip(&y) {
            assert!((f - y).abs() < 1e-9, "{f} != {y}");
        }
        for h in 1..=14 {
            let t = 28 + h - 1;
            assert!((r.predict(28, h) - level(t) * pattern[t % 7]).abs() < 1e-9);
        }
    }

    #[test]
    fn holt_winters_needs_two_positive_weeks() {
        assert!(States::holt_winters(&[5.0; 13]).is_none());
        let mut y = [5.0; 14];
        assert!(States::holt_winters(&y).is_some());
        y[9] = 0.0;
        assert!(States::holt_winters(&y).is_none());
    }

    #[test]
    fn the_start_is_statsmodels_simple_one() {
        let y: Vec<f64> = (1..=14).map(f64::from).collect();
        let s = States::holt_winters(&y).unwrap();
        assert!(close(s.level, 4.0) && close(s.trend, 1.0));
        assert!(close(s.season[0], 0.25) && close(s.season[6], 1.75));
    }

    #[test]
    fn fitting_beats_fixed_parameters_and_keeps_the_constraints() {
        let y: Vec<f64> = (0..60)
            .map(|t| 50.0 + t as f64 + if t % 3 == 0 { 6.0 } else { -3.0 })
            .collect();
        let start = States::holt(&y).unwrap();
        let fitted = fit(&y, start.clone());
        let p = fitted.params;
        assert!(0.0 <= p.beta && p.beta <= p.alpha && p.alpha <= 1.0);
        let fixed = Params {
            alpha: 0.5,
            beta: 0.3,
            gamma: 0.0,
        };
        assert!(sse(&y, &fitted.run.fitted) < sse(&y, &run(&y, &start, fixed).fitted));
    }
}
