//! The starting states the fit starts from: those statsmodels' default fit
//! (`initialization_method="estimated"`) starts from before it estimates them too. That is
//! its heuristic start (Hyndman et al., *Forecasting with Exponential Smoothing* §2.6.1)
//! when the history is long enough for it (10 days for Holt, 10 + 2·⌊7/2⌋ = 16 for
//! Holt-Winters), else its simple start (Hyndman & Athanasopoulos, FPP §7.6):
//!
//! - simple, Holt: l = y₀, b = y₁ − y₀;
//! - simple, Holt-Winters: l = the first week's mean, b = the mean of (y_(t+7) − y_t)/7
//!   over the first week, s_t = y_t/l;
//! - heuristic, Holt: the least-squares line through the first 10 days, l its value the
//!   day before the first, b its slope;
//! - heuristic, Holt-Winters: over the first 3 to 5 weeks, the centred 7-day moving
//!   average; s = each weekday's mean ratio of the day to that average, scaled to a mean
//!   of 1; l and b the least-squares line through the first 10 averages, as above.

use crate::linear::linear_fit;
use crate::smoothing::{States, WEEK};

/// The heuristic's line is fitted through this many values.
const LINE_POINTS: usize = 10;
/// Holt-Winters' heuristic needs the line's points after the moving average's ends.
const HW_HEURISTIC_MIN: usize = LINE_POINTS + 2 * (WEEK / 2);
/// …and uses at most this many weeks.
const HW_HEURISTIC_MAX_WEEKS: usize = 5;

impl States {
    /// Holt's start; `None` under two observations.
    pub fn holt(y: &[f64]) -> Option<States> {
        let (&y0, &y1) = (y.first()?, y.get(1)?);
        let (level, trend) = if y.len() >= LINE_POINTS {
            line(&y[..LINE_POINTS])
        } else {
            (y0, y1 - y0)
        };
        Some(States {
            level,
            trend,
            season: Vec::new(),
        })
    }

    /// Holt-Winters' start, its season scaled to a mean of 1; `None` under two full weeks
    /// or with a day that is not positive (a multiplicative season cannot hold a zero).
    pub fn holt_winters(y: &[f64]) -> Option<States> {
        if y.len() < 2 * WEEK || y.iter().any(|v| *v <= 0.0) {
            return None;
        }
        Some(if y.len() >= HW_HEURISTIC_MIN {
            heuristic_holt_winters(y)
        } else {
            simple_holt_winters(y)
        })
    }
}

fn simple_holt_winters(y: &[f64]) -> States {
    let level = y[..WEEK].iter().sum::<f64>() / WEEK as f64;
    let trend = (0..WEEK)
        .map(|t| (y[t + WEEK] - y[t]) / WEEK as f64)
        .sum::<f64>()
        / WEEK as f64;
    States {
        level,
        trend,
        season: y[..WEEK].iter().map(|v| v / level).collect(),
    }
}

fn heuristic_holt_winters(y: &[f64]) -> States {
    let weeks = (y.len() / WEEK)
        .min(HW_HEURISTIC_MAX_WEEKS)
        .max(HW_HEURISTIC_MIN.div_ceil(WEEK));
    let y = &y[..y.len().min(weeks * WEEK)];
    // averages[i] is centred on day i + WEEK/2.
    let averages: Vec<f64> = y
        .windows(WEEK)
        .map(|w| w.iter().sum::<f64>() / WEEK as f64)
        .collect();
    let mut season: Vec<f64> = (0..WEEK)
        .map(|weekday| {
            let ratios: Vec<f64> = (WEEK / 2..y.len() - WEEK / 2)
                .filter(|t| t % WEEK == weekday)
                .map(|t| y[t] / averages[t - WEEK / 2])
                .collect();
            ratios.iter().sum::<f64>() / ratios.len() as f64
        })
        .collect();
    let mean = season.iter().sum::<f64>() / WEEK as f64;
    season.iter_mut().for_each(|s| *s /= mean);
    let (level, trend) = line(&averages[..LINE_POINTS]);
    States {
        level,
        trend,
        season,
    }
}

/// The least-squares line through `v` at x = 1, 2, …: its value at x = 0 and its slope.
/// ([`linear_fit`] puts the first point at x = 0, so x = 0 here is one step before it.)
fn line(v: &[f64]) -> (f64, f64) {
    let fit = linear_fit(v);
    (fit.intercept - fit.slope, fit.slope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::close;

    #[test]
    fn holt_winters_needs_two_positive_weeks() {
        assert!(States::holt_winters(&[5.0; 13]).is_none());
        let mut y = [5.0; 14];
        assert!(States::holt_winters(&y).is_some());
        y[9] = 0.0;
        assert!(States::holt_winters(&y).is_none());
    }

    /// Under 16 days: the simple start.
    #[test]
    fn a_short_history_starts_simply() {
        let y: Vec<f64> = (1..=14).map(f64::from).collect();
        let s = States::holt_winters(&y).unwrap();
        assert!(close(s.level, 4.0) && close(s.trend, 1.0));
        assert!(close(s.season[0], 0.25) && close(s.season[6], 1.75));
        let h = States::holt(&y[..9]).unwrap();
        assert!(close(h.level, 1.0) && close(h.trend, 1.0));
    }

    /// A straight line is its own heuristic start: the day before it, and its slope.
    #[test]
    fn the_heuristic_continues_a_line_back() {
        let y: Vec<f64> = (0..20).map(|t| 50.0 + 3.0 * t as f64).collect();
        let h = States::holt(&y).unwrap();
        assert!(close(h.level, 47.0) && close(h.trend, 3.0), "{h:?}");
        // The moving averages of a line are the line; a flat season is all ones. The
        // first average is centred on day 3, so the line it starts is day 2's value.
        let hw = States::holt_winters(&y).unwrap();
        assert!(close(hw.level, 56.0) && close(hw.trend, 3.0), "{hw:?}");
        assert!(hw.season.iter().all(|s| close(*s, 1.0)));
    }

    /// A clean weekly pattern on a flat level is recovered exactly, scaled to a mean of 1.
    #[test]
    fn the_heuristic_finds_a_weekly_pattern() {
        let pattern = [2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0];
        let y: Vec<f64> = (0..35).map(|t| 10.0 + 10.0 * pattern[t % 7]).collect();
        let s = States::holt_winters(&y).unwrap();
        let mean = 10.0 + 10.0 * 7.0 / 7.0;
        for (s, p) in s.season.iter().zip(pattern) {
            assert!(close(*s, (10.0 + 10.0 * p) / mean), "{s}");
        }
        assert!(close(s.level, mean) && close(s.trend, 0.0));
    }
}
