//! An ordinary least-squares line through the history, extended. The band is the textbook
//! prediction interval `ŷ ± z·σ·√(1 + 1/n + (x − x̄)²/Sxx)`, σ² = SSE/(n − 2).

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
    let nf = n.max(1) as f64;
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
    let fit = LinearFit {
        intercept,
        slope,
        sigma: 0.0,
        n,
        x_mean,
        sxx,
    };
    let sse: f64 = y
        .iter()
        .enumerate()
        .map(|(x, yi)| (yi - fit.at(x)).powi(2))
        .sum();
    let sigma = if n > 2 {
        (sse / (nf - 2.0)).sqrt()
    } else {
        0.0
    };
    LinearFit { sigma, ..fit }
}

impl LinearFit {
    /// The line at day `x` (0 = the first day of the history).
    pub fn at(&self, x: usize) -> f64 {
        self.intercept + self.slope * x as f64
    }

    /// The half-width of the band `h` ≥ 1 days after the last day, for `z`.
    pub fn half_width(&self, h: usize, z: f64) -> f64 {
        let x = (self.n + h - 1) as f64;
        let leverage = if self.sxx > 0.0 {
            (x - self.x_mean).powi(2) / self.sxx
        } else {
            0.0
        };
        z * self.sigma * (1.0 + 1.0 / self.n.max(1) as f64 + leverage).sqrt()
    }

    /// Whether the slope is a real trend rather than noise.
    pub fn has_trend(&self) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::close;

    /// y = 1, 3, 2, 4 by hand: x̄ = 1.5, ȳ = 2.5, Sxx = 5, Sxy = 4, so slope 0.8 and
    /// intercept 1.3; fitted 1.3, 2.1, 2.9, 3.7; residuals −0.3, 0.9, −0.9, 0.3; SSE 1.8;
    /// σ² = 1.8 / 2 = 0.9. At x = 4: 1.3 + 3.2 = 4.5, and √(1 + 1/4 + 2.5²/5) = √2.5, so the
    /// half-width for z = 1.96 is 1.96 · √(0.9 · 2.5) = 1.96 · 1.5 = 2.94.
    #[test]
    fn linear_by_hand() {
        let fit = linear_fit(&[1.0, 3.0, 2.0, 4.0]);
        assert!(close(fit.slope, 0.8) && close(fit.intercept, 1.3));
        assert!(close(fit.sigma, 0.9f64.sqrt()));
        assert!(close(fit.at(4), 4.5) && close(fit.half_width(1, 1.96), 2.94));
        // x = 5: 1.3 + 4 = 5.3; √(1 + 0.25 + 3.5²/5) = √3.7.
        assert!(close(fit.at(5), 5.3));
        assert!(close(fit.half_width(2, 1.0), (0.9f64 * 3.7).sqrt()));
    }

    /// 1, 3, 2, 4: the slope 0.8 has standard error √0.9 / √5 ≈ 0.424, t ≈ 1.89 < 2: not
    /// a trend; a perfect line is one.
    #[test]
    fn trend_needs_two_standard_errors() {
        assert!(!linear_fit(&[1.0, 3.0, 2.0, 4.0]).has_trend());
        assert!(linear_fit(&[10.0, 12.0, 14.0, 16.0]).has_trend());
        assert!(!linear_fit(&[5.0]).has_trend());
    }
}
