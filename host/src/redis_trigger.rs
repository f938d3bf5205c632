//! The Redis trigger: each `[[trigger.redis]]` subscribes to its channel, and every
//! message is handled by a fresh instance of the trigger's component, as in Spin.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use futures::StreamExt;

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

/// Keeps every subscription running, reconnecting (with a growing pause) whenever the
/// server goes away.
pub fn start(app: Arc<App>, subscriptions: Vec<Subscription>) {
    for subscription in subscriptions {
        let app = app.clone();
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(250);
            loop {
                match listen(&app, &subscription).await {
                    Ok(()) => pause = Duration::from_millis(250),
                    Err(e) => eprintln!(
                        "redis trigger for channel {:?} ({}): {e}; reconnecting in {pause:?}",
                        subscription.channel, subscription.component
                    ),
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
        });
    }
}

async fn listen(app: &Arc<App>, subscription: &Subscription) -> Result<()> {
    let client = redis::Client::open(subscription.address.as_str())?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(&subscription.channel).await?;
    let mut messages = pubsub.into_on_message();
    while let Some(message) = messages.next().await {
        let payload = message.get_payload_bytes().to_vec();
        let app = app.clone();
        let component = subscription.component.clone();
        tokio::spawn(async move {
            if let Err(e) = app.handle_redis_message(&component, payload).await {
                eprintln!("{e:#}");
            }
        });
    }
    anyhow::bail!("subscription closed")
}
