//! The Redis trigger, as Spin's `spin trigger redis` runs it (`crates/trigger-redis`):
//! one subscriber per server address, subscribed to every channel of the `[[trigger.redis]]`
//! entries on that server; each message is handled by a fresh instance of every component
//! on its channel.
//!
//! Spin never reconnects. A subscriber that cannot connect or subscribe, or whose
//! connection ends, ends the trigger with an error, and `spin up` then terminates every
//! other trigger of the app (`src/commands/up.rs`): the whole app stops, with exit code 1.
//! The host does the same, so an app that relies on Redis staying up fails here first.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use futures::StreamExt;
use futures::future::{join_all, select_all};

use crate::app::App;
use crate::manifest::Manifest;
use crate::variables::AppVariables;

/// A subscription to start.
pub struct Subscription {
    pub address: String,
    pub channel: String,
    pub component: String,
}

pub fn subscriptions(manifest: &Manifest, variables: &AppVariables) -> Result<Vec<Subscription>> {
    let default_address = manifest
        .application
        .trigger
        .redis
        .as_ref()
        .map(|r| r.address.clone());
    manifest
        .trigger
        .redis
        .iter()
        .map(|t| {
            let address = t
                .address
                .clone()
                .or_else(|| default_address.clone())
                .unwrap_or_default();
            Ok(Subscription {
                address: variables.expand(&address)?,
                channel: variables.expand(&t.channel)?,
                component: t.component.clone(),
            })
        })
        .collect()
}

/// The components to run for each channel of one server.
type Channels = BTreeMap<String, Vec<String>>;

/// Starts one subscriber per server. The first one to fail ends the host process the way
/// `spin up` ends when its Redis trigger exits: see [`terminate`].
pub fn start(app: Arc<App>, subscriptions: Vec<Subscription>) {
    let mut servers: BTreeMap<String, Channels> = BTreeMap::new();
    for s in subscriptions {
        servers
            .entry(s.address)
            .or_default()
            .entry(s.channel)
            .or_default()
            .push(s.component);
    }
    if servers.is_empty() {
        return;
    }
    // `spin up` prints its "Terminating" line only when the app has other triggers to stop.
    let with_http = !app.router().routes().is_empty();
    let subscribers = servers
        .into_iter()
        .map(|(address, channels)| tokio::spawn(subscribe(app.clone(), address, channels)))
        .collect::<Vec<_>>();
    tokio::spawn(async move {
        let (ended, _, _) = select_all(subscribers).await;
        let error = match ended {
            Ok(Err(error)) => error,
            Err(join) => anyhow!("the Redis trigger's task failed: {join}"),
        };
        terminate(&error, with_http);
    });
}

/// Connects, subscribes, and handles messages until the connection ends; never returns
/// `Ok`.
async fn subscribe(app: Arc<App>, address: String, channels: Channels) -> Result<Infallible> {
    let client = redis::Client::open(address.as_str())?;
    let server = client.get_connection_info().addr.to_string();
    let mut pubsub = client
        .get_async_pubsub()
        .await
        .with_context(|| format!("Redis trigger failed to connect to {server}"))?;
    println!("Active Channels on {server}:");
    for (channel, components) in &channels {
        pubsub.subscribe(channel).await.with_context(|| {
            format!("Redis trigger failed to subscribe to channel {channel:?} on {server}")
        })?;
        println!("\t{server}/{channel}: [{}]", components.join(","));
    }
    let mut messages = pubsub.into_on_message();
    // One message at a time: Spin's subscriber awaits every handler of a message before it
    // reads the next, so a long handler holds up the messages behind it.
    while let Some(message) = messages.next().await {
        let channel = message.get_channel_name();
        let Some(components) = channels.get(channel) else {
            eprintln!(
                "Error handling message from {server}: message from unexpected channel {channel:?}"
            );
            continue;
        };
        let payload = message.get_payload_bytes();
        // The components of one channel run side by side; a failure is logged, not fatal.
        join_all(components.iter().map(|component| {
            let app = app.clone();
            async move {
                if let Err(e) = app.handle_redis_message(component, payload.to_vec()).await {
                    eprintln!("Component {component} handler failed: {e:#}");
                }
            }
        }))
        .await;
    }
    bail!("disconnected from {server}")
}

/// Ends the process as `spin up` does when a trigger exits with an error: the trigger's
/// `Error: ...` with its causes on stderr, `spin up`'s line on stdout, exit code 1.
fn terminate(error: &anyhow::Error, with_http: bool) -> ! {
    eprintln!("Error: {error}");
    let causes = error.chain().skip(1).collect::<Vec<_>>();
    if !causes.is_empty() {
        eprintln!("\nCaused by:");
        for cause in causes {
            eprintln!("      {cause}");
        }
    }
    if with_http {
        println!("A trigger exited unexpectedly. Terminating.");
    }
    std::process::exit(1)
}
