//! Records every Redis message it is given under `message:<payload>` in the `default`
//! key-value store, so the conformance tests can see the trigger ran.

use spin_sdk::key_value::Store;
use spin_sdk::redis_component;

#[redis_component]
fn on_message(message: bytes::Bytes) -> anyhow::Result<()> {
    let text = String::from_utf8_lossy(&message);
    let store = Store::open_default()?;
    store.set(&format!("message:{text}"), &message)?;
    Ok(())
}
