//! `make run-scaled`: the app scaled out as deploy/scaled/topology.toml says (each service in
//! host processes of its own behind HAProxy), until SIGINT or SIGTERM.
//!
//!   scaled [--listen HOST:PORT] [--runtime-config-file FILE] [--variable NAME=VALUE]...
//!
//! `--listen` (default 127.0.0.1:3000) is the balancer's ingress; the variables (spin.toml's
//! defaults unless given) go to every process whose manifest declares them. Prints
//! `Serving http://...` once everything runs, then every process's output after its name.
//!
//! A replica serving HTTP that exits is started again on its port, as Kubernetes restarts
//! a crashed container: after 1 s, then twice as long after each start that fails, up to
//! 30 s (the deliverers' supervisor restarts them). The balancer's health checks route
//! around it meanwhile.

use std::path::PathBuf;
use std::time::Duration;

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

    let mut cluster = Cluster::start(config).await?;
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
        _ = keep_replicas_up(&mut cluster) => {}
    }
    // Dropping the cluster stops every process it started.
    drop(cluster);
    Ok(())
}

/// Restarts the replicas serving HTTP that exit, for ever.
async fn keep_replicas_up(cluster: &mut Cluster) {
    const FIRST_PAUSE: Duration = Duration::from_secs(1);
    const MAX_PAUSE: Duration = Duration::from_secs(30);
    let mut pause = FIRST_PAUSE;
    loop {
        tokio::time::sleep(pause).await;
        let tried = cluster.restart_exited_hosts().await;
        let mut failed = false;
        for (replica, started) in &tried {
            match started {
                Ok(()) => println!("scaled: {replica} had exited; started it again"),
                Err(e) => {
                    failed = true;
                    eprintln!("scaled: {replica} had exited and did not start again: {e:#}");
                }
            }
        }
        pause = match failed {
            true => (pause * 2).min(MAX_PAUSE),
            false => FIRST_PAUSE,
        };
        if failed {
            eprintln!("scaled: trying again in {} s", pause.as_secs());
        }
    }
}
