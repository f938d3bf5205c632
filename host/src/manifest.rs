//! `spin.toml` (manifest version 2): the parts this host runs.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, ComponentDecl>,
}

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Deserialize)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub trigger: ApplicationTriggers,
}

/// `[application.trigger.redis]`: settings shared by every Redis trigger.
#[derive(Debug, Default, Deserialize)]
pub struct ApplicationTriggers {
    #[serde(default)]
    pub redis: Option<RedisTriggerSettings>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisTriggerSettings {
    pub address: String,
}

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
}

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
    #[serde(default)]
    pub redis: Vec<RedisTrigger>,
}

/// `[[trigger.redis]]`: a component that handles the messages of one channel.
#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisTrigger {
    #[serde(default)]
    pub id: Option<String>,
    /// Defaults to `[application.trigger.redis] address`.
    #[serde(default)]
    pub address: Option<String>,
    pub channel: String,
    pub component: String,
}

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: RouteDecl,
    pub component: String,
    #[serde(default)]
    pub executor: Option<toml::Value>,
}

/// `route = "/path/..."` or `route = { private = true }`.
#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RouteDecl {
    Path(String),
    Private { private: bool },
}

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Deserialize)]
pub struct ComponentDecl {
    pub source: SourceDecl,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub files: Vec<FileMount>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub allowed_http_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub environment: HashMap<String, String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub build: Option<toml::Value>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub dependencies: Option<toml::Value>,
}

#[allow(
    dead_code,
    reason = "keys Spin accepts that this host does not use are declared so unknown keys are still rejected"
)]
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SourceDecl {
    Local(PathBuf),
    Remote { url: String, digest: String },
}

/// `files = ["static/**", { source = "dist", destination = "/" }]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileMount {
    Pattern(String),
    Placement {
        source: PathBuf,
        destination: PathBuf,
    },
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading manifest {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid manifest {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text)?;
        if manifest.spin_manifest_version != 2 {
            bail!(
                "spin_manifest_version must be 2 (found {})",
                manifest.spin_manifest_version
            );
        }
        for trigger in &manifest.trigger.http {
            if !manifest.component.contains_key(&trigger.component) {
                bail!(
                    "trigger for route {:?} names component `{}`, which is not defined",
                    trigger.route,
                    trigger.component
                );
            }
        }
        for trigger in &manifest.trigger.redis {
            if !manifest.component.contains_key(&trigger.component) {
                bail!(
                    "trigger for Redis channel {:?} names component `{}`, which is not defined",
                    trigger.channel,
                    trigger.component
                );
            }
            if trigger.address.is_none() && manifest.application.trigger.redis.is_none() {
                bail!(
                    "trigger for Redis channel {:?} has no address: set `address`, or [application.trigger.redis] address",
                    trigger.channel
                );
            }
        }
        for (id, component) in &manifest.component {
            for name in component.variables.keys() {
                if !is_valid_variable_name(name) {
                    bail!(
                        "component `{id}`: invalid variable name `{name}` (lower-case letters, digits and underscores)"
                    );
                }
            }
        }
        for name in manifest.variables.keys() {
            if !is_valid_variable_name(name) {
                bail!(
                    "invalid variable name `{name}` (lower-case letters, digits and underscores)"
                );
            }
        }
        Ok(manifest)
    }
}

/// Spin's rule for variable names: start with a letter, then lower-case letters, digits
/// and single underscores.
pub fn is_valid_variable_name(name: &str) -> bool {
    crate::variables::name_problem(name).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
greeting = { default = "hi" }
token = { required = true, secret = true }
[[trigger.http]]
route = "/a/..."
component = "a"
[[trigger.http]]
route = { private = true }
component = "a"
[component.a]
source = "a.wasm"
files = [{ source = "dist", destination = "/" }, "static/*"]
[component.a.variables]
message = "{{ greeting }}"
"#;

    #[test]
    fn parses_a_manifest() {
        let manifest = Manifest::parse(MINIMAL).unwrap();
        assert_eq!(manifest.trigger.http.len(), 2);
        assert!(matches!(
            manifest.trigger.http[1].route,
            RouteDecl::Private { private: true }
        ));
        assert!(manifest.variables["token"].required);
        assert_eq!(manifest.component["a"].files.len(), 2);
    }

    #[test]
    fn rejects_unknown_component_and_version() {
        let bad = MINIMAL.replace(
            "component = \"a\"\n[component.a]",
            "component = \"b\"\n[component.a]",
        );
        assert!(
            Manifest::parse(&bad)
                .unwrap_err()
                .to_string()
                .contains("`b`")
        );
        assert!(Manifest::parse(&MINIMAL.replace("version = 2", "version = 1")).is_err());
    }

    #[test]
    fn variable_names() {
        assert!(is_valid_variable_name("db_url"));
        assert!(!is_valid_variable_name("DB_URL"));
        assert!(!is_valid_variable_name("1x"));
        assert!(!is_valid_variable_name("a__b"));
    }
}
