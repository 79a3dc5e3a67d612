//! Channels: `GET /channels`, `POST /channels` (§6).
//!
//! A v1 channel is a Switchboard channel or group conversation (never a direct chat or a
//! thread); `type` is its visibility (`public`: joinable by every member). Channels
//! created here are group conversations, where every member posts, as in the
//! document's world; the token's bot user becomes their admin.

use std::collections::HashMap;

use axum::Router;
use axum::routing::get;
use entities::chats;
use resolvers::Ctx;
use serde_json::json;

use super::convert::{IdKind, date, id, parse_id};
use super::error::{Failure, Reply};
use super::extract::{
    Caller, Problems, ReadChannels, V1Json, WriteChannels, created, ok, once, to_json,
};
use super::wire::{ChannelCount, ChannelOut, CreateChannelRequest, NamedRef};
use crate::state::AppState;

/// Routes: `GET /channels` — `read:channels`; `POST /channels` — `write:channels`;
/// standard budget.
pub fn routes() -> Router<AppState> {
    Router::new().route("/channels", get(list).post(create))
}

/// `GET /api/v1/channels` (document: Channels › List Channels) → 200 `{channels}`,
/// every channel of the workspace, private ones included (gap 21).
async fn list(caller: Caller<ReadChannels>) -> Reply {
    let ctx = &caller.ctx;
    let rows = resolvers::people::list_channels(ctx).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let members = resolvers::chats::member_counts(&ctx.db, ctx.workspace_id(), &ids).await?;
    let messages = resolvers::people::message_counts(&ctx.db, ctx.workspace_id(), &ids).await?;
    let departments = departments_of(ctx, &rows).await?;
    let channels: Vec<ChannelOut> = rows
        .iter()
        .map(|c| {
            let mut out = render(c, &departments);
            out.count = Some(ChannelCount {
                messages: messages.get(&c.id).copied().unwrap_or(0),
                members: members.get(&c.id).copied().unwrap_or(0),
            });
            out
        })
        .collect();
    Ok(ok(json!({ "channels": to_json(&channels)? })))
}

/// `POST /api/v1/channels` (document: Channels › Create Channel) → 201
/// `{success, channel}`.
async fn create(caller: Caller<WriteChannels>, V1Json(req): V1Json<CreateChannelRequest>) -> Reply {
    let ctx = &caller.ctx;
    let body = once(ctx, "v1.createChannel", &req, || async {
        let channel = to_json(&create_channel(ctx, &req).await?)?;
        Ok(json!({ "success": true, "channel": channel }))
    })
    .await?;
    Ok(created(body))
}

/// Validate and create a channel (also the incoming webhooks' `create_channel`).
pub(super) async fn create_channel(
    ctx: &Ctx,
    req: &CreateChannelRequest,
) -> Result<ChannelOut, Failure> {
    let mut p = Problems::default();
    let name = p.required("name", req.name.as_deref(), 100);
    let description = req
        .description
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    p.max("description", &description, 500);
    let kind = p.choice(
        "type",
        req.kind.as_deref(),
        &["public", "private"],
        "public",
    );
    p.finish()?;
    let department_id = match req
        .department_id
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(raw) => {
            Some(parse_id(IdKind::Department, raw).ok_or_else(Failure::department_not_found)?)
        }
        None => None,
    };
    let chat = resolvers::chats::create_chat(
        ctx,
        resolvers::chats::CreateChatInput {
            name,
            is_channel: false,
            is_public: kind == "public",
            member_ids: Vec::new(),
            description,
            department_id,
        },
    )
    .await?;
    let departments = departments_of(ctx, std::slice::from_ref(&chat)).await?;
    Ok(render(&chat, &departments))
}

async fn departments_of(
    ctx: &Ctx,
    rows: &[chats::Model],
) -> Result<HashMap<i64, entities::departments::Model>, Failure> {
    let ids: Vec<i64> = rows.iter().filter_map(|c| c.department_id).collect();
    Ok(resolvers::people::departments_of(&ctx.db, ctx.workspace_id(), &ids).await?)
}

fn render(
    chat: &chats::Model,
    departments: &HashMap<i64, entities::departments::Model>,
) -> ChannelOut {
    ChannelOut {
        id: id(IdKind::Channel, chat.id),
        name: chat.name.clone(),
        description: Some(chat.description.clone()).filter(|d| !d.is_empty()),
        kind: if chat.is_public { "public" } else { "private" }.to_owned(),
        workspace_id: id(IdKind::Workspace, chat.workspace_id),
        department_id: chat.department_id.map(|d| id(IdKind::Department, d)),
        created_at: date(chat.created_at),
        department: chat
            .department_id
            .and_then(|d| departments.get(&d))
            .map(|d| NamedRef {
                id: id(IdKind::Department, d.id),
                name: d.name.clone(),
            }),
        count: None,
    }
}
