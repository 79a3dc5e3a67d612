//! The outbox relay: delivers pending webhook deliveries, durably and at least once.
//!
//! A tick claims due deliveries by pushing their `next_attempt_at` a lease into the
//! future (with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never claim the same
//! row; SQLite has one writer). If the process dies mid-delivery the lease runs out and
//! the delivery is due again: nothing is lost, and receivers deduplicate on the stable
//! `webhook-id`. Each attempt is logged; failures back off along the schedule with
//! jitter until the budget is spent and the delivery is dead (replayable). A 410 Gone
//! disables the endpoint. Redirects are failures, never followed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use futures::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Set,
};
use serde_json::json;

use super::signing::standard_sign;
use super::ssrf::{self, Guard};
use crate::sql::stmt;
use crate::{Error, Result};

/// Dispatcher settings.
#[derive(Clone, Debug)]
pub struct DispatcherConfig {
    /// Delay before each attempt: the first is immediate; the budget is its length.
    pub schedule: Vec<Duration>,
    /// How often to look for due deliveries.
    pub poll: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Most deliveries claimed per tick.
    pub batch: u64,
    /// How long a claim lasts before a delivery is due again (crash recovery).
    pub lease: Duration,
    /// Concurrent requests.
    pub concurrency: usize,
}

impl Default for DispatcherConfig {
    /// now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (≈ 75.5 h in all).
    fn default() -> Self {
        let m = 60;
        let h = 3600;
        DispatcherConfig {
            schedule: [
                0,
                5,
                5 * m,
                30 * m,
                2 * h,
                5 * h,
                10 * h,
                14 * h,
                20 * h,
                24 * h,
            ]
            .into_iter()
            .map(Duration::from_secs)
            .collect(),
            poll: Duration::from_millis(500),
            timeout: Duration::from_secs(15),
            // Two waves of `concurrency`: every claim is attempted within 30 s, well
            // inside the lease.
            batch: 32,
            lease: Duration::from_secs(60),
            concurrency: 16,
        }
    }
}

impl DispatcherConfig {
    /// The longest a claimed delivery can wait for its attempt to end: a tick attempts
    /// its claims `concurrency` at a time, each within `timeout`. A lease shorter than
    /// this could run out under a live attempt, and another replica would claim and
    /// deliver the same event again.
    pub fn longest_claim(&self) -> Duration {
        let concurrency = self.concurrency.max(1) as u64;
        let waves = self.batch.max(1).div_ceil(concurrency);
        self.timeout
            .saturating_mul(u32::try_from(waves).unwrap_or(u32::MAX))
    }
}

/// Delivers webhooks from the outbox.
#[derive(Clone)]
pub struct Dispatcher {
    db: DatabaseConnection,
    guard: Guard,
    config: DispatcherConfig,
    client: reqwest::Client,
}

impl Dispatcher {
    /// A dispatcher over `db`, calling out only where `guard` allows.
    pub fn new(db: DatabaseConnection, guard: Guard, config: DispatcherConfig) -> Result<Self> {
        let client = ssrf::client(guard.clone(), config.timeout).map_err(Error::internal)?;
        Ok(Dispatcher {
            db,
            guard,
            config,
            client,
        })
    }

