//! Callback URLs of interactive messages: where every click on a message's buttons is
//! POSTed, signed, for its sender.
//!
//! A sender may give a message with `data` buttons a callback URL (at send time, or by
//! editing it later; an edit may also change or clear it). The URL goes through the same
//! checks as every URL Switchboard calls (http or https, at most 2,048 characters, the
//! SSRF guard now and again at every delivery), and is stored as a `webhook_endpoints`
//! row of format `callback` tied to the message. Each click
//! ([`EventKind::ButtonClicked`]) is queued to it in the click's own transaction, so the
//! one durable outbox delivers it: retries with backoff, dead letters, the delivery log
//! and replay are the workspace webhooks' own ([`crate::webhooks`]). A click the message
//! no longer exists for (deleted) is never queued.
//!
//! **The body** is the workspace webhooks' envelope, so one parser serves both:
//! `{"id": "evt_<event id>", "type": "button_clicked", "created_at": <click time>,
//! "data": {"message_id", "chat_id", "user_id" (who clicked), "data" (the button's),
//! "trigger_id"}}` (ids are row ids, which GraphQL accepts wherever an id is expected).
//!
//! **The signature** is Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<HMAC-SHA256>`), as for workspace endpoints, with **one secret
//! per sender**, not one per message. Why: a receiver then holds one secret, configured
//! once, and verifies the raw bytes *before* parsing them — with a secret per message it
//! would have to parse an unverified body to learn which message's secret to check it
//! with, and store a secret for every message it ever sent. Per sender rather than per
//! API token: a session (JWT) has no token to hang it on, every token of a user acts as
//! that user anyway, and replacing a leaked token then does not break the callbacks of
//! messages already sent. The secret is created on the sender's first callback and is
//! visible to that sender alone, on their messages' `callback` (see [`callback_of`]);
//! anyone else — other members of the chat, admins, other workspaces — sees no callback.
//!
//! **Messaging API v1 messages** — those whose buttons are actions
//! ([`super::actions`]) — get that dialect's callback instead (format
//! [`FORMAT_V1`], rendered by [`render_v1`]): the document's `message.action_response`
//! body, `X-Webhook-Event`, `X-Webhook-Id` (the delivery, stable across retries) and
//! `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>` keyed with the
//! **workspace's** callback secret — v1 tokens are workspace-level, and the document
//! speaks of one webhook secret per integration. An admin rotates it
//! ([`rotate_callback_signing_secret`]) and sees it only then; the message's dialect
//! (its button model) decides the shape, whichever door the click came through.

use chrono::Utc;
use entities::{
    callback_secrets, events, messages, users, webhook_deliveries, webhook_endpoints,
    workspace_callback_secrets, workspaces,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde_json::{Value as Json, json};

use crate::auth::Scope;
use crate::events::{Event, EventKind, record};
use crate::pagination::{Page, PageArgs};
use crate::{Ctx, Error, OnConstraint, Result};

/// The endpoint format of message callbacks.
pub const FORMAT: &str = "callback";
/// The endpoint format of Messaging API v1 message callbacks.
pub const FORMAT_V1: &str = "callback_v1";

/// The input field callback URLs arrive in.
const FIELD: &str = "callbackUrl";

/// What an edit does to a message's callback.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CallbackChange {
    /// Leave it as it is (but an edit that removes every `data` button clears it: there
    /// is nothing left to click).
    #[default]
    Keep,
    /// Deliver later clicks here.
    Set(String),
    /// Stop delivering clicks.
    Clear,
}

/// A message's callback, as its sender sees it.
#[derive(Clone, Debug)]
pub struct MessageCallback {
    /// The message.
    pub message_id: i64,
    /// The endpoint row: URL, whether it is active (and why not), the secret that signs.
    pub endpoint: webhook_endpoints::Model,
}

/// Whether `buttons` has at least one `data` button: only those can be clicked.
pub(crate) fn clickable(buttons: Option<&Json>) -> bool {
    buttons
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_array)
        .flatten()
        .any(|b| b.get("data").and_then(Json::as_str).is_some())
}

/// Check a callback URL for a message whose buttons will be `buttons`; returns it trimmed.
pub(crate) async fn checked_url(ctx: &Ctx, url: &str, buttons: Option<&Json>) -> Result<String> {
    if !clickable(buttons) {
        return Err(Error::invalid(
            FIELD,
            "a callback URL needs at least one button with `data`",
        ));
    }
    let url = url.trim();
    crate::webhooks::check_url(ctx, url, FIELD).await?;
    Ok(url.to_owned())
}

