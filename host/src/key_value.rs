//! `fermyon:spin/key-value@2.0.0`: the stores a component lists in `key_value_stores`,
//! backed by Redis or by Spin's embedded SQLite store, per `runtime-config.toml`, with
//! Spin's semantics (`factor-key-value`, `key-value-redis`, `key-value-spin` at v3.6.3 and
//! v4.0.2):
//! - a component listing a label that no store has fails the start; opening a label the
//!   component does not list is `access-denied`;
//! - without configuration, `default` is the SQLite file `.spin/sqlite_key_value.db` of the
//!   app; a `type = "spin"` store without `path` lives in memory, and a relative `path` is
//!   relative to the runtime config file;
//! - a Redis store keeps each key as it is (no prefix, the label plays no part) and its
//!   value as a plain string; `open` fails until the store has once connected, and after
//!   that only the calls fail, with the client's error text in `other`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use redis::AsyncCommands;
use wasmtime::component::Resource;

use crate::bindings::fermyon::spin2_0_0::key_value::{self as wit, Error};
use crate::redis::within_buffer_limit;
use crate::redis_pool::RedisPool;
use crate::runtime_config::KeyValueStoreConfig;
use crate::state::InstanceState;

pub enum Backend {
    Redis {
        url: String,
        /// Set by the first `open` that connected: from then on `open` always succeeds.
        connected: tokio::sync::OnceCell<()>,
    },
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
}

/// Every configured store, by label.
pub struct KeyValueStores(HashMap<String, Arc<Backend>>);

impl KeyValueStores {
    /// `runtime_config` is the file the configs came from: relative SQLite paths are
    /// relative to its folder.
    pub fn new(
        configs: &HashMap<String, KeyValueStoreConfig>,
        app_dir: &Path,
        runtime_config: Option<&Path>,
    ) -> Result<KeyValueStores> {
        let base_dir = runtime_config.and_then(Path::parent);
        let mut stores = HashMap::new();
        let mut configs = configs.clone();
        configs
            .entry("default".into())
            .or_insert(KeyValueStoreConfig::Spin {
                path: Some(app_dir.join(".spin/sqlite_key_value.db")),
            });
        for (label, config) in configs {
            let backend = match config {
                KeyValueStoreConfig::Redis { url } => {
                    if redis::parse_redis_url(&url).is_none() {
                        bail!(
                            "could not configure key-value store with label '{label}': Invalid Redis URL"
                        );
                    }
                    Backend::Redis {
                        url,
                        connected: Default::default(),
                    }
                }
                KeyValueStoreConfig::Spin { path } => {
                    let conn = match path {
                        Some(p) => open_sqlite_file(&base_dir.map_or(p.clone(), |d| d.join(&p)))?,
                        None => rusqlite::Connection::open_in_memory()?,
                    };
                    conn.execute_batch(
                        "CREATE TABLE IF NOT EXISTS spin_key_value (
                             store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                             PRIMARY KEY (store, key));",
                    )?;
                    Backend::Sqlite(Arc::new(Mutex::new(conn)))
                }
            };
            stores.insert(label, Arc::new(backend));
        }
        Ok(KeyValueStores(stores))
    }

    /// Fails, as Spin's start does, when a component lists a label no store has.
    pub fn check_labels(&self, component: &str, labels: &[String]) -> Result<()> {
        match labels.iter().find(|label| !self.0.contains_key(*label)) {
            Some(label) => {
                bail!("unknown key_value_stores label {label:?} for component {component:?}")
            }
            None => Ok(()),
        }
    }
}

fn open_sqlite_file(path: &Path) -> Result<rusqlite::Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let conn = rusqlite::Connection::open(path)
        .with_context(|| format!("opening key-value store {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA journal_mode = WAL;")?;
    Ok(conn)
}

/// The host side of a guest's `store` resource.
pub struct StoreHandle {
    label: String,
    backend: Arc<Backend>,
}

