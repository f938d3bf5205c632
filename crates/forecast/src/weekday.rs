//! Weekday factors: each weekday's mean revenue over the overall mean. The history is a
//! run of consecutive days, so day t's weekday is t mod 7 counted from its first day.

use crate::smoothing::WEEK;

/// `auto` applies the factors from this many days of history on…
const AUTO_MIN_DAYS: usize = 28;
/// …when the weekday means' population standard deviation exceeds this share of the mean.
const AUTO_MIN_SPREAD: f64 = 0.10;

/// The factor of each weekday, indexed by t mod 7.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Factors(pub [f64; WEEK]);

impl Factors {
    pub const NONE: Factors = Factors([1.0; WEEK]);

    /// `None` when the history has no revenue to share out.
    pub fn of(y: &[f64]) -> Option<Factors> {
        let overall = mean(y)?;
        if overall <= 0.0 {
            return None;
        }
        let mut factors = [1.0; WEEK];
        for (day, factor) in factors.iter_mut().enumerate() {
            let same_day: Vec<f64> = y.iter().skip(day).step_by(WEEK).copied().collect();
            *factor = mean(&same_day).map_or(1.0, |m| m / overall);
        }
        Some(Factors(factors))
    }

    /// What `auto` decides: the factors when the history is long enough and its weekdays
    /// differ enough.
    pub fn auto(y: &[f64]) -> Option<Factors> {
        let factors = Factors::of(y).filter(|_| y.len() >= AUTO_MIN_DAYS)?;
        // Factors are the weekday means over the mean, so their spread is the means'
        // spread over the mean.
        let centre = factors.0.iter().sum::<f64>() / WEEK as f64;
        let variance = factors.0.iter().map(|f| (f - centre).powi(2)).sum::<f64>() / WEEK as f64;
        (variance.sqrt() > AUTO_MIN_SPREAD).then_some(factors)
    }

    /// Day t's factor.
    pub fn at(&self, t: usize) -> f64 {
        self.0[t % WEEK]
    }

    /// The series with the weekday pattern taken out, for a model without a season of its
    /// own. A weekday that never had revenue (factor 0) holds no information: its days are
    /// set to the overall mean, which the put-back factor 0 turns into 0 again.
    pub fn adjust(&self, y: &[f64]) -> Vec<f64> {
        let mean = mean(y).unwrap_or(0.0);
        y.iter()
            .enumerate()
            .map(|(t, v)| match self.at(t) {
                f if f > 0.0 => v / f,
                _ => mean,
            })
            .collect()
    }
}

fn mean(y: &[f64]) -> Option<f64> {
    (!y.is_empty()).then(|| y.iter().sum::<f64>() / y.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weeks(pattern: [f64; WEEK], n: usize) -> Vec<f64> {
        (0..n).map(|t| pattern[t % WEEK]).collect()
    }

    /// Means 2, 1, 1, 1, 1, 1, 0 (7 over 7 days): the factors are the means themselves.
    #[test]
    fn factors_are_weekday_means_over_the_mean() {
        let y = weeks([2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0], 14);
        assert_eq!(
            Factors::of(&y).unwrap(),
            Factors([2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
        );
        assert_eq!(Factors::of(&[0.0; 10]), None);
        assert_eq!(Factors::of(&[]), None);
    }

    /// Population std of the factors: 10 % is not enough, a bit more is, and 27 days are
    /// too few.
    #[test]
    fn auto_needs_four_weeks_and_a_spread_over_ten_percent() {
        // Factors 1 ± 0.1 on six days and 1 on one: std = 0.1·√(6/7) ≈ 0.093.
        let flat = weeks([1.1, 0.9, 1.1, 0.9, 1.1, 0.9, 1.0], 28);
        assert_eq!(Factors::auto(&flat), None);
        let strong = weeks([1.3, 0.7, 1.3, 0.7, 1.3, 0.7, 1.0], 28);
        assert!(Factors::auto(&strong).is_some());
        assert_eq!(Factors::auto(&strong[..27]), None);
    }

    #[test]
    fn adjusting_takes_the_pattern_out() {
        let y = weeks([2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0], 14);
        let adjusted = Factors::of(&y).unwrap().adjust(&y);
        assert!(
            adjusted.iter().all(|v| (v - 1.0).abs() < 1e-12),
            "{adjusted:?}"
        );
    }
}
