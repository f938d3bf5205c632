//! The app scaled out on one machine as deploy/spinkube/ runs it on Kubernetes: each
//! service of `deploy/scaled/topology.toml` in host processes of its own (`spin up -c`),
//! several replicas each, behind HAProxy on one port ([`haproxy`]), on one PostgreSQL and
//! one Redis. [`Cluster`] runs it (for `make run-scaled`, the bench and the tests);
//! [`ScaledApp`] is a cluster on a test's own databases and Redis namespace.

mod app;
mod haproxy;
mod topology;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use futures::future::try_join_all;
use tokio::process::Child;

pub use app::{ScaledApp, ScaledOptions};
use haproxy::{Balancer, Ports};
pub use topology::{Route, Service, Topology};

use crate::{
    ANY_PORT, AppOptions, Output, Supervised, declared, for_manifest, host_command, repo_root,
    start_and_wait, supervised_deliverer,
};

/// What every process of a cluster shares.
pub struct ClusterConfig {
    /// The ingress's address (`127.0.0.1:0`: any free port).
    pub listen: String,
    /// Spin variables; each process gets those its manifest declares. The cluster adds the
    /// `url_variable` of each service (`users_url`, `inventory_url`).
    pub variables: Vec<(String, String)>,
    pub runtime_config: PathBuf,
    /// Environment variables of the host processes.
    pub env: Vec<(String, String)>,
    /// Where the balancer's configuration goes.
    pub work_dir: PathBuf,
}

/// A running scaled-out app.
pub struct Cluster {
    /// The ingress: every route of the app.
    pub base_url: String,
    launcher: Launcher,
    replicas: BTreeMap<String, Vec<Option<Process>>>,
    balancer: Balancer,
}

impl Cluster {
    /// Starts every replica serving HTTP, then the balancer in front of them, then the
    /// deliverers (which wake themselves through the balancer).
    pub async fn start(mut config: ClusterConfig) -> Result<Cluster> {
        let topology = Topology::load()?;
        let ports = allocate(&topology, &config.listen)?;
        for service in &topology.services {
            if let (Some(variable), Some(port)) =
                (&service.url_variable, ports.services.get(&service.name))
            {
                let url = format!("http://127.0.0.1:{port}");
                config.variables.push((variable.clone(), url));
            }
        }
        std::fs::create_dir_all(&config.work_dir)?;
        let config_file = config.work_dir.join("haproxy.cfg");
        let routes = topology.routes()?;
        std::fs::write(&config_file, haproxy::config(&topology, &routes, &ports))?;

        let launcher = Launcher {
            base_url: format!("http://127.0.0.1:{}", ports.ingress),
            topology,
            config,
            ports,
        };
        let mut replicas = BTreeMap::new();
        launcher.start_all(&mut replicas, true).await?;
        let balancer = Balancer::start(&config_file, launcher.ports.ingress).await?;
        launcher.start_all(&mut replicas, false).await?;
        Ok(Cluster {
            base_url: launcher.base_url.clone(),
            launcher,
            replicas,
            balancer,
        })
    }

    pub fn topology(&self) -> &Topology {
        &self.launcher.topology
    }

    /// Replica `index` (from 0) of `service`, bypassing the balancer.
    pub fn replica_url(&self, service: &str, index: usize) -> String {
        let port = self.launcher.ports.replicas[service][index];
        format!("http://127.0.0.1:{port}")
    }

    /// What replica `index` of `service` printed on stdout (its supervisor's lines too,
    /// for a deliverer) since it was last started.
    pub fn output(&self, service: &str, index: usize) -> Output {
        self.replicas[service][index]
            .as_ref()
            .map(|p| p.output().clone())
            .unwrap_or_default()
    }

    /// What HAProxy logged: errors, retries and health changes.
    pub fn balancer_output(&self) -> &Output {
        &self.balancer.output
    }

    /// Kills replica `index` of `service` with SIGKILL, as a crash would, and waits until
    /// it is gone (a deliverer with its supervisor).
    pub async fn kill(&mut self, service: &str, index: usize) {
        if let Some(process) = self.slot(service, index).take() {
            process.kill().await;
        }
    }

