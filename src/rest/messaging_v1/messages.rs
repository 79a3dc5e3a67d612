//! Messages: `POST /messages`, plain and interactive (§6, §6.1).

use axum::Router;
use axum::routing::post;
use entities::messages;
use resolvers::Ctx;
use resolvers::messages::{
    ActionInput, AttachmentInput, MessageKind, SendMessageInput, SendOptions,
};
use serde_json::{Value, json};

use super::convert::{IdKind, date, id, parse_id};
use super::error::{Failure, Reply};
use super::extract::{Caller, Problems, SendMessages, V1Json, created, once, to_json};
use super::wire::{ActionOut, AttachmentOut, MessageOut, SendMessageRequest, UserRef};
use crate::state::AppState;

/// Routes (relative to the base path): `POST /messages` — `send:messages`, standard
/// budget.
pub fn routes() -> Router<AppState> {
    Router::new().route("/messages", post(send))
}

/// `POST /api/v1/messages` (document: Messages › Send Message, Send Interactive
/// Message) → 201 `{success, message}`.
async fn send(caller: Caller<SendMessages>, V1Json(req): V1Json<SendMessageRequest>) -> Reply {
    let ctx = &caller.ctx;
    let body = once(ctx, "v1.sendMessage", &req, || async {
        let message = to_json(&send_message(ctx, &req, None).await?)?;
        Ok(json!({ "success": true, "message": message }))
    })
    .await?;
    Ok(created(body))
}

/// The chat a `channelId` names: `channel_<n>`, else the exact name of one channel of
/// the workspace (gap 14).
pub(super) async fn channel_of(ctx: &Ctx, raw: &str) -> Result<i64, Failure> {
    if let Some(n) = parse_id(IdKind::Channel, raw) {
        return Ok(n);
    }
    Ok(
        resolvers::people::channel_named(ctx, raw.trim(), "channelId")
            .await?
            .id,
    )
}

/// Validate and send `req` (also the incoming webhooks' `send_message`, whose webhook
/// may supply the channel): the wire message, or every field problem at once.
pub(super) async fn send_message(
    ctx: &Ctx,
    req: &SendMessageRequest,
    default_channel: Option<i64>,
) -> Result<MessageOut, Failure> {
    let mut p = Problems::default();
    let channel = req
        .channel_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if channel.is_none() && default_channel.is_none() {
        p.add("channelId", "is required");
    }
    let content = p.required(
        "content",
        req.content.as_deref(),
        resolvers::messages::MAX_CONTENT,
    );
    let kind = p.choice(
        "messageType",
        req.message_type.as_deref(),
        &["text", "integration", "system", "interactive"],
        "integration",
    );
    if req.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        p.add("metadata", "must be an object");
    }
    let interactive = kind == "interactive";
    let mut actions = Vec::new();
    match (&req.actions, interactive) {
        (None, true) => p.add("actions", "is required for interactive messages"),
        (Some(_), false) => p.add("actions", "actions need `messageType` \"interactive\""),
        (Some(list), true) => {
            for (i, a) in list.iter().enumerate() {
                let action_id = p.required(
                    &format!("actions[{i}].actionId"),
                    a.action_id.as_deref(),
                    255,
                );
                let label = p.required(&format!("actions[{i}].label"), a.label.as_deref(), 255);
                actions.push(ActionInput {
                    action_id,
                    label,
                    style: a.style.clone(),
                    value: a.value.clone(),
                });
            }
        }
        (None, false) => {}
    }
    let callback_url = req
        .callback_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    match (callback_url, interactive) {
        (None, true) => p.add("callbackUrl", "is required for interactive messages"),
        (Some(_), false) => p.add(
            "callbackUrl",
            "a callback URL needs `messageType` \"interactive\"",
        ),
        _ => {}
    }
    let mut attachments = Vec::new();
    for (i, a) in req.attachments.iter().flatten().enumerate() {
        let name = p.required(&format!("attachments[{i}].name"), a.name.as_deref(), 255);
        let url = p.required(&format!("attachments[{i}].url"), a.url.as_deref(), 2048);
        if a.size.is_some_and(|s| s < 0) {
            p.add(format!("attachments[{i}].size"), "must not be negative");
        }
        let mime = a
            .mime
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        if let Some(m) = &mime {
            p.max(&format!("attachments[{i}].type"), m, 255);
        }
        attachments.push(AttachmentInput {
            name,
            kind: if mime.as_deref().is_some_and(|m| m.starts_with("image/")) {
                "image".into()
            } else {
                "file".into()
            },
            url: Some(url),
            file_key: None,
            size: a.size.unwrap_or(0),
            width: None,
            height: None,
            content_type: mime,
        });
    }
    p.finish()?;
    let chat_id = match channel {
        Some(raw) => channel_of(ctx, raw).await?,
        None => default_channel.unwrap_or_default(),
    };
    let buttons = if interactive {
        Some(resolvers::messages::actions::buttons_of(&actions)?)
    } else {
        None
    };
    let kind = match kind {
        "text" => MessageKind::Text,
        "system" => MessageKind::System,
        "interactive" => MessageKind::Interactive,
        _ => MessageKind::Integration,
    };
    let input = SendMessageInput {
        chat_id,
        content,
        kind: Some(kind),
        metadata: req.metadata.clone(),
        buttons,
        attachments,
        reply_to_id: None,
    };
    let options = SendOptions {
        callback_url: callback_url.map(str::to_owned),
    };
    let message = resolvers::messages::send_message_with(ctx, input, options).await?;
    render(ctx, &message, callback_url).await
}

