//! Cache-aside for reads that any write may change, through the shared key-value cache.
//!
//! Every write moves the service's cache to a new *generation*, and an entry counts only
//! when it was stored in the current one. That invalidates every cached list page and
//! aggregate at once without knowing their keys, and it is safe against the usual
//! cache-aside race: a reader reads the generation before it queries the database, so a
//! result that predates a write is stored under the generation that write already
//! replaced, and is never served.
//!
//! Entries are overwritten in place (one key per query), so the key space does not grow
//! with the number of writes. Without a working store every read is a miss.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cache::Cache;

const GENERATION_KEY: &str = "generation";

#[derive(Serialize, Deserialize)]
struct Stamped<T> {
    generation: String,
    value: T,
}

pub struct GenerationalCache(Cache);

impl GenerationalCache {
    /// The cache of `service` (part of every key, and of the generation's).
    pub fn open(service: &str) -> Self {
        GenerationalCache(Cache::open(service))
    }

    /// The value stored under `key` in the current generation, or else `load()`'s result,
    /// which is then stored.
    pub fn read<T, E>(&self, key: &str, load: impl FnOnce() -> Result<T, E>) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
    {
        self.read_in(key, "", load)
    }

    /// [`Self::read`] for values that also age without writes (counts over "the last 7
    /// days"): the entry counts only within the same `period` as well, e.g. the current
    /// minute.
    pub fn read_in<T, E>(
        &self,
        key: &str,
        period: &str,
        load: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
    {
        let generation = self
            .0
            .get::<String>(GENERATION_KEY)
            .unwrap_or_else(|| self.invalidate());
        let stamp = format!("{generation}/{period}");
        if let Some(hit) = self.0.get::<Stamped<T>>(key)
            && hit.generation == stamp
        {
            return Ok(hit.value);
        }
        let value = load()?;
        self.0.set(
            key,
            &Stamped {
                generation: stamp,
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

    /// Drops an entry that can no longer be asked for, so its key does not linger.
    pub fn forget(&self, key: &str) {
        self.0.delete(key);
    }
}
