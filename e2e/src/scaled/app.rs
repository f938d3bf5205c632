//! A [`Cluster`] on a test's own databases and Redis namespace, with the requests of
//! [`Api`] going through its balancer.

use std::time::Duration;

use anyhow::Result;

use super::{Cluster, ClusterConfig};
use crate::{Api, Client, Databases, TempDir, new_id, runtime_config_toml, test_variables};

#[derive(Default, Clone)]
pub struct ScaledOptions {
    /// `name=value` Spin variables on top of the test defaults.
    pub variables: Vec<(String, String)>,
    /// The Redis (`host:port`) of the variables and the key-value store, instead of the
    /// shared one on 127.0.0.1:6379.
    pub redis: Option<String>,
}

pub struct ScaledApp {
    api: Api,
    pub cluster: Cluster,
    _databases: Databases,
    _tmp: TempDir,
}

impl std::ops::Deref for ScaledApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl ScaledApp {
    pub async fn spawn() -> ScaledApp {
        Self::spawn_with(ScaledOptions::default()).await
    }

    pub async fn spawn_with(options: ScaledOptions) -> ScaledApp {
        Self::try_spawn(options)
            .await
            .expect("starting the scaled-out application")
    }

    async fn try_spawn(options: ScaledOptions) -> Result<ScaledApp> {
        let id = new_id();
        let tmp = TempDir::create(&id)?;
        let (databases, urls) = Databases::create(&id).await?;
        let mut variables = test_variables(&id, options.redis.as_deref());
        variables.extend(urls);
        variables.extend(options.variables);
        let runtime_config = tmp.0.join("runtime-config.toml");
        std::fs::write(
            &runtime_config,
            runtime_config_toml(options.redis.as_deref(), ""),
        )?;
        let cluster = Cluster::start(ClusterConfig {
            listen: "127.0.0.1:0".into(),
            variables,
            runtime_config,
            env: Vec::new(),
            work_dir: tmp.0.clone(),
        })
        .await?;
        let client = Client::builder().timeout(Duration::from_secs(60)).build()?;
        Ok(ScaledApp {
            api: Api {
                base_url: cluster.base_url.clone(),
                client,
                id,
            },
            cluster,
            _databases: databases,
            _tmp: tmp,
        })
    }

    /// The same requests, straight to replica `index` of `service` (no balancer).
    pub fn replica(&self, service: &str, index: usize) -> Api {
        Api {
            base_url: self.cluster.replica_url(service, index),
            client: self.client.clone(),
            id: self.id.clone(),
        }
    }
}
