//! A small bounded least-squares minimiser for the smoothing fit: a coarse grid over the
//! smoothing parameters for starting points, then Levenberg–Marquardt from each inside a
//! box. Twelve parameters at most, residuals whose exact Jacobian the caller supplies
//! ([`crate::dual`]): a Gauss–Newton step solves that in tens of iterations where a simplex
//! needs thousands, and a crate (argmin and its tree) would weigh more in the wasm
//! component than the hundred lines here.

/// The grid's values in each dimension.
const GRID: [f64; 8] = [0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0];
/// The damping, relative to the curvature along each parameter (Marquardt's scaling).
const START_DAMPING: f64 = 1e-3;
/// Past this the step is nil: the point is a minimum as far as steps can tell.
const MAX_DAMPING: f64 = 1e16;
/// A parameter with no curvature still gets this share of the largest as its scale.
const MIN_SCALE: f64 = 1e-12;

/// For each value of the grid's first dimension, the point of `GRID^dims` with that value
/// where `f` is lowest, lowest first; a non-finite value counts as worse than any finite one.
pub fn grid_best(dims: usize, f: impl Fn(&[f64]) -> f64) -> Vec<Vec<f64>> {
    let mut best: Vec<(f64, Vec<f64>)> = GRID.iter().map(|_| (f64::INFINITY, Vec::new())).collect();
    for mut i in 0..GRID.len().pow(dims as u32) {
        let row = i % GRID.len();
        let x: Vec<f64> = (0..dims)
            .map(|_| {
                let v = GRID[i % GRID.len()];
                i /= GRID.len();
                v
            })
            .collect();
        let v = finite_or_max(f(&x));
        if best[row].1.is_empty() || v < best[row].0 {
            best[row] = (v, x);
        }
    }
    best.sort_by(|a, b| a.0.total_cmp(&b.0));
    best.into_iter().map(|(_, x)| x).collect()
}

fn finite_or_max(v: f64) -> f64 {
    if v.is_finite() { v } else { f64::INFINITY }
}

/// The sum of squared residuals r at a point and its normal equations: JᵀJ and Jᵀr, J the
/// Jacobian of r.
pub struct Normal {
    pub sse: f64,
    jtj: Vec<f64>,
    jtr: Vec<f64>,
}

impl Normal {
    pub fn new(dims: usize) -> Normal {
        Normal {
            sse: 0.0,
            jtj: vec![0.0; dims * dims],
            jtr: vec![0.0; dims],
        }
    }

    /// Adds a residual `observed − model` given the model value's gradient.
    pub fn add(&mut self, model_gradient: &[f64], residual: f64) {
        let n = self.jtr.len();
        self.sse += residual * residual;
        for (i, gi) in model_gradient.iter().enumerate() {
            self.jtr[i] -= gi * residual;
            for (j, gj) in model_gradient.iter().enumerate() {
                self.jtj[i * n + j] += gi * gj;
            }
        }
    }

    #[cfg(test)]
    pub fn jtr(&self) -> &[f64] {
        &self.jtr
    }

    /// Whether a step downhill would take parameter `i` through its bound.
    fn pinned(&self, i: usize, x: f64, lower: f64, upper: f64) -> bool {
        (x <= lower && self.jtr[i] > 0.0) || (x >= upper && self.jtr[i] < 0.0)
    }

    /// The damped Gauss–Newton step for the parameters in `free`, `None` when the damped
    /// system is not positive definite.
    fn step(&self, free: &[usize], damping: f64) -> Option<Vec<f64>> {
        let n = self.jtr.len();
        let largest = free
            .iter()
            .map(|&i| self.jtj[i * n + i])
            .fold(0.0, f64::max);
        let mut a: Vec<f64> = free
            .iter()
            .flat_map(|&i| free.iter().map(move |&j| (i, j)))
            .map(|(i, j)| self.jtj[i * n + j])
            .collect();
        let k = free.len();
        for d in 0..k {
            a[d * k + d] += damping * a[d * k + d].max(MIN_SCALE * largest);
        }
        let b: Vec<f64> = free.iter().map(|&i| -self.jtr[i]).collect();
        cholesky_solve(a, b)
    }
}

/// When a descent stops: once a step gains less than `gain` times the squared error, or
/// after `iterations` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    pub gain: f64,
    pub iterations: usize,
}

/// A box; bounds may be infinite.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

impl Bounds {
    /// The box with its first coordinates closed on `values`.
    pub fn holding(&self, values: &[f64]) -> Bounds {
        let n = values.len();
        Bounds {
            lower: [values, &self.lower[n..]].concat(),
            upper: [values, &self.upper[n..]].concat(),
        }
    }

    fn clamp(&self, x: Vec<f64>) -> Vec<f64> {
        x.into_iter()
            .enumerate()
            .map(|(i, v)| v.clamp(self.lower[i], self.upper[i]))
            .collect()
    }
}

