//! Records every Redis message it is given under `message:<payload>` in the `default`
//! key-value store, so the conformance tests can see the trigger ran. A payload starting
//! with `slow:` takes half a second, and its handling's start and end (milliseconds since
//! the Unix epoch) are recorded under `started:<payload>` and `ended:<payload>`, so a test
//! can see whether two messages were handled at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spin_sdk::key_value::Store;
use spin_sdk::redis_component;

#[redis_component]
fn on_message(message: bytes::Bytes) -> anyhow::Result<()> {
    let text = String::from_utf8_lossy(&message);
    let store = Store::open_default()?;
    if text.starts_with("slow:") {
        store.set(&format!("started:{text}"), now_ms().as_bytes())?;
        std::thread::sleep(Duration::from_millis(500));
        store.set(&format!("ended:{text}"), now_ms().as_bytes())?;
    }
    store.set(&format!("message:{text}"), &message)?;
    Ok(())
}

fn now_ms() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_millis().to_string()
}
