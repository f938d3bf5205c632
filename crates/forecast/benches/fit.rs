//! How long a forecast request's arithmetic takes natively on a 90-day history (the
//! endpoint's window), fit included: `cargo bench -p forecast`. Each series is forecast
//! `RUNS` times; the median and the slowest run are printed per method. The series are
//! those a shop shows: a weekly pattern on a rise, a level that wanders, a season that
//! grows, and plain noise, each with deterministic noise.

use std::time::{Duration, Instant};

use forecast::{Method, Request, Seasonality};

const DAYS: usize = 90;
const RUNS: usize = 50;
const PATTERN: [f64; 7] = [1.35, 1.15, 1.0, 0.95, 0.85, 0.7, 1.0];

/// Deterministic noise in [−1, 1] (xorshift).
fn noise(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 20_001) as f64 / 10_000.0 - 1.0
    }
}

fn series() -> Vec<(&'static str, Vec<f64>)> {
    let mut e = noise(7);
    let weekly = (0..DAYS)
        .map(|t| (200.0 + 1.2 * t as f64) * PATTERN[t % 7] + 15.0 * e())
        .collect();
    let mut level = 300.0;
    let wandering = (0..DAYS)
        .map(|t| {
            level += 8.0 * e();
            level * PATTERN[t % 7] + 6.0 * e()
        })
        .collect();
    let growing = (0..DAYS)
        .map(|t| 250.0 * (1.0 + t as f64 / 60.0 * (PATTERN[t % 7] - 1.0)) + 10.0 * e())
        .collect();
    let flat = (0..DAYS).map(|_| 150.0 + 40.0 * e()).collect();
    vec![
        ("weekly pattern on a rise", weekly),
        ("wandering level", wandering),
        ("growing season", growing),
        ("noise", flat),
    ]
}

fn main() {
    for (name, y) in series() {
        for method in [Method::Hw, Method::Exp] {
            let request = Request {
                method: Some(method),
                seasonality: Seasonality::None,
                z: 1.96,
                horizon: 30,
            };
            let mut times: Vec<Duration> = (0..RUNS)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(forecast::forecast(std::hint::black_box(&y), &request));
                    start.elapsed()
                })
                .collect();
            times.sort();
            println!(
                "{name}, {}: median {:.2} ms, slowest {:.2} ms ({RUNS} runs, {DAYS} days)",
                method.as_str(),
                times[RUNS / 2].as_secs_f64() * 1e3,
                times[RUNS - 1].as_secs_f64() * 1e3,
            );
        }
    }
}
