//! Cache-aside through Spin's key-value store.
//!
//! The cache is an optimisation only: when the store cannot be opened or a call fails
//! (Redis down), the problem is logged and the caller falls through to the database.

use serde::Serialize;
use serde::de::DeserializeOwned;
use spin_sdk::key_value::Store;

pub struct Cache {
    store: Option<Store>,
    prefix: String,
}

impl Cache {
    /// Opens the `default` store; `service` becomes part of every key.
    pub fn open(service: &str) -> Self {
        let store = Store::open_default()
            .map_err(|e| eprintln!("cache unavailable, continuing uncached: {e}"))
            .ok();
        Self {
            store,
            prefix: format!("{}:{service}:", crate::config::namespace()),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let store = self.store.as_ref()?;
        match store.get(&self.key(key)) {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes).ok(),
            Ok(None) => None,
            Err(e) => {
                eprintln!("cache read failed for {key}: {e}");
                None
            }
        }
    }

    pub fn set<T: Serialize>(&self, key: &str, value: &T) {
        let Some(store) = &self.store else { return };
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        if let Err(e) = store.set(&self.key(key), &bytes) {
            eprintln!("cache write failed for {key}: {e}");
        }
    }

    pub fn delete(&self, key: &str) {
        let Some(store) = &self.store else { return };
        if let Err(e) = store.delete(&self.key(key)) {
            eprintln!("cache invalidation failed for {key}: {e}");
        }
    }

    /// Returns the cached value or computes, stores and returns it.
    pub fn get_or_load<T, E>(&self, key: &str, load: impl FnOnce() -> Result<T, E>) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
    {
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        let value = load()?;
        self.set(key, &value);
        Ok(value)
    }
}