impl InstanceState {
    async fn kv<T>(
        &mut self,
        store: &Resource<StoreHandle>,
        redis_op: impl AsyncFnOnce(&mut redis::aio::ConnectionManager) -> redis::RedisResult<T>,
        sqlite_op: impl FnOnce(&rusqlite::Connection, &str) -> rusqlite::Result<T> + Send + 'static,
    ) -> wasmtime::Result<Result<T, Error>>
    where
        T: Send + 'static,
    {
        let handle = self.table.get(store)?;
        let label = handle.label.clone();
        let backend = handle.backend.clone();
        Ok(match &*backend {
            Backend::Redis { url, .. } => redis_call(&self.services.redis, url, redis_op).await,
            // Spin reports a store's error by its `Debug` form.
            Backend::Sqlite(conn) => {
                let conn = conn.clone();
                tokio::task::spawn_blocking(move || sqlite_op(&conn.lock().unwrap(), &label))
                    .await?
                    .map_err(|e| Error::Other(format!("{e:?}")))
            }
        })
    }
}

async fn redis_call<T>(
    pool: &RedisPool,
    url: &str,
    op: impl AsyncFnOnce(&mut redis::aio::ConnectionManager) -> redis::RedisResult<T>,
) -> Result<T, Error> {
    let mut conn = pool.get(url).await.map_err(Error::Other)?;
    match op(&mut conn).await {
        Ok(v) => Ok(v),
        Err(e) => {
            if crate::redis_pool::is_connection_error(&e) {
                pool.forget(url).await;
            }
            Err(Error::Other(e.to_string()))
        }
    }
}

impl wit::Host for InstanceState {}

impl wit::HostStore for InstanceState {
    async fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<StoreHandle>, Error>> {
        if !self.component.key_value_stores.contains(&label) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(backend) = self.services.key_value.0.get(&label).cloned() else {
            return Ok(Err(Error::NoSuchStore));
        };
        if let Backend::Redis { url, connected } = &*backend {
            let pool = &self.services.redis;
            if let Err(e) = connected
                .get_or_try_init(async || pool.get(url).await.map(drop))
                .await
            {
                return Ok(Err(Error::Other(e)));
            }
        }
        Ok(Ok(self.table.push(StoreHandle { label, backend })?))
    }

    async fn get(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let k = key.clone();
        let value = self
            .kv(
                &store,
                async |c| c.get::<_, Option<Vec<u8>>>(k).await,
                move |db, label| {
                    use rusqlite::OptionalExtension;
                    db.query_row(
                        "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                        (label, &key),
                        |r| r.get(0),
                    )
                    .optional()
                },
            )
            .await?;
        Ok(value.and_then(|value| {
            let size = size_of::<Option<Vec<u8>>>() + value.as_ref().map_or(0, Vec::len);
            within_buffer_limit(value, size).map_err(Error::Other)
        }))
    }

    async fn set(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let (k, v) = (key.clone(), value.clone());
        self.kv(
            &store,
            async |c| c.set::<_, _, ()>(k, v).await,
            move |db, label| {
                db.execute(
                    "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                    (label, &key, &value),
                )
                .map(|_| ())
            },
        )
        .await
    }

    async fn delete(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let k = key.clone();
        self.kv(
            &store,
            async |c| c.del::<_, ()>(k).await,
            move |db, label| {
                db.execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    (label, &key),
                )
                .map(|_| ())
            },
        )
        .await
    }

    async fn exists(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let k = key.clone();
        self.kv(
            &store,
            async |c| c.exists::<_, bool>(k).await,
            move |db, label| {
                db.query_row(
                    "SELECT EXISTS (SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2)",
                    (label, &key),
                    |r| r.get(0),
                )
            },
        )
        .await
    }

    async fn get_keys(
        &mut self,
        store: Resource<StoreHandle>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let keys = self
            .kv(
                &store,
                async |c| c.keys::<_, Vec<String>>("*").await,
                move |db, label| {
                    let mut stmt = db.prepare("SELECT key FROM spin_key_value WHERE store = ?1")?;
                    stmt.query_map([label], |r| r.get(0))?.collect()
                },
            )
            .await?;
        Ok(keys.and_then(|keys: Vec<String>| {
            let size = size_of::<Vec<String>>()
                + keys
                    .iter()
                    .map(|k| size_of::<String>() + k.len())
                    .sum::<usize>();
            within_buffer_limit(keys, size).map_err(Error::Other)
        }))
    }

    async fn drop(&mut self, store: Resource<StoreHandle>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
