//! What the Messaging API v1 façade needs administered over GraphQL: incoming webhooks,
//! the workspace's callback signing secret, and responses to interactive messages'
//! actions. (Workspace tokens are made by `createApiToken` with v1 permissions.)

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::incoming_webhooks;

use resolvers::idempotency::once_with_secret;

use crate::context::rctx;
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::types::{ButtonClick, Message};

/// A Messaging API v1 incoming webhook (`POST /api/v1/webhooks/incoming`).
pub struct IncomingWebhook(pub incoming_webhooks::Model);

#[Object]
impl IncomingWebhook {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::IncomingWebhook, self.0.id)
    }
    /// The value of the `X-Webhook-Id` header (`webhook_<n>`).
    async fn webhook_id(&self) -> String {
        format!("webhook_{}", self.0.id)
    }
    /// Label.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The default chat of `send_message`, if any.
    async fn channel_id(&self) -> Option<ID> {
        self.0.chat_id.map(|id| ids::encode(Kind::Chat, id))
    }
    /// Allowed actions: `send_message`, `create_channel`, `create_department`,
    /// `add_member`.
    async fn actions(&self) -> Vec<String> {
        resolvers::integrations::incoming::actions_of(&self.0)
    }
    /// Inactive webhooks answer `INVALID_WEBHOOK`.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The bot user the webhook writes as.
    async fn bot_user_id(&self) -> ID {
        ids::encode(Kind::User, self.0.user_id)
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A webhook with its secret, shown this once.
#[derive(SimpleObject)]
pub struct CreatedIncomingWebhook {
    /// The webhook.
    pub webhook: IncomingWebhook,
    /// The HMAC-SHA256 key of `X-Webhook-Signature: sha256=<hex>` (its bytes as written).
    /// Null when `createIncomingWebhook` replays an earlier request with the same
    /// idempotency key: it went out with the first answer only
    /// (`rotateIncomingWebhookSecret` makes a new one).
    pub secret: Option<String>,
}

/// Input of `createIncomingWebhook`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateIncomingWebhookInput {
    /// Label.
    pub name: String,
    /// Default chat of `send_message` (a channel or group).
    pub channel_id: Option<ID>,
    /// Allowed actions: `send_message`, `create_channel`, `create_department`,
    /// `add_member`.
    pub actions: Vec<String>,
}

fn created(
    w: resolvers::integrations::incoming::IncomingWebhookWithSecret,
) -> CreatedIncomingWebhook {
    CreatedIncomingWebhook {
        webhook: IncomingWebhook(w.webhook),
        secret: Some(w.secret),
    }
}

/// Queries of the Messaging API v1 administration.
#[derive(Default)]
pub struct MessagingV1Query;

#[Object]
impl MessagingV1Query {
    /// The workspace's incoming webhooks (owners and admins), oldest first.
    async fn incoming_webhooks(&self, ctx: &Context<'_>) -> Result<Vec<IncomingWebhook>> {
        Ok(
            resolvers::integrations::incoming::list_incoming_webhooks(rctx(ctx)?)
                .await
                .gql()?
                .into_iter()
                .map(IncomingWebhook)
                .collect(),
        )
    }
}

/// Mutations of the Messaging API v1 administration and interactive responses.
#[derive(Default)]
pub struct MessagingV1Mutation;

#[Object]
impl MessagingV1Mutation {
    /// Create an incoming webhook (owners and admins); its secret is in the answer only.
    async fn create_incoming_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateIncomingWebhookInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CreatedIncomingWebhook> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = resolvers::integrations::incoming::CreateIncomingWebhookInput {
            name: input.name,
            chat_id: input
                .channel_id
                .map(|id| ids::decode(&id, Kind::Chat, "channelId"))
                .transpose()?,
            actions: input.actions,
        };
        let (webhook, secret) =
            once_with_secret(c, None, "createIncomingWebhook", &fingerprint, || async {
                let w =
                    resolvers::integrations::incoming::create_incoming_webhook(c, input).await?;
                Ok((w.webhook, w.secret))
            })
            .await
            .gql()?;
        Ok(CreatedIncomingWebhook {
            webhook: IncomingWebhook(webhook),
            secret,
        })
    }
    /// Replace an incoming webhook's secret (owners and admins); the old one stops
    /// working at once. The new one is in the answer only.
    async fn rotate_incoming_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<CreatedIncomingWebhook> {
        let id = ids::decode(&id, Kind::IncomingWebhook, "id")?;
        let w = resolvers::integrations::incoming::rotate_incoming_webhook_secret(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(created(w))
    }
    /// Deactivate an incoming webhook (owners and admins).
    async fn delete_incoming_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<IncomingWebhook> {
        let id = ids::decode(&id, Kind::IncomingWebhook, "id")?;
        Ok(IncomingWebhook(
            resolvers::integrations::incoming::delete_incoming_webhook(rctx(ctx)?, id)
                .await
                .gql()?,
        ))
    }
    /// Replace the workspace's callback signing secret of Messaging API v1 interactive
    /// messages (owners and admins) and return it: shown this once.
    async fn rotate_callback_signing_secret(&self, ctx: &Context<'_>) -> Result<String> {
        resolvers::messages::callbacks::rotate_callback_signing_secret(rctx(ctx)?)
            .await
            .gql()
    }
    /// Respond to an action of an interactive message, once per message, optionally
    /// with a comment; the message's callback receives it.
    async fn respond_to_message_action(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        action_id: String,
        comment: Option<String>,
    ) -> Result<ButtonClick> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let click =
            resolvers::messages::respond_to_message_action(rctx(ctx)?, id, &action_id, comment)
                .await
                .gql()?;
        Ok(ButtonClick {
            message: Message(click.message),
            data: click.data,
            trigger_id: click.trigger_id,
        })
    }
    /// Disable (or enable again) actions of an interactive message: those named, or all
    /// (its sender, or a workspace admin). A disabled action refuses clicks.
    async fn set_message_actions_disabled(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        action_ids: Option<Vec<String>>,
        disabled: bool,
    ) -> Result<Message> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        Ok(Message(
            resolvers::messages::set_message_actions_disabled(rctx(ctx)?, id, action_ids, disabled)
                .await
                .gql()?,
        ))
    }
}
