//! The bus: fan-out of committed events to this process's subscribers.
//!
//! In-process by default (a `tokio::sync::broadcast` channel). With a broker URL
//! (`nats://…` or `redis://…`), every replica publishes its committed events to the
//! broker and feeds its local subscribers only from the broker, so each subscriber on
//! each replica sees every event of every replica, once. The broker is a fast path, not
//! the record: the event log in the database is, and subscribers fill any gap from it
//! (see `events::replay`).

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};

use crate::events::Event;

/// Fan-out of committed events.
#[derive(Clone)]
pub struct Bus {
    local: broadcast::Sender<Arc<Event>>,
    remote: Option<mpsc::UnboundedSender<Arc<Event>>>,
    kind: &'static str,
}

impl Bus {
    /// Events buffered per subscriber before it is considered lagging (it then refills
    /// from the log).
    pub const CAPACITY: usize = 4096;

    /// An in-process bus.
    pub fn new() -> Self {
        let (local, _) = broadcast::channel(Self::CAPACITY);
        Bus {
            local,
            remote: None,
            kind: "in-process",
        }
    }

    /// A bus on a broker: `nats://host:4222` or `redis://host:6379`, on the subject (or
    /// channel) `<namespace>.events` — replicas of one deployment share a namespace, and
    /// deployments sharing a broker must not. Connects now and fails if the broker is
    /// unreachable.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, String> {
        let topic = format!("{namespace}.events");
        let (local, _) = broadcast::channel(Self::CAPACITY);
        let (out_tx, out_rx) = mpsc::unbounded_channel::<Arc<Event>>();
        let kind = if url.starts_with("nats://") {
            nats::start(url, topic, local.clone(), out_rx).await?;
            "nats"
        } else if url.starts_with("redis://") || url.starts_with("rediss://") {
            redis::start(url, topic, local.clone(), out_rx).await?;
            "redis"
        } else {
            return Err(format!(
                "unsupported bus URL `{url}` (use nats:// or redis://)"
            ));
        };
        Ok(Bus {
            local,
            remote: Some(out_tx),
            kind,
        })
    }

    /// Which transport this bus uses (`in-process`, `nats`, `redis`).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Announce a committed event. Having no subscriber is not an error.
    pub fn publish(&self, event: Event) {
        let event = Arc::new(event);
        match &self.remote {
            Some(remote) => {
                if remote.send(event).is_err() {
                    tracing::warn!(
                        "event bus publisher stopped; subscribers will refill from the event log"
                    );
                }
            }
            None => {
                let _ = self.local.send(event);
            }
        }
    }

    /// Receive every event published from now on (by any replica, with a broker).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.local.subscribe()
    }

    /// How many receivers are attached in this process: live subscriptions' feeds and
    /// the other consumers of the bus.
    pub fn receivers(&self) -> usize {
        self.local.receiver_count()
    }
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

fn decode(bytes: &[u8]) -> Option<Arc<Event>> {
    match serde_json::from_slice::<Event>(bytes) {
        Ok(event) => Some(Arc::new(event)),
        Err(e) => {
            tracing::warn!(error = %e, "dropping an undecodable bus message");
            None
        }
    }
}

mod nats {
    use super::*;
    use futures::StreamExt;

    pub(super) async fn start(
        url: &str,
        topic: String,
        local: broadcast::Sender<Arc<Event>>,
        mut out: mpsc::UnboundedReceiver<Arc<Event>>,
    ) -> Result<(), String> {
        let client = async_nats::connect(url)
            .await
            .map_err(|e| format!("connecting to NATS: {e}"))?;
        let mut sub = client
            .subscribe(topic.clone())
            .await
            .map_err(|e| format!("subscribing on NATS: {e}"))?;
        // Make sure the subscription is registered before anything is published.
        client
            .flush()
            .await
            .map_err(|e| format!("NATS flush: {e}"))?;
        tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                if let Some(event) = decode(&msg.payload) {
                    let _ = local.send(event);
                }
            }
            tracing::warn!("NATS subscription ended");
        });
        tokio::spawn(async move {
            while let Some(event) = out.recv().await {
                let Ok(bytes) = serde_json::to_vec(&*event) else {
                    continue;
                };
                if let Err(e) = client.publish(topic.clone(), bytes.into()).await {
                    tracing::warn!(error = %e, "publishing to NATS failed; subscribers will refill from the event log");
                }
            }
        });
        Ok(())
    }
}

mod redis {
    use super::*;
    use fred::prelude::*;

    pub(super) async fn start(
        url: &str,
        topic: String,
        local: broadcast::Sender<Arc<Event>>,
        mut out: mpsc::UnboundedReceiver<Arc<Event>>,
    ) -> Result<(), String> {
        let config = Config::from_url(url).map_err(|e| format!("bad Redis URL: {e}"))?;
        let publisher = Builder::from_config(config.clone())
            .build()
            .map_err(|e| format!("Redis client: {e}"))?;
        publisher
            .init()
            .await
            .map_err(|e| format!("connecting to Redis: {e}"))?;
        let subscriber = Builder::from_config(config)
            .build_subscriber_client()
            .map_err(|e| format!("Redis subscriber: {e}"))?;
        subscriber
            .init()
            .await
            .map_err(|e| format!("connecting to Redis: {e}"))?;
        let mut messages = subscriber.message_rx();
        subscriber
            .subscribe(topic.clone())
            .await
            .map_err(|e| format!("subscribing on Redis: {e}"))?;
        let _keep = subscriber.manage_subscriptions();
        tokio::spawn(async move {
            let _subscriber = subscriber;
            while let Ok(msg) = messages.recv().await {
                if let Some(bytes) = msg.value.as_bytes()
                    && let Some(event) = decode(bytes)
                {
                    let _ = local.send(event);
                }
            }
            tracing::warn!("Redis subscription ended");
        });
        tokio::spawn(async move {
            while let Some(event) = out.recv().await {
                let Ok(text) = serde_json::to_string(&*event) else {
                    continue;
                };
                if let Err(e) = publisher.publish::<i64, _, _>(topic.clone(), text).await {
                    tracing::warn!(error = %e, "publishing to Redis failed; subscribers will refill from the event log");
                }
            }
        });
        Ok(())
    }
}