    /// Starts replica `index` of `service` again (killing it first if it runs), on its port.
    pub async fn restart(&mut self, service: &str, index: usize) -> Result<()> {
        self.kill(service, index).await;
        let spec = self.launcher.service(service)?.clone();
        let process = self.launcher.start(&spec, index).await?;
        *self.slot(service, index) = Some(process);
        Ok(())
    }

    /// Kills every replica of `service`: the whole service is down.
    pub async fn stop_service(&mut self, service: &str) {
        for index in 0..self.replicas[service].len() {
            self.kill(service, index).await;
        }
    }

    /// Starts every replica of `service` that is not running.
    pub async fn start_service(&mut self, service: &str) -> Result<()> {
        for index in 0..self.replicas[service].len() {
            if self.replicas[service][index].is_none() {
                self.restart(service, index).await?;
            }
        }
        Ok(())
    }

    /// The replicas serving HTTP whose host has exited by itself, as `service#n`.
    pub fn exited_hosts(&mut self) -> Vec<String> {
        let mut exited = Vec::new();
        for (service, slots) in &mut self.replicas {
            for (index, slot) in slots.iter_mut().enumerate() {
                if host_exited(slot) {
                    exited.push(label(service, index));
                }
            }
        }
        exited
    }

    /// Starts again, on its port, each replica serving HTTP whose host has exited by
    /// itself or failed to start again, as Kubernetes restarts a pod's container. Returns
    /// each replica it tried (`service#n`) and whether it serves again.
    pub async fn restart_exited_hosts(&mut self) -> Vec<(String, Result<()>)> {
        let mut down = Vec::new();
        for (service, slots) in &mut self.replicas {
            let serves_http = self
                .launcher
                .service(service)
                .is_ok_and(Service::serves_http);
            for (index, slot) in slots.iter_mut().enumerate() {
                if host_exited(slot) || (slot.is_none() && serves_http) {
                    down.push((service.clone(), index));
                }
            }
        }
        let mut tried = Vec::new();
        for (service, index) in down {
            let started = self.restart(&service, index).await;
            tried.push((label(&service, index), started));
        }
        tried
    }

    /// The process id of the host of replica `index` of `service`, if it serves HTTP.
    pub fn host_pid(&self, service: &str, index: usize) -> Option<u32> {
        match self.replicas[service][index].as_ref()? {
            Process::Host { child, .. } => child.id(),
            Process::Deliverer(_) => None,
        }
    }

    fn slot(&mut self, service: &str, index: usize) -> &mut Option<Process> {
        &mut self
            .replicas
            .get_mut(service)
            .unwrap_or_else(|| panic!("no service {service}"))[index]
    }
}

/// Starts the replicas of a topology, each on its own port.
struct Launcher {
    base_url: String,
    topology: Topology,
    config: ClusterConfig,
    ports: Ports,
}

impl Launcher {
    fn service(&self, name: &str) -> Result<&Service> {
        self.topology
            .service(name)
            .with_context(|| format!("no service {name} in the topology"))
    }

    /// Starts every replica of the services that serve HTTP (`http`) or of the others, all
    /// at once, into `replicas`.
    async fn start_all(
        &self,
        replicas: &mut BTreeMap<String, Vec<Option<Process>>>,
        http: bool,
    ) -> Result<()> {
        let services = self
            .topology
            .services
            .iter()
            .filter(|s| s.serves_http() == http);
        let started = try_join_all(services.map(|service| async move {
            let processes = (0..service.replicas).map(|index| self.start(service, index));
            let processes = try_join_all(processes).await?;
            anyhow::Ok((
                service.name.clone(),
                processes.into_iter().map(Some).collect(),
            ))
        }))
        .await?;
        replicas.extend(started);
        Ok(())
    }

