//! Cache-aside for item reads, through the shared key-value cache.
//!
//! Every write to items or stock (create, update, delete, import, reservations) moves the
//! cache to a new *generation*, and an entry counts only when it was stored in the current
//! one. That invalidates every list page and item at once without knowing their keys, and
//! it is safe against the usual cache-aside race: a reader reads the generation before it
//! queries the database, so a result that predates a write is stored under the generation
//! that write already replaced, and is never served.
//!
//! Entries are overwritten in place (one key per list query or item), so the key space
//! does not grow with the number of writes. Without a working store every read is a miss.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use service_kit::cache::Cache;

const GENERATION_KEY: &str = "generation";

#[derive(Serialize, Deserialize)]
struct Stamped<T> {
    generation: String,
    value: T,
}

pub struct ItemCache(Cache);

impl ItemCache {
    pub fn open() -> Self {
        ItemCache(Cache::open("inventory"))
    }

    /// The value stored under `key` in the current generation, or else `load()`'s result,
    /// which is then stored.
    pub fn read<T, E>(&self, key: &str, load: impl FnOnce() -> Result<T, E>) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
    {
        let generation = self
            .0
            .get::<String>(GENERATION_KEY)
            .unwrap_or_else(|| self.invalidate());
        if let Some(hit) = self.0.get::<Stamped<T>>(key)
            && hit.generation == generation
        {
            return Ok(hit.value);
        }
        let value = load()?;
        self.0.set(
            key,
            &Stamped {
                generation,
                value: &value,
            },
        );
        Ok(value)
    }

    /// Starts a new generation, so nothing cached before counts; returns it. Called after
    /// every successful write.
    pub fn invalidate(&self) -> String {
        let generation = uuid::Uuid::new_v4().simple().to_string();
        self.0.set(GENERATION_KEY, &generation);
        generation
    }

    /// Drops the entry of an item that no longer exists, so its key does not linger.
    pub fn forget(&self, key: &str) {
        self.0.delete(key);
    }
}

/// The key of one item.
pub fn item_key(id: i64) -> String {
    format!("item:{id}")
}
