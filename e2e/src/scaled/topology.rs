//! What runs where: `deploy/scaled/topology.toml` (the services, their replicas and health
//! checks) and the HTTP routes of `spin.toml`, which the balancer sends to the service
//! running each route's component.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::repo_root;

#[derive(Deserialize, Clone)]
pub struct Topology {
    #[serde(rename = "service")]
    pub services: Vec<Service>,
}

/// One service: `replicas` host processes running `components` of `manifest`.
#[derive(Deserialize, Clone)]
pub struct Service {
    pub name: String,
    pub manifest: String,
    pub components: Vec<String>,
    pub replicas: usize,
    /// The path the balancer checks (none: the service serves no HTTP).
    pub health: Option<String>,
    /// The variable through which the other services reach this one (`users_url`).
    pub url_variable: Option<String>,
    /// Spin variables of this service's processes alone (its SpinApp's `variables`); the
    /// variables the cluster is given override them.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

impl Service {
    pub fn manifest_path(&self) -> PathBuf {
        repo_root().join(&self.manifest)
    }

    pub fn serves_http(&self) -> bool {
        self.health.is_some()
    }
}

/// An HTTP route of `spin.toml`: `/users/...` is the prefix `/users` (the path itself and
/// everything under it, as Spin and a Kubernetes `Prefix` path match), `/...` everything.
#[derive(Debug, PartialEq)]
pub struct Route {
    pub path: String,
    pub wildcard: bool,
    pub service: String,
}

impl Topology {
    pub fn load() -> Result<Topology> {
        let path = repo_root().join("deploy/scaled/topology.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The manifests the services run, each once.
    pub fn manifests(&self) -> Vec<PathBuf> {
        let mut manifests: Vec<PathBuf> = Vec::new();
        for service in &self.services {
            let path = service.manifest_path();
            if !manifests.contains(&path) {
                manifests.push(path);
            }
        }
        manifests
    }

    /// `spin.toml`'s HTTP routes, in the order a router must try them: exact paths, then
    /// prefixes from the longest (so `/orders/webhooks` wins over `/orders`, and `/...`
    /// comes last).
    pub fn routes(&self) -> Result<Vec<Route>> {
        #[derive(Deserialize)]
        struct Manifest {
            trigger: Triggers,
        }
        #[derive(Deserialize)]
        struct Triggers {
            http: Vec<Trigger>,
        }
        #[derive(Deserialize)]
        struct Trigger {
            route: String,
            component: String,
        }
        let text = std::fs::read_to_string(repo_root().join("spin.toml"))?;
        let manifest: Manifest = toml::from_str(&text).context("parsing spin.toml")?;
        let mut routes = Vec::new();
        for trigger in manifest.trigger.http {
            let service = self
                .services
                .iter()
                .find(|s| s.manifest == "spin.toml" && s.components.contains(&trigger.component))
                .with_context(|| format!("no service runs component {}", trigger.component))?;
            let (path, wildcard) = match trigger.route.strip_suffix("/...") {
                Some(prefix) => (prefix.to_string(), true),
                None => (trigger.route.clone(), false),
            };
            routes.push(Route {
                path,
                wildcard,
                service: service.name.clone(),
            });
        }
        routes.sort_by_key(|r| (r.wildcard, std::cmp::Reverse(r.path.len())));
        Ok(routes)
    }
}