/// The wire form of a message the caller just sent.
pub(super) async fn render(
    ctx: &Ctx,
    message: &messages::Model,
    callback_url: Option<&str>,
) -> Result<MessageOut, Failure> {
    let files = resolvers::messages::batch::attachments(&ctx.db, ctx.workspace_id(), &[message.id])
        .await?
        .remove(&message.id)
        .unwrap_or_default();
    let author = resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), &[message.author_id])
        .await?
        .remove(&message.author_id);
    let actions = resolvers::messages::actions_of(message);
    let mut metadata = message.metadata.clone().unwrap_or(Value::Null);
    if let Some(url) = callback_url {
        if !metadata.is_object() {
            metadata = json!({});
        }
        if let Some(obj) = metadata.as_object_mut() {
            obj.insert("callbackUrl".into(), Value::String(url.to_owned()));
        }
    }
    Ok(MessageOut {
        id: id(IdKind::Message, message.id),
        channel_id: id(IdKind::Channel, message.chat_id),
        content: message.content.clone(),
        message_type: message.kind.clone(),
        metadata,
        attachments: files
            .into_iter()
            .map(|f| AttachmentOut {
                name: f.name,
                mime: f.content_type,
                url: f.url,
                size: f.size,
            })
            .collect(),
        actions: (!actions.is_empty()).then(|| {
            actions
                .into_iter()
                .map(|a| ActionOut {
                    id: id(IdKind::Action, a.id),
                    action_id: a.action_id,
                    label: a.label,
                    style: a.style,
                    value: a.value,
                    disabled: a.disabled,
                    order: a.order,
                })
                .collect()
        }),
        created_at: date(message.created_at),
        user: user_ref(author.as_ref(), message.author_id, None),
    })
}

/// `{id, name, email, avatar}` of a user (and `status` when given).
pub(super) fn user_ref(
    user: Option<&entities::users::Model>,
    user_id: i64,
    status: Option<&str>,
) -> UserRef {
    UserRef {
        id: id(IdKind::User, user_id),
        name: user
            .map(resolvers::people::display_name)
            .unwrap_or_default(),
        email: user.and_then(|u| u.email.clone()),
        avatar: user.and_then(|u| u.avatar_url.clone()),
        status: status.map(str::to_owned),
    }
}
