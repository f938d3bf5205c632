//! `runtime-config.toml`: where each key-value store lives.
//!
//! Read as Spin's `runtime-config` and `factor-key-value` crates read it: a top-level key
//! nobody uses fails the start ("unused runtime config key(s)"), while keys inside a store's
//! table that its type does not know are ignored. This host reads only `key_value_store`,
//! so Spin's other keys (`state_dir`, `[[variables_provider]]`, ...) fail here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Default)]
pub struct RuntimeConfig {
    pub key_value_store: HashMap<String, KeyValueStoreConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum KeyValueStoreConfig {
    /// Spin's embedded store: a SQLite file, or memory without `path`.
    Spin {
        #[serde(default)]
        path: Option<PathBuf>,
    },
    Redis {
        url: String,
    },
}

impl RuntimeConfig {
    pub fn load(path: &Path) -> Result<RuntimeConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading runtime config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid runtime config {}", path.display()))
    }

    fn parse(text: &str) -> Result<RuntimeConfig> {
        let mut table: toml::Table = toml::from_str(text)?;
        let stores = table.remove("key_value_store");
        if !table.is_empty() {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            bail!("unused runtime config key(s): {}", keys.join(", "));
        }
        let stores: HashMap<String, toml::Value> = match stores {
            Some(stores) => stores.try_into()?,
            None => HashMap::new(),
        };
        let key_value_store = stores
            .into_iter()
            .map(|(label, config)| {
                let config = config.try_into().with_context(|| {
                    format!("could not configure key-value store with label '{label}'")
                })?;
                Ok((label, config))
            })
            .collect::<Result<_>>()?;
        Ok(RuntimeConfig { key_value_store })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_store_types() {
        let config = RuntimeConfig::parse(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379\"\n\
             [key_value_store.local]\ntype = \"spin\"\npath = \"kv.db\"\nunknown = 1\n\
             [key_value_store.memory]\ntype = \"spin\"\n",
        )
        .unwrap();
        assert!(matches!(
            config.key_value_store["default"],
            KeyValueStoreConfig::Redis { .. }
        ));
        assert!(matches!(
            config.key_value_store["local"],
            KeyValueStoreConfig::Spin { path: Some(_) }
        ));
        assert!(matches!(
            config.key_value_store["memory"],
            KeyValueStoreConfig::Spin { path: None }
        ));
    }

    #[test]
    fn rejects_what_spin_rejects() {
        for (text, error) in [
            ("[key_value_store.x]\ntype = \"dynamo\"\n", "label 'x'"),
            ("[key_value_store.x]\ntype = \"redis\"\n", "label 'x'"),
            (
                "[key_value_stores.x]\ntype = \"spin\"\n",
                "unused runtime config key(s): key_value_stores",
            ),
        ] {
            let err = format!("{:#}", RuntimeConfig::parse(text).unwrap_err());
            assert!(err.contains(error), "{text}: {err}");
        }
    }
}
