//! Holt's linear trend and Holt-Winters (additive trend, multiplicative season), in the
//! recursions and with the fit of statsmodels' `ExponentialSmoothing` (`trend="add"`,
//! `seasonal="mul"`, `seasonal_periods=7`), so that its results check ours
//! (`tests/statsmodels.rs`). For observation t, with season factor s (1 for Holt):
//!
//! ```text
//! one-step forecast  ŷ_t   = (l + b)·s_t
//! level              l'    = α·y_t/s_t + (1 − α)(l + b)
//! trend              b'    = β(l' − l) + (1 − β)b
//! season             s_t+m = γ·y_t/(l + b) + (1 − γ)s_t
//! h days ahead             = (l_n + h·b_n)·s_(latest factor of that weekday)
//! ```
//!
//! The fit is statsmodels' default one (`initialization_method="estimated"`): α, β, γ
//! and the starting states l, b, s together minimise the sum of squared one-step errors,
//! from the start of [`crate::initial`], under statsmodels' bounds and constraints:
//! √ε ≤ α ≤ 1 − √ε, 0 ≤ β ≤ α, 0 ≤ γ ≤ 1 − α, and with a season l ≥ 0 and s ≥ 0.
//! Scaling the season by c and l, b by 1/c leaves every forecast unchanged, so the fitted
//! season is scaled to a mean of 1, as statsmodels' heuristic start is.

use crate::dual::{Dual, Scalar};
use crate::optimize::{self, Bounds, Normal, Stop};

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

/// What one pass of the recursions takes, over `f64` or, for the fit's derivatives, [`Dual`].
struct Model<T> {
    /// α, β, γ.
    params: [T; 3],
    level: T,
    trend: T,
    season: Vec<T>,
}

/// …and what it gives: the one-step forecasts and the final states.
struct Path<T> {
    fitted: Vec<T>,
    end: Model<T>,
}

