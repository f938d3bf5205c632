//! The load balancer: HAProxy (Debian's `haproxy`), configured from the topology. One
//! frontend is the ingress (deploy/spinkube/20-ingress.yaml: spin.toml's routes by path,
//! the longest prefix first); each service with a `url_variable` also gets a frontend of
//! its own, as a Kubernetes Service. Every backend checks its replicas' health path (the
//! SpinApp's readiness probe) every 2 s, every 0.5 s once a check failed, and takes a
//! replica out after two failures, back in after one success; meanwhile a request that
//! cannot connect to a replica is sent to another one.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

use super::topology::{Route, Topology};
use crate::{Output, start_logged};

/// The ports of the topology: the ingress, each service's own frontend, each replica.
pub struct Ports {
    pub ingress: u16,
    pub services: BTreeMap<String, u16>,
    pub replicas: BTreeMap<String, Vec<u16>>,
}

/// Settings common to every proxy. The server timeout outlasts the longest request the
/// app serves (a 10 MiB CSV import); `retries` with `redispatch` moves a request whose
/// connection was refused to another replica (HAProxy retries only failed connections by
/// default, never a request a server may have started on); `dontlog-normal` keeps the log
/// to errors, retries and health changes. Errors of the balancer itself (no replica up,
/// none answering) are JSON in the app's `{"detail": ...}` shape.
const DEFAULTS: &str = r#"global
    log stdout format raw local0 info
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    option forwardfor
    timeout connect 1s
    timeout client 130s
    timeout server 130s
    timeout queue 10s
    retries 3
    option redispatch 1
    default-server inter 2s fastinter 500ms fall 2 rise 1
    http-error status 502 content-type application/json string "{\"detail\":\"bad gateway\"}"
    http-error status 503 content-type application/json string "{\"detail\":\"service unavailable\"}"
    http-error status 504 content-type application/json string "{\"detail\":\"gateway timeout\"}"
"#;

pub fn config(topology: &Topology, routes: &[Route], ports: &Ports) -> String {
    let mut cfg = String::from(DEFAULTS);
    let _ = writeln!(
        cfg,
        "\nfrontend ingress\n    bind 127.0.0.1:{}",
        ports.ingress
    );
    for (n, route) in routes.iter().enumerate() {
        match (route.wildcard, route.path.as_str()) {
            (true, "") => {
                let _ = writeln!(cfg, "    default_backend {}", route.service);
                continue;
            }
            (true, path) => {
                let _ = writeln!(cfg, "    acl route{n} path {path}");
                let _ = writeln!(cfg, "    acl route{n} path_beg {path}/");
            }
            (false, path) => {
                let _ = writeln!(cfg, "    acl route{n} path {path}");
            }
        }
        let _ = writeln!(cfg, "    use_backend {} if route{n}", route.service);
    }
    for (service, port) in &ports.services {
        let _ = writeln!(
            cfg,
            "\nfrontend {service}-service\n    bind 127.0.0.1:{port}\n    default_backend {service}"
        );
    }
    for service in topology.services.iter().filter(|s| s.serves_http()) {
        let health = service.health.as_deref().unwrap_or("/");
        let _ = writeln!(
            cfg,
            "\nbackend {}\n    balance roundrobin\n    option httpchk\n    \
             http-check send meth GET uri {health} ver HTTP/1.1 hdr Host 127.0.0.1\n    \
             http-check expect status 200",
            service.name
        );
        for (i, port) in ports.replicas[&service.name].iter().enumerate() {
            let _ = writeln!(
                cfg,
                "    server {}-{} 127.0.0.1:{port} check",
                service.name,
                i + 1
            );
        }
    }
    cfg
}

/// A running HAProxy.
pub struct Balancer {
    child: Child,
    pub output: Output,
}

impl Balancer {
    /// Checks `config_file` and starts HAProxy on it in the foreground; returns once the
    /// ingress port accepts connections.
    pub async fn start(config_file: &Path, ingress: u16) -> Result<Balancer> {
        let check = Command::new("haproxy")
            .arg("-c")
            .arg("-f")
            .arg(config_file)
            .output()
            .await
            .context("running haproxy (scripts/setup.sh installs it)")?;
        if !check.status.success() {
            bail!(
                "haproxy refused {}: {}{}",
                config_file.display(),
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            );
        }
        let mut command = Command::new("haproxy");
        command
            .arg("-db")
            .arg("-f")
            .arg(config_file)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        // HAProxy prints nothing once it listens: the port says so.
        let (child, output) = start_logged(command, "haproxy", "haproxy: ")?;
        let balancer = Balancer { child, output };
        wait_for_port(ingress).await?;
        Ok(balancer)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn wait_for_port(port: u16) -> Result<()> {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(10) {
            bail!("haproxy does not listen on port {port}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
