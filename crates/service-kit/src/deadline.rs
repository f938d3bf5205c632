//! A time limit for a future, on the executor `spin_sdk::http::send` runs on.
//!
//! The executor sleeps in `wasi:io/poll` over the pollables registered with it, so a timer
//! is one more pollable: a `wasi:clocks/monotonic-clock` subscription. Whichever is ready
//! first wakes the waiting task.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use spin_executor::CancelOnDropToken;
use wasi::clocks::monotonic_clock;

/// `Some(output)` if `future` finishes within `limit`, `None` if the time ran out first
/// (the future is then dropped, which cancels an outbound request).
pub async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let deadline = monotonic_clock::now().saturating_add(limit.as_nanos() as u64);
    let mut future = pin!(future);
    // Dropping the token unregisters the timer, so no stale wake-up outlives the call.
    let mut timer: Option<CancelOnDropToken> = None;
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if monotonic_clock::now() >= deadline {
            return Poll::Ready(None);
        }
        let pollable = monotonic_clock::subscribe_instant(deadline);
        timer = Some(spin_executor::push_waker_and_get_token(pollable, cx.waker().clone()).into());
        Poll::Pending
    })
    .await
}
