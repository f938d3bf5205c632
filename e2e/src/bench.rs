//! Helpers for the ignored benchmark tests: run requests with a fixed number in flight and
//! report latency percentiles.

use std::future::Future;

use futures::stream::{self, StreamExt};
use reqwest::StatusCode;

/// Latency percentiles of `samples` (milliseconds), as `p50 / p99`.
pub fn percentiles(mut samples: Vec<f64>) -> String {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    format!(
        "p50 {:.2} ms, p99 {:.2} ms ({} requests)",
        at(0.5),
        at(0.99),
        samples.len()
    )
}

/// Runs `requests` requests, `concurrency` at a time; returns each one's latency in ms.
/// Every request must succeed (2xx).
pub async fn timed<F, Fut>(requests: usize, concurrency: usize, send: F) -> Vec<f64>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = StatusCode>,
{
    stream::iter(0..requests)
        .map(|i| {
            let request = send(i);
            async move {
                let started = std::time::Instant::now();
                let status = request.await;
                assert!(status.is_success(), "{status}");
                started.elapsed().as_secs_f64() * 1000.0
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}
