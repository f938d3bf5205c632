//! `spin-host`: runs a Spin application (`spin.toml`) the way `spin up` does, for
//! machines where Spin itself is not installed.

mod app;
mod bindings;
mod compiled;
mod engine;
mod incoming;
mod key_value;
mod manifest;
mod outbound;
mod outbound_http;
mod postgres;
mod redis;
mod redis_pool;
mod redis_trigger;
mod routing;
mod runtime_config;
mod select;
mod server;
mod state;
mod variables;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, anyhow};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "Run a Spin application on wasmtime, as `spin up` does"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the application's HTTP trigger.
    Up(UpArgs),
}

#[derive(clap::Args)]
struct UpArgs {
    /// The application manifest (or the folder holding `spin.toml`).
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    manifest: PathBuf,
    /// The address to listen on (port 0 picks a free port; the chosen address is printed).
    /// The default is 127.0.0.1:3000. An HTTP trigger option: an app without HTTP routes
    /// refuses it, as `spin up` hands it to a Redis trigger that has no such option.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Runtime configuration: key-value stores.
    #[arg(long = "runtime-config-file")]
    runtime_config: Option<PathBuf>,
    /// Set an application variable: `--variable name=value` (repeatable).
    #[arg(long = "variable", value_parser = parse_variable)]
    variables: Vec<(String, String)>,
    /// Run only this component (repeatable), with its triggers, as `spin up -c` does; the
    /// default is every component.
    #[arg(short = 'c', long = "component-id")]
    components: Vec<String>,
    /// The longest a component may take to handle one request, in seconds.
    #[arg(long, env = "SPIN_HOST_REQUEST_TIMEOUT", default_value_t = 30)]
    request_timeout: u64,
    /// How many requests from the network are handled at once; the rest wait their turn.
    /// The default is 8 per CPU core; 0 admits every request at once.
    #[arg(long, env = "SPIN_HOST_MAX_CONCURRENT_REQUESTS")]
    max_concurrent_requests: Option<usize>,
}

/// The default admission limit per core (see `App::admission`). A request spends part of
/// its time waiting for PostgreSQL or Redis, so a core needs several to stay busy; in the
/// benchmark at 64 clients on 2 cores, 16 served as many requests per second as no limit
/// and kept the host's memory lowest.
const CONCURRENT_REQUESTS_PER_CORE: usize = 8;

fn parse_variable(s: &str) -> Result<(String, String)> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("expected name=value, got {s:?}"))?;
    Ok((name.trim().to_string(), value.to_string()))
}

/// Where the HTTP trigger listens unless `--listen` says otherwise (Spin's default).
const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    3000,
));

/// See the runtime in `main`.
const MAX_BLOCKING_THREADS: usize = 8;

fn main() -> Result<()> {
    let Command::Up(args) = Cli::parse().command;
    // Spin's engine, so that what the host measures predicts Spin (see `engine`).
    let engine = engine::EngineSettings::from_env(|name| std::env::var(name).ok())?;
    eprintln!("{engine}");
    let options = app::AppOptions {
        manifest: args.manifest,
        runtime_config: args.runtime_config,
        variables: args.variables,
        components: args.components,
        request_timeout: Duration::from_secs(args.request_timeout),
        max_concurrent_requests: match args.max_concurrent_requests {
            Some(0) => None,
            Some(n) => Some(n),
            None => Some(
                CONCURRENT_REQUESTS_PER_CORE
                    * std::thread::available_parallelism().map_or(1, |n| n.get()),
            ),
        },
        engine,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Guests' file reads (the `files` mounts) run on tokio's blocking pool, which
        // would otherwise start a thread for nearly every concurrent request, each with
        // its own stack and allocator heap. Reads from the page cache take microseconds,
        // so a few threads keep up with any number of requests.
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()?;
    runtime.block_on(async move {
        let app = app::App::load(&options)?;
        if app.router().routes().is_empty() {
            if args.listen.is_some() {
                eprintln!(
                    "error: unexpected argument '--listen' found (the app has no HTTP trigger)"
                );
                std::process::exit(2);
            }
            // Like `spin up` of an app with only Redis triggers: nothing listens, and the
            // process runs until its trigger fails (see `redis_trigger`) or it is stopped.
            return std::future::pending().await;
        }
        server::serve(app, args.listen.unwrap_or(DEFAULT_LISTEN)).await
    })
}
