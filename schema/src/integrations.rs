//! The event log (which is the audit trail) and outgoing webhooks, over GraphQL.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{events, webhook_deliveries, webhook_endpoints};
use resolvers::events::{EventFilter, encode_event_cursor};
use resolvers::idempotency::once;
use resolvers::pagination::PageArgs;
use serde_json::Value;

use crate::context::{loaders, rctx};
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::loaders::load_err;
use crate::types::{User, connection, page_cost};

/// One committed change: an entry of the event log and of the audit trail.
pub struct LogEvent(pub events::Model);

#[Object(name = "Event")]
impl LogEvent {
    /// Cursor of this event (pass it as `after`).
    async fn cursor(&self) -> String {
        encode_event_cursor(self.0.seq)
    }
    /// Per-workspace sequence number (gapless, in commit order).
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    /// Event type, e.g. `message_added`.
    async fn r#type(&self) -> &str {
        &self.0.kind
    }
    /// The chat concerned, if any.
    async fn chat_id(&self) -> Option<ID> {
        self.0.chat_id.map(|id| ids::encode(Kind::Chat, id))
    }
    /// The kind of object changed.
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    /// The object changed (its row id).
    async fn subject_id(&self) -> Option<i64> {
        self.0.subject_id
    }
    /// Who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.actor_id)
            .await
            .map_err(load_err)?
            .map(User))
    }
    /// The front door it came through (`graphql`, `cli`, a REST dialect).
    async fn dialect(&self) -> &str {
        &self.0.dialect
    }
    /// Visible prefix of the API token used.
    async fn token_prefix(&self) -> Option<&str> {
        self.0.token_prefix.as_deref()
    }
    /// Client address.
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }
    /// The request's idempotency key.
    async fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }
    /// The event's data.
    async fn payload(&self) -> Json<Value> {
        Json(self.0.payload.clone())
    }
    /// Before/after summary of the change, where it has one.
    async fn summary(&self) -> Option<Json<Value>> {
        self.0.summary.clone().map(Json)
    }
    /// When it committed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An outgoing-webhook endpoint.
pub struct WebhookEndpoint(pub webhook_endpoints::Model);

#[Object]
impl WebhookEndpoint {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::WebhookEndpoint, self.0.id)
    }
    /// Where events are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Event types sent (`*`: all).
    async fn event_types(&self) -> Vec<String> {
        self.0
            .event_types
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }
    /// The Standard Webhooks signing secret (`whsec_…`) to verify deliveries with.
    async fn secret(&self) -> &str {
        &self.0.secret
    }
    /// Whether deliveries are sent.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Why the endpoint was disabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Deliveries to it, newest first (the delivery log).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "`pending`, `delivered` or `dead`.")] status: Option<String>,
    ) -> Result<Connection<String, WebhookDelivery>> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = resolvers::webhooks::list_deliveries(rctx(ctx)?, self.0.id, status, page)
            .await
            .gql()?;
        Ok(connection(rows, |d| d.id, WebhookDelivery))
    }
}

/// An interactive message's callback, as its sender sees it (nobody else does): where
/// every click on the message's buttons is POSTed, signed with Standard Webhooks
/// headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
pub struct MessageCallback(pub resolvers::messages::MessageCallback);

#[Object]
impl MessageCallback {
    /// The URL clicks are delivered to.
    async fn url(&self) -> &str {
        &self.0.endpoint.url
    }
    /// The `whsec_…` secret that verifies the deliveries: one per sender, the same on
    /// every message you give a callback.
    async fn secret(&self) -> &str {
        &self.0.endpoint.secret
    }
    /// Whether clicks are delivered (false once cleared, or after the receiver answered
    /// 410 Gone).
    async fn active(&self) -> bool {
        self.0.endpoint.active
    }
    /// Why clicks are no longer delivered.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.endpoint.disabled_reason.as_deref()
    }
    /// Deliveries of clicks, newest first (the delivery log).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "`pending`, `delivered` or `dead`.")] status: Option<String>,
    ) -> Result<Connection<String, WebhookDelivery>> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = resolvers::messages::list_callback_deliveries(
            rctx(ctx)?,
            self.0.message_id,
            status,
            page,
        )
        .await
        .gql()?;
        Ok(connection(rows, |d| d.id, WebhookDelivery))
    }
}

/// One attempt to deliver a webhook.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// How long it took.
    pub latency_ms: i64,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

/// One event's delivery to one endpoint.
pub struct WebhookDelivery(pub webhook_deliveries::Model);

#[Object]
impl WebhookDelivery {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::WebhookDelivery, self.0.id)
    }
    /// The webhook's stable id (`webhook-id` header): `evt_<event id>`.
    async fn webhook_id(&self) -> String {
        format!("evt_{}", self.0.event_id)
    }
    /// `pending`, `delivered` or `dead`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// Attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (while pending).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == "pending").then_some(self.0.next_attempt_at)
    }
    /// The last answer's HTTP status.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// The last error.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The last attempt's latency.
    async fn last_latency_ms(&self) -> Option<i64> {
        self.0.last_latency_ms
    }
    /// When it was delivered.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// Every attempt, oldest first.
    async fn attempt_log(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>> {
        let rows = resolvers::webhooks::attempts_of(&rctx(ctx)?.db, &[self.0.id])
            .await
            .gql()?;
        Ok(rows
            .into_iter()
            .map(|a| WebhookAttempt {
                attempted_at: a.attempted_at,
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
            })
            .collect())
    }
}