/// A point of `bounds`, reached by descent from `x0`, where the sum of squared residuals
/// is lowest as far as the descent finds, and that sum. `normal` gives the sum and the
/// normal equations at a point; `None` or a non-finite sum rejects the point.
pub fn least_squares(
    x0: Vec<f64>,
    bounds: &Bounds,
    stop: Stop,
    normal: impl Fn(&[f64]) -> Option<Normal>,
) -> (f64, Vec<f64>) {
    let evaluate = |x: &[f64]| normal(x).filter(|n| n.sse.is_finite());
    let mut x = bounds.clamp(x0);
    let Some(mut at) = evaluate(&x) else {
        return (f64::INFINITY, x);
    };
    let mut damping = START_DAMPING;
    for _ in 0..stop.iterations {
        // Parameters held at a bound they press against stay there for this step.
        let free: Vec<usize> = (0..x.len())
            .filter(|&i| !at.pinned(i, x[i], bounds.lower[i], bounds.upper[i]))
            .collect();
        if free.is_empty() || at.sse == 0.0 {
            break;
        }
        let Some(step) = at.step(&free, damping) else {
            damping *= 10.0;
            continue;
        };
        let mut candidate = x.clone();
        for (&i, s) in free.iter().zip(&step) {
            candidate[i] += s;
        }
        let candidate = bounds.clamp(candidate);
        match evaluate(&candidate).filter(|next| next.sse < at.sse) {
            Some(next) => {
                let gain = at.sse - next.sse;
                (x, at) = (candidate, next);
                damping = (damping / 3.0).max(f64::EPSILON);
                if gain <= stop.gain * at.sse {
                    break;
                }
            }
            None => {
                damping *= 4.0;
                if damping > MAX_DAMPING {
                    break;
                }
            }
        }
    }
    (at.sse, x)
}

/// Solves `a·x = b` for a symmetric positive definite `a` (row-major, k×k) by Cholesky.
fn cholesky_solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let k = b.len();
    for j in 0..k {
        let d = a[j * k + j] - (0..j).map(|p| a[j * k + p].powi(2)).sum::<f64>();
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let s = a[i * k + j] - (0..j).map(|p| a[i * k + p] * a[j * k + p]).sum::<f64>();
            a[i * k + j] = s / d;
        }
    }
    // L·z = b, then Lᵀ·x = z.
    for i in 0..k {
        b[i] = (b[i] - (0..i).map(|p| a[i * k + p] * b[p]).sum::<f64>()) / a[i * k + i];
    }
    for i in (0..k).rev() {
        b[i] = (b[i] - (i + 1..k).map(|p| a[p * k + i] * b[p]).sum::<f64>()) / a[i * k + i];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Residuals of the Rosenbrock valley, 10(x₁ − x₀²) and 1 − x₀: its minimum, 0 at
    /// (1, 1), lies at the end of a curved valley.
    fn rosenbrock(x: &[f64]) -> Option<Normal> {
        let mut n = Normal::new(2);
        n.add(&[20.0 * x[0], -10.0], 10.0 * (x[1] - x[0] * x[0]));
        n.add(&[1.0, 0.0], 1.0 - x[0]);
        Some(n)
    }

    const STOP: Stop = Stop {
        gain: 1e-12,
        iterations: 500,
    };

    fn bounds(upper_x0: f64) -> Bounds {
        let inf = f64::INFINITY;
        Bounds {
            lower: vec![-inf, -inf],
            upper: vec![upper_x0, inf],
        }
    }

    #[test]
    fn follows_a_curved_valley_to_its_minimum() {
        let (sse, x) = least_squares(vec![-1.2, 1.0], &bounds(f64::INFINITY), STOP, rosenbrock);
        assert!(sse < 1e-20 && (x[0] - 1.0).abs() < 1e-9, "{sse} {x:?}");
    }

    /// With x₀ ≤ 0.5 the minimum is on the bound: x₀ = 0.5, x₁ = 0.25.
    #[test]
    fn stops_at_a_bound() {
        let (sse, x) = least_squares(vec![-1.2, 1.0], &bounds(0.5), STOP, rosenbrock);
        assert!(
            (x[0] - 0.5).abs() < 1e-12 && (x[1] - 0.25).abs() < 1e-9,
            "{x:?}"
        );
        assert!((sse - 0.25).abs() < 1e-12);
    }

    #[test]
    fn solves_a_positive_definite_system() {
        let x = cholesky_solve(vec![4.0, 2.0, 2.0, 3.0], vec![2.0, 5.0]).unwrap();
        assert!(
            (x[0] + 0.5).abs() < 1e-15 && (x[1] - 2.0).abs() < 1e-15,
            "{x:?}"
        );
        assert!(cholesky_solve(vec![1.0, 2.0, 2.0, 1.0], vec![1.0, 1.0]).is_none());
    }

    /// One point per value of the first coordinate, the best of its row, best first.
    #[test]
    fn the_grid_gives_each_rows_best() {
        let best = grid_best(2, |x| {
            if x[0] < 0.1 {
                f64::NAN
            } else {
                (x[0] - 0.4).powi(2) + (x[1] - 0.6).powi(2)
            }
        });
        assert_eq!(best.len(), GRID.len());
        assert_eq!(best[0], vec![0.4, 0.6]);
        assert!(best.contains(&vec![0.95, 0.6]));
        // Rows of nothing but non-finite values come last.
        assert_eq!(best[GRID.len() - 1][0], 0.05);
    }
}