fn smooth<T: Scalar>(y: &[f64], model: Model<T>) -> Path<T> {
    let Model {
        params: [alpha, beta, gamma],
        mut level,
        mut trend,
        mut season,
    } = model;
    let one = T::from(1.0);
    let m = season.len();
    let mut fitted = Vec::with_capacity(y.len());
    for (t, &yt) in y.iter().enumerate() {
        let yt = T::from(yt);
        let base = level + trend;
        let factor = if m == 0 { one } else { season[t % m] };
        fitted.push(base * factor);
        let next = alpha * yt / factor + (one - alpha) * base;
        trend = beta * (next - level) + (one - beta) * trend;
        level = next;
        if m > 0 {
            season[t % m] = gamma * yt / base + (one - gamma) * factor;
        }
    }
    Path {
        fitted,
        end: Model {
            params: [alpha, beta, gamma],
            level,
            trend,
            season,
        },
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
    let path = smooth(
        y,
        Model {
            params: [p.alpha, p.beta, p.gamma],
            level: start.level,
            trend: start.trend,
            season: start.season.clone(),
        },
    );
    Run {
        fitted: path.fitted,
        end: States {
            level: path.end.level,
            trend: path.end.trend,
            season: path.end.season,
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

/// statsmodels' bounds on α: [√ε, 1 − √ε] (`LOWER_BOUND` in its `_smoothers.py`).
const ALPHA_MIN: f64 = 1.490_116_119_384_765_6e-8;
/// The descents from every start stop once a step gains less than a millionth of the
/// squared error: enough to rank them. The best is then taken on to [`POLISH`]. Where
/// Gauss–Newton converges only linearly (large residuals), most steps go to the last
/// digits; the caps bound a request's time.
const EXPLORE: Stop = Stop {
    gain: 1e-6,
    iterations: 100,
};
/// statsmodels' L-BFGS-B stops at a relative change of 2.2e-9 (SciPy's `ftol`).
const POLISH: Stop = Stop {
    gain: 1e-10,
    iterations: 500,
};

/// The vector the fit moves: (u_α, u_β[, u_γ], l, b[, s₀ … s₅]). The unit box of the u
/// maps onto the constrained region as in statsmodels: α = √ε + u_α(1 − 2√ε), β = u_β·α,
/// γ = u_γ(1 − α). The season's mean is held at 1, s₆ = 7 − (s₀ + … + s₅): the scale
/// it leaves out changes no forecast, and left free it is a flat direction the descent
/// wanders along.
struct Layout {
    /// 2 for Holt, 3 for Holt-Winters.
    smoothing: usize,
    /// 0 for Holt, 7 for Holt-Winters.
    season: usize,
}

impl Layout {
    fn of(start: &States) -> Layout {
        Layout {
            smoothing: if start.season.is_empty() { 2 } else { 3 },
            season: start.season.len(),
        }
    }

    fn len(&self) -> usize {
        self.smoothing + 2 + self.season.saturating_sub(1)
    }

    fn model<T: Scalar>(&self, x: &[T]) -> Model<T> {
        let (u, states) = x.split_at(self.smoothing);
        let alpha = T::from(ALPHA_MIN) + u[0] * T::from(1.0 - 2.0 * ALPHA_MIN);
        let gamma = u
            .get(2)
            .map_or(T::from(0.0), |&g| g * (T::from(1.0) - alpha));
        let mut season = states[2..].to_vec();
        if self.season > 0 {
            let rest = season.iter().fold(T::from(0.0), |sum, &s| sum + s);
            season.push(T::from(self.season as f64) - rest);
        }
        Model {
            params: [alpha, u[1] * alpha, gamma],
            level: states[0],
            trend: states[1],
            season,
        }
    }

    fn vector(&self, u: &[f64], start: &States) -> Vec<f64> {
        let start = normalised(start);
        let mut x = u.to_vec();
        x.extend([start.level, start.trend]);
        x.extend(start.season.iter().take(self.season.saturating_sub(1)));
        x
    }

    /// The box: u in [0, 1]; with a season l ≥ 0 and s ≥ 0 (s₆ ≥ 0 is checked by
    /// [`Layout::normal`]); b free.
    fn bounds(&self) -> Bounds {
        let (mut lower, mut upper) = (vec![0.0; self.len()], vec![f64::INFINITY; self.len()]);
        upper[..self.smoothing].fill(1.0);
        lower[self.smoothing + 1] = f64::NEG_INFINITY;
        if self.season == 0 {
            lower[self.smoothing] = f64::NEG_INFINITY;
        }
        Bounds { lower, upper }
    }

    fn sse(&self, y: &[f64], x: &[f64]) -> f64 {
        sse(y, &smooth(y, self.model(x)).fitted)
    }

    /// The squared one-step errors at `x` and their normal equations, the Jacobian exact
    /// by forward-mode derivatives through the recursions; `None` when s₆ < 0.
    fn normal(&self, y: &[f64], x: &[f64]) -> Option<Normal> {
        let duals: Vec<Dual> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| Dual::variable(v, i))
            .collect();
        let model = self.model(&duals);
        if model.season.last().is_some_and(|s| s.value < 0.0) {
            return None;
        }
        let mut normal = Normal::new(x.len());
        for (f, &yt) in smooth(y, model).fitted.iter().zip(y) {
            normal.add(&f.d[..x.len()], yt - f.value);
        }
        Some(normal)
    }
}

/// α, β, (with a season) γ and the starting states that minimise the squared one-step
/// errors, fitted from `start`. The descent starts from the best grid point of each α
/// (the start held) and from α = β = γ = 0 (a fixed trend and season), as statsmodels
/// starts from its best grid point alone; the starts guard against local minima. From
/// each, the states are fitted first with α, β, γ held, then everything together.
pub fn fit(y: &[f64], start: States) -> Fit {
    let layout = Layout::of(&start);
    let bounds = layout.bounds();
    let normal = |x: &[f64]| layout.normal(y, x);
    let mut starts = optimize::grid_best(layout.smoothing, |u| {
        layout.sse(y, &layout.vector(u, &start))
    });
    let fixed = vec![0.0; layout.smoothing];
    if !starts.contains(&fixed) {
        starts.push(fixed);
    }
    let (_, explored) = starts
        .into_iter()
        .map(|u| {
            let x = layout.vector(&u, &start);
            let (_, x) = optimize::least_squares(x, &bounds.holding(&u), EXPLORE, normal);
            optimize::least_squares(x, &bounds, EXPLORE, normal)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("the grid has points");
    let (_, x) = optimize::least_squares(explored, &bounds, POLISH, normal);
    let best = layout.model(&x);
    let [alpha, beta, gamma] = best.params;
    let params = Params { alpha, beta, gamma };
    let start = States {
        level: best.level,
        trend: best.trend,
        season: best.season,
    };
    Fit {
        params,
        run: run(y, &start, params),
        start,
    }
}

/// The season scaled to a mean of 1, the level and trend scaled against it: the same
/// forecasts (each season factor meets the level and trend only in their product).
fn normalised(states: &States) -> States {
    let mean = if states.season.is_empty() {
        1.0
    } else {
        states.season.iter().sum::<f64>() / states.season.len() as f64
    };
    States {
        level: states.level * mean,
        trend: states.trend * mean,
        season: states.season.iter().map(|s| s / mean).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::close;

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

    /// A weekly pattern on a noisy rise, for the fits below.
    fn weekly(n: usize) -> Vec<f64> {
        let pattern = [1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 1.0];
        (0..n)
            .map(|t| (80.0 + 1.5 * t as f64) * pattern[t % 7] + [4.0, -3.0, 1.0, -2.0, 5.0][t % 5])
            .collect()
    }

    /// The normal equations' Jᵀr is half the squared error's gradient: checked against
    /// central differences at a point inside the box, for every coordinate.
    #[test]
    fn the_derivatives_are_the_squared_errors_gradient() {
        let y = weekly(40);
        for (start, u) in [
            (States::holt_winters(&y).unwrap(), vec![0.3, 0.4, 0.2]),
            (States::holt(&y).unwrap(), vec![0.3, 0.4]),
        ] {
            let layout = Layout::of(&start);
            let x = layout.vector(&u, &start);
            let normal = layout.normal(&y, &x).unwrap();
            assert!((normal.sse - layout.sse(&y, &x)).abs() < 1e-9 * normal.sse);
            for i in 0..x.len() {
                let h = 1e-6 * x[i].abs().max(1.0);
                let at = |d: f64| {
                    let mut x = x.clone();
                    x[i] += d;
                    layout.sse(&y, &x)
                };
                let numeric = (at(h) - at(-h)) / (2.0 * h);
                let exact = 2.0 * normal.jtr()[i];
                assert!(
                    (numeric - exact).abs() <= 1e-5 * exact.abs().max(1.0),
                    "{i}: {numeric} vs {exact}"
                );
            }
        }
    }

    /// A clean trend times a weekly season is fitted exactly (no smoothing needed) from the
    /// heuristic start, which is off: the starting states are fitted, not just α, β, γ.
    #[test]
    fn the_starting_states_are_fitted() {
        let pattern = [1.3, 1.1, 1.0, 1.0, 0.9, 0.8, 0.9];
        let y: Vec<f64> = (0..42)
            .map(|t| (100.0 + 2.0 * t as f64) * pattern[t % 7])
            .collect();
        let start = States::holt_winters(&y).unwrap();
        assert!(
            sse(
                &y,
                &run(
                    &y,
                    &start,
                    Params {
                        alpha: 0.1,
                        beta: 0.0,
                        gamma: 0.0
                    }
                )
                .fitted
            ) > 1.0
        );
        let fitted = fit(&y, start);
        let squares: f64 = y.iter().map(|v| v * v).sum();
        assert!(sse(&y, &fitted.run.fitted) < 1e-12 * squares);
        // The season as given has a mean of 1: the level before day 0 is 100 − 2.
        let mean = pattern.iter().sum::<f64>() / 7.0;
        let s = &fitted.start;
        assert!(
            (s.level - 98.0 * mean).abs() < 1e-4 && (s.trend - 2.0 * mean).abs() < 1e-6,
            "{s:?}"
        );
        for (fitted, given) in s.season.iter().zip(pattern) {
            assert!((fitted - given / mean).abs() < 1e-6, "{s:?}");
        }
    }

    /// statsmodels' constraints hold, and the season keeps a mean of 1.
    #[test]
    fn holt_winters_keeps_the_constraints() {
        let y = weekly(60);
        let p = fit(&y, States::holt_winters(&y).unwrap());
        let Params { alpha, beta, gamma } = p.params;
        assert!((ALPHA_MIN..=1.0 - ALPHA_MIN).contains(&alpha), "{p:?}");
        assert!(
            (0.0..=alpha).contains(&beta) && (0.0..=1.0 - alpha).contains(&gamma),
            "{p:?}"
        );
        assert!(p.start.level >= 0.0 && p.start.season.iter().all(|s| *s >= 0.0));
        assert!((p.start.season.iter().sum::<f64>() - 7.0).abs() < 1e-9);
    }
}
