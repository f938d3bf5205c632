//! A Redis server of a test's own, on a free port, that the test may stop and start again
//! without touching the shared one on 6379 that every other test uses.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts `redis-server` (no persistence) on a free port and waits until it answers.
    pub async fn start() -> RedisServer {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            probe.local_addr().unwrap().port()
        };
        let mut server = RedisServer { port, child: None };
        server.resume().await;
        server
    }

    /// `host:port`, as the `redis_host` variable takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("redis://{}", self.address())
    }

    /// Kills the server (SIGKILL, as a crash would) and waits until it is gone.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts the server again on the same port.
    pub async fn resume(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("running redis-server");
        self.child = Some(child);
        wait_for_ping(self.port)
            .await
            .expect("the private redis-server answers");
    }
}

async fn wait_for_ping(port: u16) -> Result<()> {
    let started = Instant::now();
    loop {
        if ping(port).await.is_ok() {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!("redis-server on port {port} did not answer PING");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ping(port: u16) -> Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(b"PING\r\n").await?;
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).await.context("PING")?;
    if &answer != b"+PONG\r\n" {
        bail!("unexpected answer to PING: {answer:?}");
    }
    Ok(())
}