/// The sender's signing secret, created on first use (in `txn`).
async fn sender_secret(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    user_id: i64,
) -> Result<String> {
    callback_secrets::Entity::insert(callback_secrets::ActiveModel {
        user_id: Set(user_id),
        workspace_id: Set(workspace_id),
        secret: Set(crate::webhooks::signing::new_secret()?),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(callback_secrets::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    callback_secrets::Entity::find_by_id(user_id)
        .filter(callback_secrets::Column::WorkspaceId.eq(workspace_id))
        .one(txn)
        .await?
        .map(|s| s.secret)
        .ok_or_else(|| Error::internal(std::io::Error::other("no callback secret")))
}

/// The workspace's v1 callback secret, created on first use (in `txn`); an admin
/// learns it by rotating it.
async fn workspace_secret(txn: &DatabaseTransaction, workspace_id: i64) -> Result<String> {
    workspace_callback_secrets::Entity::insert(workspace_callback_secrets::ActiveModel {
        workspace_id: Set(workspace_id),
        secret: Set(crate::webhooks::signing::new_secret()?),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(workspace_callback_secrets::Column::WorkspaceId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    workspace_callback_secrets::Entity::find_by_id(workspace_id)
        .one(txn)
        .await?
        .map(|s| s.secret)
        .ok_or_else(|| Error::internal(std::io::Error::other("no workspace callback secret")))
}

/// Replace the workspace's v1 callback signing secret (owners and admins) and return
/// it: shown this once. Every v1 callback, queued ones included, is signed with it from
/// now on.
pub async fn rotate_callback_signing_secret(ctx: &Ctx) -> Result<String> {
    ctx.require(Scope::WebhooksWrite)?;
    if !ctx.principal.is_admin() || ctx.principal.is_bot {
        return Err(Error::Forbidden(
            "only workspace owners and admins rotate the callback secret".into(),
        ));
    }
    let secret = crate::webhooks::signing::new_secret()?;
    let txn = ctx.write().await?;
    workspace_callback_secrets::Entity::insert(workspace_callback_secrets::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        secret: Set(secret.clone()),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(workspace_callback_secrets::Column::WorkspaceId)
            .update_columns([
                workspace_callback_secrets::Column::Secret,
                workspace_callback_secrets::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    webhook_endpoints::Entity::update_many()
        .col_expr(
            webhook_endpoints::Column::Secret,
            sea_orm::sea_query::Expr::value(secret.clone()),
        )
        .filter(webhook_endpoints::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(webhook_endpoints::Column::Format.eq(FORMAT_V1))
        .exec(&txn)
        .await?;
    ctx.commit_one(txn, EventKind::CallbackSecretRotated {})
        .await?;
    Ok(secret)
}

async fn endpoint_of<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_id: i64,
) -> Result<Option<webhook_endpoints::Model>> {
    Ok(webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::WorkspaceId.eq(workspace_id))
        .filter(webhook_endpoints::Column::Format.is_in([FORMAT, FORMAT_V1]))
        .filter(webhook_endpoints::Column::MessageId.eq(message_id))
        .one(db)
        .await?)
}

/// Point `message`'s callback at `url` (checked by [`checked_url`]) or clear it (`None`),
/// in the edit's or the send's transaction. Returns the event to publish, if anything
/// changed. A cleared callback keeps its row (and delivery log), inactive: deliveries
/// still queued die instead of reaching a URL the sender withdrew.
pub(crate) async fn replace(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    message: &messages::Model,
    url: Option<String>,
) -> Result<Option<Event>> {
    let existing = endpoint_of(txn, message.workspace_id, message.id).await?;
    let endpoint = match (existing, url) {
        (None, None) => return Ok(None),
        (Some(e), None) if !e.active => return Ok(None),
        (Some(e), None) => {
            let mut am: webhook_endpoints::ActiveModel = e.into();
            am.active = Set(false);
            am.disabled_reason = Set(Some("cleared by the message's sender".into()));
            am.update(txn).await?
        }
        (Some(e), Some(url)) => {
            if e.active && e.url == url {
                return Ok(None);
            }
            let mut am: webhook_endpoints::ActiveModel = e.into();
            am.url = Set(url);
            am.active = Set(true);
            am.disabled_reason = Set(None);
            am.update(txn).await?
        }
        (None, Some(url)) => {
            let v1 = super::actions::are_actions(message.buttons.as_ref());
            let (secret, format) = if v1 {
                (
                    workspace_secret(txn, message.workspace_id).await?,
                    FORMAT_V1,
                )
            } else {
                (
                    sender_secret(txn, message.workspace_id, message.author_id).await?,
                    FORMAT,
                )
            };
            webhook_endpoints::ActiveModel {
                workspace_id: Set(message.workspace_id),
                url: Set(url),
                event_types: Set("button_clicked".into()),
                // A copy of the signing secret: an endpoint holds what it signs with
                // (rotating the workspace's v1 secret rewrites these copies).
                secret: Set(secret),
                active: Set(true),
                disabled_reason: Set(None),
                created_at: Set(Utc::now()),
                format: Set(format.into()),
                owner_id: Set(Some(message.author_id)),
                message_id: Set(Some(message.id)),
                ..Default::default()
            }
            .insert(txn)
            .await
            .on_unique(
                FIELD,
                "the callback was changed at the same time; try again",
            )?
        }
    };
    let event = record(
        txn,
        ctx,
        EventKind::WebhookEndpointChanged {
            endpoint_id: endpoint.id,
        },
        None,
    )
    .await?;
    Ok(Some(event))
}

/// The callback of `message` (a row the caller was allowed to read), for its sender
/// only: `None` for anyone else, and for a message without one.
pub async fn callback_of(ctx: &Ctx, message: &messages::Model) -> Result<Option<MessageCallback>> {
    if message.workspace_id != ctx.workspace_id() || message.author_id != ctx.user_id() {
        return Ok(None);
    }
    Ok(endpoint_of(&ctx.db, ctx.workspace_id(), message.id)
        .await?
        .map(|endpoint| MessageCallback {
            message_id: message.id,
            endpoint,
        }))
}

/// The callback of a message the caller sent; a message they cannot see, did not send,
/// or that has none is "not found".
async fn own_callback(ctx: &Ctx, message_id: i64) -> Result<MessageCallback> {
    let (message, _) = super::visible_message(ctx, message_id).await?;
    callback_of(ctx, &message)
        .await?
        .ok_or(Error::NotFound("message callback"))
}

/// The delivery log of a message's callback, newest first (its sender only).
pub async fn list_callback_deliveries(
    ctx: &Ctx,
    message_id: i64,
    status: Option<String>,
    page: PageArgs,
) -> Result<Page<webhook_deliveries::Model>> {
    ctx.require(Scope::MessagesRead)?;
    let callback = own_callback(ctx, message_id).await?;
    crate::webhooks::deliveries_of(&ctx.db, callback.endpoint.id, status, page).await
}

/// Queue the dead deliveries (one, or all) of a message's callback again, now (its
/// sender only). Returns how many.
pub async fn replay_callback_deliveries(
    ctx: &Ctx,
    message_id: i64,
    delivery_id: Option<i64>,
) -> Result<u64> {
    ctx.require(Scope::MessagesUpdate)?;
    let callback = own_callback(ctx, message_id).await?;
    crate::webhooks::replay_dead(&ctx.db, callback.endpoint.id, delivery_id).await
}

/// Queue a just-recorded click to its message's callback, in the click's transaction.
/// A message deleted meanwhile, or whose callback was cleared, gets nothing.
pub(crate) async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    kind: &EventKind,
    stored: &events::Model,
) -> Result<()> {
    let EventKind::ButtonClicked { message_id, .. } = kind else {
        return Ok(());
    };
    let Some(endpoint) = endpoint_of(txn, stored.workspace_id, *message_id).await? else {
        return Ok(());
    };
    if !endpoint.active {
        return Ok(());
    }
    let live = messages::Entity::find_by_id(*message_id)
        .filter(messages::Column::WorkspaceId.eq(stored.workspace_id))
        .filter(messages::Column::DeletedAt.is_null())
        .one(txn)
        .await?
        .is_some();
    if !live {
        return Ok(());
    }
    crate::webhooks::insert_deliveries(txn, stored, &[endpoint.id]).await
}

/// The body and stable id of a click's callback (see the module docs), or `None` when
/// the event is not a click.
pub fn render(event: &events::Model) -> Option<(String, Vec<u8>)> {
    let kind: EventKind = serde_json::from_value(event.payload.clone()).ok()?;
    let EventKind::ButtonClicked {
        chat_id,
        message_id,
        user_id,
        data,
        trigger_id,
        ..
    } = kind
    else {
        return None;
    };
    let id = format!("evt_{}", event.id);
    let body = json!({
        "id": id,
        "type": "button_clicked",
        "created_at": event.created_at,
        "data": {
            "message_id": message_id,
            "chat_id": chat_id,
            "user_id": user_id,
            "data": data,
            "trigger_id": trigger_id,
        },
    });
    Some((id, serde_json::to_vec(&body).ok()?))
}

/// The v1 callback of a click (§6.2 of the Messaging API v1 contract): its
/// `X-Webhook-Id` (the delivery, so retries keep it) and compact UTF-8 JSON body, or
/// `None` when the event is not a click or its message is gone.
pub async fn render_v1<C: ConnectionTrait>(
    db: &C,
    event: &events::Model,
    delivery: &webhook_deliveries::Model,
) -> Result<Option<(String, Vec<u8>)>> {
    let Ok(EventKind::ButtonClicked {
        message_id,
        user_id,
        data,
        comment,
        ..
    }) = serde_json::from_value::<EventKind>(event.payload.clone())
    else {
        return Ok(None);
    };
    let Some(message) = messages::Entity::find_by_id(message_id)
        .filter(messages::Column::WorkspaceId.eq(event.workspace_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let workspace = workspaces::Entity::find_by_id(event.workspace_id)
        .one(db)
        .await?;
    let user = users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(event.workspace_id))
        .one(db)
        .await?;
    let action = super::actions::actions_of(&message)
        .into_iter()
        .find(|a| a.action_id == data);
    let (label, value) = match &action {
        Some(a) => (
            a.label.clone(),
            a.value.clone().unwrap_or_else(|| data.clone()),
        ),
        None => (data.clone(), data.clone()),
    };
    let mut metadata = message.metadata.clone().unwrap_or_else(|| json!({}));
    if let Some(obj) = metadata.as_object_mut() {
        obj.remove("callbackUrl");
    }
    let time = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let body = json!({
        "event": "message.action_response",
        "timestamp": time(delivery.created_at),
        "workspace": {
            "id": format!("workspace_{}", event.workspace_id),
            "name": workspace.map(|w| w.name).unwrap_or_default(),
        },
        "message": {
            "id": format!("msg_{}", message.id),
            "content": message.content,
            "channelId": format!("channel_{}", message.chat_id),
        },
        "action": { "id": data, "label": label },
        "response": {
            "userId": format!("user_{user_id}"),
            "userName": user.as_ref().map(crate::people::display_name).unwrap_or_default(),
            "userEmail": user.and_then(|u| u.email),
            "actionValue": value,
            "comment": comment,
            "metadata": metadata,
            "respondedAt": time(event.created_at),
        },
    });
    let body = serde_json::to_vec(&body).map_err(Error::internal)?;
    Ok(Some((format!("delivery_{}", delivery.id), body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_data_buttons_take_a_callback() {
        assert!(clickable(Some(
            &json!([[{"text": "Docs", "url": "https://x.test"}], [{"text": "Go", "data": "go"}]])
        )));
        assert!(!clickable(Some(
            &json!([[{"text": "Docs", "url": "https://x.test"}]])
        )));
        assert!(!clickable(Some(&json!([]))));
        assert!(!clickable(None));
    }

    #[test]
    fn a_click_renders_as_a_signed_envelope_naming_the_event() {
        let kind = EventKind::ButtonClicked {
            chat_id: 3,
            message_id: 42,
            user_id: 7,
            data: "approve".into(),
            trigger_id: "t1".into(),
            comment: None,
        };
        let event = events::Model {
            id: 9,
            workspace_id: 1,
            seq: 5,
            kind: "button_clicked".into(),
            chat_id: Some(3),
            subject_type: "message".into(),
            subject_id: Some(42),
            actor_id: 7,
            dialect: "graphql".into(),
            token_prefix: None,
            ip: None,
            idempotency_key: None,
            payload: serde_json::to_value(&kind).unwrap_or_default(),
            summary: None,
            created_at: Utc::now(),
        };
        let (id, body) = render(&event).unwrap_or_default();
        assert_eq!(id, "evt_9");
        let v: Json = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(v["type"], "button_clicked");
        assert_eq!(v["data"]["message_id"], 42);
        assert_eq!(v["data"]["user_id"], 7);
        assert_eq!(v["data"]["data"], "approve");
        assert_eq!(v["data"]["trigger_id"], "t1");
        assert!(v["created_at"].is_string());
        let other = events::Model {
            kind: "message_deleted".into(),
            payload: json!({"type": "message_deleted", "chat_id": 3, "message_id": 42}),
            ..event
        };
        assert!(render(&other).is_none());
    }
}
