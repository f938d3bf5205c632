//! `make run-scaled`: the app scaled out as deploy/scaled/topology.toml says (each service in
//! host processes of its own behind HAProxy), until SIGINT or SIGTERM.
//!
//!   scaled [--listen HOST:PORT] [--runtime-config-file FILE] [--variable NAME=VALUE]...
//!
//! `--listen` (default 127.0.0.1:3000) is the balancer's ingress; the variables (spin.toml's
//! defaults unless given) go to every process whose manifest declares them. Prints
//! `Serving http://...` once everything runs, then every process's output after its name.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use e2e::scaled::{Cluster, ClusterConfig};
use tokio::signal::unix::{SignalKind, signal};

#[tokio::main]
async fn main() -> Result<()> {
    e2e::forward_only();
    let root = e2e::repo_root();
    let mut config = ClusterConfig {
        listen: "127.0.0.1:3000".into(),
        variables: Vec::new(),
        runtime_config: root.join("runtime-config.toml"),
        env: Vec::new(),
        work_dir: root.join("target/scaled"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => config.listen = value()?,
            "--runtime-config-file" => config.runtime_config = PathBuf::from(value()?),
            "--variable" => {
                let pair = value()?;
                let (name, value) = pair
                    .split_once('=')
                    .with_context(|| format!("--variable {pair}: not NAME=VALUE"))?;
                config.variables.push((name.into(), value.into()));
            }
            _ => bail!("unknown argument {arg}; see the top of e2e/src/bin/scaled.rs"),
        }
    }

    let cluster = Cluster::start(config).await?;
    for service in &cluster.topology().services {
        let where_ = match service.serves_http() {
            true => (0..service.replicas)
                .map(|i| cluster.replica_url(&service.name, i))
                .collect::<Vec<_>>()
                .join(" "),
            false => "(no HTTP)".into(),
        };
        println!("{} x{}: {where_}", service.name, service.replicas);
    }
    println!("Serving {}", cluster.base_url);

    let (mut interrupt, mut terminate) = (
        signal(SignalKind::interrupt())?,
        signal(SignalKind::terminate())?,
    );
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    // Dropping the cluster stops every process it started.
    drop(cluster);
    Ok(())
}
