//! Unusual days: a residual (actual − fitted) at least `THRESHOLD` population standard
//! deviations from the mean residual of the whole fitted history, among its last `WINDOW`
//! days. The spread comes from the whole history so that one spike in a short window does
//! not hide itself by widening it.

pub const WINDOW: usize = 30;
pub const THRESHOLD: f64 = 2.5;

/// An unusual day: its index in the series and how many standard deviations its residual
/// lies from the mean (negative: below the fit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anomaly {
    pub day: usize,
    pub z: f64,
}

pub fn anomalies(y: &[f64], fitted: &[f64]) -> Vec<Anomaly> {
    let residuals: Vec<f64> = y.iter().zip(fitted).map(|(y, f)| y - f).collect();
    let n = residuals.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = residuals.iter().sum::<f64>() / n as f64;
    let std = (residuals.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    // A perfect fit (or one only rounding away from it) has no unusual day.
    if std <= 1e-9 * (1.0 + mean.abs()) {
        return Vec::new();
    }
    (n.saturating_sub(WINDOW)..n)
        .map(|day| Anomaly {
            day,
            z: (residuals[day] - mean) / std,
        })
        .filter(|a| a.z.abs() >= THRESHOLD)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 days on the fit but one 100 above it, on day 35: residual mean 2.5, the spike
    /// 97.5 from it, the others 2.5 below; std = √((97.5² + 39·2.5²)/40) ≈ 15.6, so z ≈ 6.24.
    #[test]
    fn a_spike_in_the_window_is_found() {
        let fitted = vec![50.0; 40];
        let mut y = fitted.clone();
        y[35] += 100.0;
        let found = anomalies(&y, &fitted);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].day, 35);
        let std = ((97.5f64.powi(2) + 39.0 * 2.5f64.powi(2)) / 40.0).sqrt();
        assert!((found[0].z - 97.5 / std).abs() < 1e-9);
    }

    #[test]
    fn a_spike_before_the_window_and_a_perfect_fit_are_not() {
        let fitted = vec![50.0; 40];
        let mut y = fitted.clone();
        y[5] -= 100.0;
        assert!(anomalies(&y, &fitted).is_empty());
        assert!(anomalies(&fitted, &fitted).is_empty());
        assert!(anomalies(&[], &[]).is_empty());
    }

    #[test]
    fn a_dip_has_a_negative_z() {
        let fitted = vec![50.0; 30];
        let mut y = fitted.clone();
        y[29] = 0.0;
        assert!(anomalies(&y, &fitted)[0].z < -THRESHOLD);
    }
}
