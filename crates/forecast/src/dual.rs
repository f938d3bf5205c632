//! Forward-mode derivatives: a [`Dual`] carries a value and its partial derivatives with
//! respect to up to [`MAX_VARIABLES`] inputs through `+ − × ÷`. The smoothing recursions
//! are written once over [`Scalar`], so the same code yields the fitted values (`f64`) and
//! their exact Jacobian (`Dual`) for the least-squares fit. Four operators on a fixed array
//! are all it takes; an automatic-differentiation crate would bring far more than that.

use std::ops::{Add, Div, Mul, Sub};

/// Holt-Winters' α, β, γ, level, trend and seven season factors.
pub const MAX_VARIABLES: usize = 12;

/// What the recursions compute with: `f64`, or [`Dual`] for derivatives too.
pub trait Scalar:
    Copy + From<f64> + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
}

impl Scalar for f64 {}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual {
    pub value: f64,
    /// ∂value/∂input_i.
    pub d: [f64; MAX_VARIABLES],
}

impl Dual {
    /// Input `i` of the differentiation, at `value`.
    pub fn variable(value: f64, i: usize) -> Dual {
        let mut d = [0.0; MAX_VARIABLES];
        d[i] = 1.0;
        Dual { value, d }
    }

    /// `self.d·a + other.d·b`, elementwise.
    fn combine(self, a: f64, other: Dual, b: f64) -> [f64; MAX_VARIABLES] {
        std::array::from_fn(|i| self.d[i] * a + other.d[i] * b)
    }
}

impl Scalar for Dual {}

impl From<f64> for Dual {
    fn from(value: f64) -> Dual {
        Dual {
            value,
            d: [0.0; MAX_VARIABLES],
        }
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual {
            value: self.value + o.value,
            d: self.combine(1.0, o, 1.0),
        }
    }
}

impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        Dual {
            value: self.value - o.value,
            d: self.combine(1.0, o, -1.0),
        }
    }
}

impl Mul for Dual {
    type Output = Dual;
    fn mul(self, o: Dual) -> Dual {
        Dual {
            value: self.value * o.value,
            d: self.combine(o.value, o, self.value),
        }
    }
}

impl Div for Dual {
    type Output = Dual;
    /// (u/v)' = u'/v − u·v'/v².
    fn div(self, o: Dual) -> Dual {
        let value = self.value / o.value;
        Dual {
            value,
            d: self.combine(1.0 / o.value, o, -value / o.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(x, y) = (x·y − 3)/(x + y) at (2, 5): f = 1, ∂f/∂x = (y(x+y) − (xy−3))/(x+y)²
    /// = (35 − 7)/49, ∂f/∂y = (x(x+y) − (xy−3))/(x+y)² = (14 − 7)/49.
    #[test]
    fn derivatives_of_a_quotient() {
        let (x, y) = (Dual::variable(2.0, 0), Dual::variable(5.0, 1));
        let f = (x * y - Dual::from(3.0)) / (x + y);
        assert!((f.value - 1.0).abs() < 1e-15);
        assert!((f.d[0] - 28.0 / 49.0).abs() < 1e-15);
        assert!((f.d[1] - 7.0 / 49.0).abs() < 1e-15);
        assert!(f.d[2..].iter().all(|d| *d == 0.0));
    }
}