    /// Starts replica `index` of `service`; returns once it serves (a deliverer: once it
    /// has subscribed).
    async fn start(&self, service: &Service, index: usize) -> Result<Process> {
        let manifest = service.manifest_path();
        let manifests = self.topology.manifests();
        let other = manifests
            .iter()
            .find(|m| **m != manifest)
            .unwrap_or(&manifest);
        let variables: Vec<_> = (service.variables.clone().into_iter())
            .chain(self.config.variables.iter().cloned())
            .collect();
        let variables = for_manifest(&variables, &manifest, other)?;
        let options = AppOptions {
            host_args: service
                .components
                .iter()
                .flat_map(|c| ["-c".to_string(), c.clone()])
                .collect(),
            env: self.config.env.clone(),
            ..Default::default()
        };
        // A service without HTTP routes (the deliverer) takes no `--listen`, as on Spin.
        let listen = service
            .serves_http()
            .then(|| match self.ports.replicas.get(&service.name) {
                Some(ports) => format!("127.0.0.1:{}", ports[index]),
                None => ANY_PORT.to_string(),
            });
        let mut host = host_command(
            &manifest,
            &self.config.runtime_config,
            &variables,
            &options,
            listen.as_deref(),
        );
        let label = label(&service.name, index);
        let prefix = format!("{label}: ");
        if service.serves_http() {
            host.kill_on_drop(true);
            let (child, (), output) = start_and_wait(host, &label, &prefix, |line| {
                line.starts_with("Serving ").then_some(())
            })
            .await?;
            return Ok(Process::Host { child, output });
        }
        let wake_url = format!("{}/orders/webhooks/wake", self.base_url);
        let token = self.variable("service_token")?;
        let command = supervised_deliverer(&wake_url, None, &host, &token);
        let namespace = self.variable("redis_namespace")?;
        let supervised = Supervised::start(command, &namespace, &label, &prefix).await?;
        Ok(Process::Deliverer(supervised))
    }

    /// The value of `name` among the variables, else its default in `spin.toml`.
    fn variable(&self, name: &str) -> Result<String> {
        let given = self.config.variables.iter().rev().find(|(n, _)| n == name);
        if let Some((_, value)) = given {
            return Ok(value.clone());
        }
        declared(&repo_root().join("spin.toml"))?
            .get(name)
            .and_then(|v| v.get("default"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .with_context(|| format!("spin.toml has no default for {name}"))
    }
}

enum Process {
    Host { child: Child, output: Output },
    Deliverer(Supervised),
}

impl Process {
    fn output(&self) -> &Output {
        match self {
            Process::Host { output, .. } => output,
            Process::Deliverer(supervised) => &supervised.output,
        }
    }

    async fn kill(self) {
        match self {
            Process::Host { mut child, .. } => {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
            Process::Deliverer(supervised) => supervised.kill().await,
        }
    }
}

/// Whether `slot` holds a host (a replica serving HTTP) that has exited.
fn host_exited(slot: &mut Option<Process>) -> bool {
    match slot {
        Some(Process::Host { child, .. }) => !matches!(child.try_wait(), Ok(None)),
        _ => false,
    }
}

fn label(service: &str, index: usize) -> String {
    format!("{service}#{}", index + 1)
}

/// The ingress's port (`listen`'s, or a free one for port 0), a port for the frontend of
/// each service with a `url_variable`, and one for each replica serving HTTP. The probes
/// stay bound until every port is chosen, so no two are the same.
fn allocate(topology: &Topology, listen: &str) -> Result<Ports> {
    let port: u16 = listen
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .with_context(|| format!("--listen {listen}: not HOST:PORT"))?;
    let mut probes = Vec::new();
    let mut free_port = || -> Result<u16> {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = probe.local_addr()?.port();
        probes.push(probe);
        Ok(port)
    };
    let ingress = match port {
        0 => free_port()?,
        port => port,
    };
    let mut ports = Ports {
        ingress,
        services: BTreeMap::new(),
        replicas: BTreeMap::new(),
    };
    for service in &topology.services {
        if service.url_variable.is_some() {
            ports.services.insert(service.name.clone(), free_port()?);
        }
        if service.serves_http() {
            let replicas = (0..service.replicas).map(|_| free_port());
            let replicas = replicas.collect::<Result<Vec<u16>>>()?;
            ports.replicas.insert(service.name.clone(), replicas);
        }
    }
    Ok(ports)
}