    /// Run until `shutdown` resolves.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let delivered = match self.tick().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatcher tick failed");
                    0
                }
            };
            if delivered > 0 {
                continue; // more may be due
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }

    /// Claim and attempt every due delivery once; returns how many were attempted.
    pub async fn tick(&self) -> Result<usize> {
        let claimed = self.claim().await?;
        let n = claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(self.config.concurrency, |id| async move {
                if let Err(e) = self.attempt(id).await {
                    tracing::warn!(delivery = id, error = %e, "webhook attempt could not be recorded");
                }
            })
            .await;
        Ok(n)
    }

    async fn claim(&self) -> Result<Vec<i64>> {
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.config.lease).unwrap_or_default();
        let backend = self.db.get_database_backend();
        let lock = if backend == DbBackend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id IN (\
               SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? \
               ORDER BY next_attempt_at, id LIMIT ?{lock}) RETURNING id"
        );
        let batch = i64::try_from(self.config.batch).unwrap_or(100);
        let rows = self
            .db
            .query_all_raw(stmt(
                backend,
                &sql,
                vec![lease_until.into(), now.into(), batch.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64>("", "id")?))
            .collect()
    }

    async fn attempt(&self, delivery_id: i64) -> Result<()> {
        let Some(delivery) = webhook_deliveries::Entity::find_by_id(delivery_id)
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let endpoint = webhook_endpoints::Entity::find_by_id(delivery.endpoint_id)
            .one(&self.db)
            .await?;
        let event = events::Entity::find_by_id(delivery.event_id)
            .one(&self.db)
            .await?;
        let (Some(endpoint), Some(event)) = (endpoint, event) else {
            return self
                .finish(
                    delivery,
                    Outcome::Dead("the endpoint or event no longer exists".into()),
                    None,
                    0,
                )
                .await;
        };
        if !endpoint.active {
            return self
                .finish(
                    delivery,
                    Outcome::Dead("the endpoint is disabled".into()),
                    None,
                    0,
                )
                .await;
        }
        let rendered = match endpoint.format.as_str() {
            "pachca" => {
                let payload = match endpoint.owner_id {
                    Some(bot) => {
                        crate::integrations::routing::payload_for(&self.db, event.id, bot).await?
                    }
                    None => None,
                };
                match payload {
                    Some(p) => Rendered::Pachca(p),
                    None => {
                        return self
                            .finish(
                                delivery,
                                Outcome::Dead("the bot event no longer exists".into()),
                                None,
                                0,
                            )
                            .await;
                    }
                }
            }
            "export" => Rendered::Plain(crate::integrations::exports::ready_body(
                &event.payload,
                event.created_at,
            )?),
            crate::messages::callbacks::FORMAT_V1 => {
                match crate::messages::callbacks::render_v1(&self.db, &event, &delivery).await? {
                    Some((id, body)) => Rendered::MessagingV1(id, body),
                    None => {
                        return self
                            .finish(
                                delivery,
                                Outcome::Dead("the clicked message no longer exists".into()),
                                None,
                                0,
                            )
                            .await;
                    }
                }
            }
            crate::messages::callbacks::FORMAT => {
                match crate::messages::callbacks::render(&event) {
                    Some((id, body)) => Rendered::Standard(id, body),
                    None => {
                        return self
                            .finish(
                                delivery,
                                Outcome::Dead("not a button click".into()),
                                None,
                                0,
                            )
                            .await;
                    }
                }
            }
            _ => {
                let (id, body) = render(&event);
                Rendered::Standard(id, body)
            }
        };
        let started = std::time::Instant::now();
        let result = self.send(&endpoint, &rendered).await;
        let latency = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (outcome, status) = match result {
            Ok((status, retry_after)) if (200..300).contains(&status) => {
                let _ = retry_after;
                (Outcome::Delivered, Some(status))
            }
            Ok((410, _)) => {
                webhook_endpoints::Entity::update_many()
                    .col_expr(webhook_endpoints::Column::Active, Expr::value(false))
                    .col_expr(
                        webhook_endpoints::Column::DisabledReason,
                        Expr::value("the receiver answered 410 Gone"),
                    )
                    .filter(webhook_endpoints::Column::Id.eq(endpoint.id))
                    .exec(&self.db)
                    .await?;
                (
                    Outcome::Dead("410 Gone: endpoint disabled".into()),
                    Some(410),
                )
            }
            Ok((status, retry_after)) => (
                Outcome::Retry(format!("HTTP {status}"), retry_after),
                Some(status),
            ),
            Err(e) => (Outcome::Retry(e, None), None),
        };
        self.finish(delivery, outcome, status, latency).await
    }

    async fn send(
        &self,
        endpoint: &webhook_endpoints::Model,
        rendered: &Rendered,
    ) -> std::result::Result<(u16, Option<Duration>), String> {
        // IP literals never reach the resolver: check the URL itself at every delivery.
        self.guard
            .check_url(&endpoint.url)
            .await
            .map_err(|e| e.to_string())?;
        let ts = Utc::now().timestamp();
        let request = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json");
        let request = match rendered {
            Rendered::Standard(id, body) => {
                let signature = standard_sign(&endpoint.secret, id, ts, body)
                    .ok_or("the endpoint's secret is malformed")?;
                request
                    .header("webhook-id", id.as_str())
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", signature)
                    .body(body.clone())
            }
            Rendered::Pachca(payload) => {
                // Stamped, serialised and signed per attempt: receivers reject a
                // `webhook_timestamp` more than 60 s old.
                let body =
                    crate::integrations::routing::stamp(payload, ts).map_err(|e| e.to_string())?;
                let signature = super::signing::hex_sign(&endpoint.secret, &body);
                request.header("pachca-signature", signature).body(body)
            }
            Rendered::MessagingV1(id, body) => {
                let signature = super::signing::hex_sign(&endpoint.secret, body);
                request
                    .header("x-webhook-event", "message.action_response")
                    .header("x-webhook-id", id.as_str())
                    .header("x-webhook-signature", format!("sha256={signature}"))
                    .body(body.clone())
            }
            Rendered::Plain(body) => request.body(body.clone()),
        };
        let res = request.send().await.map_err(|e| describe(&e))?;
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok((res.status().as_u16(), retry_after))
    }

    async fn finish(
        &self,
        delivery: webhook_deliveries::Model,
        outcome: Outcome,
        status: Option<u16>,
        latency: i64,
    ) -> Result<()> {
        let now = Utc::now();
        let attempts = delivery.attempts + 1;
        let error = match &outcome {
            Outcome::Delivered => None,
            Outcome::Retry(e, _) | Outcome::Dead(e) => Some(e.clone()),
        };
        let status_i32 = status.map(i32::from);
        let mut am: webhook_deliveries::ActiveModel = delivery.clone().into();
        am.attempts = Set(attempts);
        am.last_status_code = Set(status_i32);
        am.last_error = Set(error.clone());
        am.last_latency_ms = Set(Some(latency));
        match outcome {
            Outcome::Delivered => {
                am.status = Set("delivered".into());
                am.delivered_at = Set(Some(now));
            }
            Outcome::Dead(_) => am.status = Set("dead".into()),
            Outcome::Retry(_, retry_after) => match self.next_attempt(attempts, retry_after, now) {
                Some(at) => am.next_attempt_at = Set(at),
                None => am.status = Set("dead".into()),
            },
        }
        let txn = crate::write_txn(&self.db).await?;
        am.update(&txn).await?;
        webhook_attempts::ActiveModel {
            delivery_id: Set(delivery.id),
            attempted_at: Set(now),
            status_code: Set(status_i32),
            latency_ms: Set(latency),
            error: Set(error),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// When to try again after `attempts` attempts, or `None` when the budget is spent.
    fn next_attempt(
        &self,
        attempts: i32,
        retry_after: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let idx = usize::try_from(attempts).ok()?;
        let base = *self.config.schedule.get(idx)?;
        let delay = jitter(base).max(retry_after.unwrap_or_default());
        Some(now + chrono::Duration::from_std(delay).unwrap_or_default())
    }
}

/// What a delivery sends, by endpoint format.
enum Rendered {
    /// Standard Webhooks: stable id and body, signed with the timestamp in headers.
    Standard(String, Vec<u8>),
    /// A bot's Pachca payload, stamped and signed at each attempt.
    Pachca(serde_json::Value),
    /// An unsigned body (export-ready notices).
    Plain(Vec<u8>),
    /// A Messaging API v1 callback: `X-Webhook-Id` and body, signed `sha256=<hex>`.
    MessagingV1(String, Vec<u8>),
}

enum Outcome {
    Delivered,
    Retry(String, Option<Duration>),
    Dead(String),
}

/// ±20 % jitter, so a recovering receiver is not hit by every retry at once.
fn jitter(base: Duration) -> Duration {
    let mut b = [0_u8; 2];
    let _ = getrandom::fill(&mut b);
    let r = f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX); // 0..=1
    base.mul_f64(0.8 + 0.4 * r)
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = source {
            if let Some(refused) = s.downcast_ref::<ssrf::Refused>() {
                return refused.to_string();
            }
            source = s.source();
        }
        "could not connect".into()
    } else {
        "request failed".into()
    }
}

/// The body and stable id of an event's webhook.
pub fn render(event: &events::Model) -> (String, Vec<u8>) {
    let id = format!("evt_{}", event.id);
    let body = json!({
        "id": id,
        "type": event.kind,
        "cursor": crate::events::encode_event_cursor(event.seq),
        "workspace_id": event.workspace_id,
        "created_at": event.created_at,
        "data": event.payload,
    });
    (id, serde_json::to_vec(&body).unwrap_or_default())
}