/// Queries of the event log and webhooks.
#[derive(Default)]
pub struct IntegrationsQuery;

#[Object]
impl IntegrationsQuery {
    /// The event log of the workspace — its audit trail — oldest first after `after`
    /// (owners; admins with `webhooks:events:read`). Poll it with the last `cursor`.
    #[allow(clippy::too_many_arguments, reason = "one GraphQL argument each")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An event cursor.")] after: Option<String>,
        first: Option<i32>,
        #[graphql(desc = "Only these types (e.g. `message_added`).", default)] types: Vec<String>,
        chat_id: Option<ID>,
        actor_id: Option<ID>,
        #[graphql(desc = "Only through this front door (`graphql`, `cli`, …).")] dialect: Option<
            String,
        >,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Connection<String, LogEvent>> {
        let after = after
            .map(|a| resolvers::events::decode_event_cursor(&a, "after"))
            .transpose()
            .gql()?;
        let page = PageArgs::parse(first, None).gql()?;
        let filter = EventFilter {
            kinds: types,
            actor_id: actor_id
                .map(|id| ids::decode(&id, Kind::User, "actorId"))
                .transpose()?,
            chat_id: chat_id
                .map(|id| ids::decode(&id, Kind::Chat, "chatId"))
                .transpose()?,
            dialect,
            from,
            to,
            ..Default::default()
        };
        let rows = resolvers::events::list_events(rctx(ctx)?, filter, after, page.first)
            .await
            .gql()?;
        let mut conn = Connection::new(rows.has_prev, rows.has_next);
        conn.edges.extend(
            rows.items
                .into_iter()
                .map(|e| Edge::new(encode_event_cursor(e.seq), LogEvent(e))),
        );
        Ok(conn)
    }

    /// The workspace's webhook endpoints (admins).
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>> {
        let rows = resolvers::webhooks::list_webhook_endpoints(rctx(ctx)?)
            .await
            .gql()?;
        Ok(rows.into_iter().map(WebhookEndpoint).collect())
    }
}

/// Mutations of webhooks.
#[derive(Default)]
pub struct IntegrationsMutation;

#[Object]
impl IntegrationsMutation {
    /// Register an endpoint (admins). Every event of the chosen types is POSTed to it,
    /// signed with Standard Webhooks headers, retried with backoff until delivered.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        url: String,
        #[graphql(desc = "Event types to send; empty for all.", default)] event_types: Vec<String>,
        idempotency_key: Option<String>,
    ) -> Result<WebhookEndpoint> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([url, event_types]);
        let input = resolvers::webhooks::CreateEndpointInput { url, event_types };
        let endpoint = once(c, None, "createWebhookEndpoint", &fingerprint, || {
            resolvers::webhooks::create_webhook_endpoint(c, input)
        })
        .await
        .gql()?;
        Ok(WebhookEndpoint(endpoint))
    }

    /// Enable or disable an endpoint.
    async fn set_webhook_endpoint_active(
        &self,
        ctx: &Context<'_>,
        id: ID,
        active: bool,
    ) -> Result<WebhookEndpoint> {
        let id = ids::decode(&id, Kind::WebhookEndpoint, "id")?;
        let endpoint = resolvers::webhooks::set_webhook_endpoint_active(rctx(ctx)?, id, active)
            .await
            .gql()?;
        Ok(WebhookEndpoint(endpoint))
    }

    /// Remove an endpoint and its delivery log.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = ids::decode(&id, Kind::WebhookEndpoint, "id")?;
        resolvers::webhooks::delete_webhook_endpoint(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(true)
    }

    /// Send the dead click deliveries of your message's callback again (one, or all);
    /// returns how many.
    async fn replay_message_callback_deliveries(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        delivery_id: Option<ID>,
    ) -> Result<u64> {
        let message_id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let delivery_id = delivery_id
            .map(|id| ids::decode(&id, Kind::WebhookDelivery, "deliveryId"))
            .transpose()?;
        resolvers::messages::replay_callback_deliveries(rctx(ctx)?, message_id, delivery_id)
            .await
            .gql()
    }

    /// Send dead deliveries again (one, or all of the endpoint's); returns how many.
    async fn replay_webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        delivery_id: Option<ID>,
    ) -> Result<u64> {
        let endpoint_id = ids::decode(&endpoint_id, Kind::WebhookEndpoint, "endpointId")?;
        let delivery_id = delivery_id
            .map(|id| ids::decode(&id, Kind::WebhookDelivery, "deliveryId"))
            .transpose()?;
        resolvers::webhooks::replay_deliveries(rctx(ctx)?, endpoint_id, delivery_id)
            .await
            .gql()
    }
}
