//! A small bounded minimiser for the smoothing parameters: a coarse grid for a start, then
//! Nelder–Mead inside the unit box (vertices are clamped to it), restarted once from its
//! own answer because Nelder–Mead can stall on a collapsed simplex. Two or three
//! parameters and a cheap objective: a crate (argmin and its tree) would weigh more than
//! the forty lines it replaces.

/// The grid's values in each dimension.
const GRID: [f64; 6] = [0.05, 0.2, 0.4, 0.6, 0.8, 0.95];
const MAX_ITERATIONS: usize = 400;
/// Stop once the simplex's values agree this closely (relative).
const TOLERANCE: f64 = 1e-12;

/// The point of `[0, 1]^dims` where `f` is lowest (as far as the search finds); a
/// non-finite value counts as worse than any finite one.
pub fn minimize(dims: usize, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let f = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let start = grid(dims)
        .map(|x| (f(&x), x))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, x)| x)
        .unwrap_or_default();
    let first = nelder_mead(&f, start, 0.1);
    nelder_mead(&f, first, 0.05)
}

/// Every point of `GRID^dims`.
fn grid(dims: usize) -> impl Iterator<Item = Vec<f64>> {
    (0..GRID.len().pow(dims as u32)).map(move |mut i| {
        (0..dims)
            .map(|_| {
                let v = GRID[i % GRID.len()];
                i /= GRID.len();
                v
            })
            .collect()
    })
}

fn clamp(x: Vec<f64>) -> Vec<f64> {
    x.into_iter().map(|v| v.clamp(0.0, 1.0)).collect()
}

/// `a + t·(b − a)`, clamped to the box.
fn along(a: &[f64], b: &[f64], t: f64) -> Vec<f64> {
    clamp(a.iter().zip(b).map(|(a, b)| a + t * (b - a)).collect())
}

fn nelder_mead(f: &impl Fn(&[f64]) -> f64, start: Vec<f64>, step: f64) -> Vec<f64> {
    let dims = start.len();
    // Each edge of the first simplex steps into the box, away from a bound.
    let mut simplex: Vec<(f64, Vec<f64>)> = std::iter::once(start.clone())
        .chain((0..dims).map(|i| {
            let mut x = start.clone();
            x[i] += if x[i] + step <= 1.0 { step } else { -step };
            x
        }))
        .map(|x| (f(&x), x))
        .collect();
    for _ in 0..MAX_ITERATIONS {
        simplex.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (best, worst) = (simplex[0].0, simplex[dims].0);
        if (worst - best).abs() <= TOLERANCE * (1.0 + best.abs()) {
            break;
        }
        let centroid: Vec<f64> = (0..dims)
            .map(|i| simplex[..dims].iter().map(|(_, x)| x[i]).sum::<f64>() / dims as f64)
            .collect();
        let worst_x = simplex[dims].1.clone();
        let reflected = along(&centroid, &worst_x, -1.0);
        let fr = f(&reflected);
        let replacement = if fr < best {
            let expanded = along(&centroid, &worst_x, -2.0);
            let fe = f(&expanded);
            Some(if fe < fr {
                (fe, expanded)
            } else {
                (fr, reflected)
            })
        } else if fr < simplex[dims - 1].0 {
            Some((fr, reflected))
        } else {
            let contracted = along(&centroid, &worst_x, 0.5);
            let fc = f(&contracted);
            (fc < worst).then_some((fc, contracted))
        };
        match replacement {
            Some(vertex) => simplex[dims] = vertex,
            None => {
                let best_x = simplex[0].1.clone();
                for vertex in &mut simplex[1..] {
                    let x = along(&best_x, &vertex.1, 0.5);
                    *vertex = (f(&x), x);
                }
            }
        }
    }
    simplex
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, x)| x)
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_an_interior_minimum() {
        let x = minimize(2, |x| (x[0] - 0.3).powi(2) + 10.0 * (x[1] - 0.7).powi(2));
        assert!(
            (x[0] - 0.3).abs() < 1e-5 && (x[1] - 0.7).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn stops_at_a_bound() {
        let x = minimize(3, |x| x[0] + (x[1] - 0.5).powi(2) - x[2]);
        assert!(
            x[0] < 1e-6 && (x[1] - 0.5).abs() < 1e-4 && x[2] > 1.0 - 1e-6,
            "{x:?}"
        );
    }

    #[test]
    fn non_finite_values_are_avoided() {
        let x = minimize(1, |x| if x[0] < 0.5 { f64::NAN } else { x[0] });
        assert!((x[0] - 0.5).abs() < 1e-4, "{x:?}");
    }
}
