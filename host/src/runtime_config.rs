//! `runtime-config.toml`: where each key-value store lives.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct RuntimeConfig {
    #[serde(default)]
    pub key_value_store: HashMap<String, KeyValueStoreConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum KeyValueStoreConfig {
    /// Spin's embedded store: a SQLite file.
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
        toml::from_str(&text).with_context(|| format!("invalid runtime config {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_store_types() {
        let config: RuntimeConfig = toml::from_str(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379\"\n\
             [key_value_store.local]\ntype = \"spin\"\npath = \"kv.db\"\n",
        )
        .unwrap();
        assert!(matches!(
            config.key_value_store["default"],
            KeyValueStoreConfig::Redis { .. }
        ));
        assert!(matches!(
            config.key_value_store["local"],
            KeyValueStoreConfig::Spin { .. }
        ));
        assert!(
            toml::from_str::<RuntimeConfig>("[key_value_store.x]\ntype = \"dynamo\"\n").is_err()
        );
    }
}
