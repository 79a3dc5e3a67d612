//! `/api/channels` (§5.2, all twelve rows). A WorkAndGo channel is a Switchboard channel
//! or group conversation (never a direct chat or a thread: those ids answer 404 here);
//! `type` is its visibility. Channels created here are group conversations, where every
//! member posts, as the document's channels do; the creator is their `admin`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use entities::chats;
use resolvers::Ctx;
use resolvers::chats::{ChatFilter, ChatKind, ChatRole, CreateChatInput, UpdateChatInput};
use serde_json::json;

use super::auth::path_id;
use super::convert::{self, ChannelFacts};
use super::error::{Failure, Reply};
use super::extract::{
    Body, Caller, Change, Channels, OptionalBody, Params, Patch, Problems, envelope, page,
    pagination, reply,
};
use super::wire::{AddMembersRequest, Channel, CreateChannelRequest, ReadRequest, UnreadSummary};
use crate::state::AppState;

/// Routes: every one `CK` (keys need `channels:read` for GET, `channels:write`
/// otherwise), rate class `std`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/channels", get(list).post(create))
        .route("/channels/unread", get(unread))
        .route(
            "/channels/{id}",
            get(show).patch(update).delete(delete_channel),
        )
        .route("/channels/{id}/join", post(join))
        .route("/channels/{id}/leave", post(leave))
        .route("/channels/{id}/members", get(members).post(add_members))
        .route("/channels/{id}/members/{user_id}", delete(remove_member))
        .route("/channels/{id}/read", post(read))
}

fn is_channel(chat: &chats::Model) -> bool {
    matches!(
        chat.kind.parse::<ChatKind>(),
        Ok(ChatKind::Channel | ChatKind::Group)
    )
}

/// The channel `raw` names, as the caller sees it: a missing, foreign, invisible or
/// non-channel id is the same 404.
async fn visible(ctx: &Ctx, raw: &str) -> Result<chats::Model, Failure> {
    let id = path_id(raw, "Channel")?;
    let chat = resolvers::chats::get_chat(ctx, id).await?;
    if !is_channel(&chat) {
        return Err(Failure::not_found("Channel"));
    }
    Ok(chat)
}

/// The caller-dependent facts of each chat (batches: three statements for a page).
async fn facts(ctx: &Ctx, rows: &[chats::Model]) -> Result<HashMap<i64, ChannelFacts>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let counts = resolvers::chats::member_counts(&ctx.db, ctx.workspace_id(), &ids).await?;
    let mine = resolvers::chats::memberships_of(&ctx.db, ctx.user_id(), &ids).await?;
    let unread =
        resolvers::messages::batch::unread_counts(&ctx.db, ctx.workspace_id(), ctx.user_id(), &ids)
            .await?;
    Ok(ids
        .iter()
        .map(|id| {
            (
                *id,
                ChannelFacts {
                    is_member: mine.contains_key(id),
                    member_count: counts.get(id).copied().unwrap_or(0),
                    unread_count: unread.get(id).copied().unwrap_or(0),
                },
            )
        })
        .collect())
}

async fn render(ctx: &Ctx, chat: &chats::Model) -> Result<Channel, Failure> {
    let f = facts(ctx, std::slice::from_ref(chat)).await?;
    Ok(convert::channel(
        chat,
        f.get(&chat.id).copied().unwrap_or_default(),
    ))
}

/// `GET /api/channels` (§5.2 #1) → `[Channel]` paged: the caller's channels and every
/// public one; `?type=public|private`, `?joined=true|false`.
async fn list(caller: Caller<Channels>, params: Params) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let args = params.page(&mut p);
    let kind = p.choice(
        "type",
        params.get("type"),
        &["public", "private", "all"],
        "all",
    );
    let joined = params.flag("joined", &mut p);
    p.finish()?;
    let filter = ChatFilter {
        member_only: joined == Some(true),
        not_member: joined == Some(false),
        open_only: true,
        public: match kind {
            "public" => Some(true),
            "private" => Some(false),
            _ => None,
        },
        ..ChatFilter::default()
    };
    let rows = resolvers::chats::list_chats(ctx, filter, args).await?;
    let f = facts(ctx, &rows.items).await?;
    let items: Vec<Channel> = rows
        .items
        .iter()
        .map(|c| convert::channel(c, f.get(&c.id).copied().unwrap_or_default()))
        .collect();
    let last = rows.items.last().map(|c| c.id);
    page(items, pagination(&args, rows.has_next, last))
}

/// `POST /api/channels` (§5.2 #2) → 201 `Channel`; the creator is its `admin`.
async fn create(caller: Caller<Channels>, Body(req): Body<CreateChannelRequest>) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let name = p.required("name", req.name.as_deref(), 80);
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
    let body = super::extract::once(ctx, "workandgo.createChannel", &req, || async {
        let chat = resolvers::chats::create_chat(
            ctx,
            CreateChatInput {
                name,
                is_channel: false,
                is_public: kind == "public",
                member_ids: req.member_ids.clone().unwrap_or_default(),
                description,
                department_id: None,
            },
        )
        .await?;
        envelope(render(ctx, &chat).await?)
    })
    .await?;
    created(body)
}

fn created(body: serde_json::Value) -> Reply {
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

fn okay(body: serde_json::Value) -> Reply {
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

/// `GET /api/channels/{id}` (§5.2 #3) → `Channel`.
async fn show(caller: Caller<Channels>, Path(id): Path<String>) -> Reply {
    let chat = visible(&caller.ctx, &id).await?;
    reply(StatusCode::OK, render(&caller.ctx, &chat).await?)
}

/// `PATCH /api/channels/{id}` (§5.2 #4; channel admins, organisation admins) →
/// `Channel`. `name` cannot be cleared; `description: null` clears it.
async fn update(caller: Caller<Channels>, Path(id): Path<String>, patch: Patch) -> Reply {
    let ctx = &caller.ctx;
    let chat = visible(ctx, &id).await?;
    let mut p = Problems::default();
    let name = match patch.string("name", &mut p) {
        Change::Keep => None,
        Change::Clear => {
            p.add("name", "cannot be cleared");
            None
        }
        Change::Set(v) => {
            let v = v.trim().to_owned();
            if v.is_empty() {
                p.add("name", "must not be empty");
            }
            p.max("name", &v, 80);
            Some(v)
        }
    };
    let description = match patch.string("description", &mut p) {
        Change::Keep => None,
        Change::Clear => Some(String::new()),
        Change::Set(v) => {
            p.max("description", &v, 500);
            Some(v)
        }
    };
    let is_public = match patch.string("type", &mut p) {
        Change::Keep => None,
        Change::Set(v) if v == "public" => Some(true),
        Change::Set(v) if v == "private" => Some(false),
        _ => {
            p.add("type", "must be one of public, private");
            None
        }
    };
    p.finish()?;
    let chat = resolvers::chats::update_chat(
        ctx,
        chat.id,
        UpdateChatInput {
            name,
            description,
            is_public,
        },
    )
    .await?;
    reply(StatusCode::OK, render(ctx, &chat).await?)
}

/// `DELETE /api/channels/{id}` (§5.2 #5; channel admins, organisation admins) → `null`;
/// its messages go with it.
async fn delete_channel(caller: Caller<Channels>, Path(id): Path<String>) -> Reply {
    let chat = visible(&caller.ctx, &id).await?;
    resolvers::chats::delete_chat(&caller.ctx, chat.id).await?;
    reply(StatusCode::OK, ())
}

/// `POST /api/channels/{id}/join` (§5.2 #6) → `Channel`; public channels only; already
/// a member → unchanged.
async fn join(caller: Caller<Channels>, Path(id): Path<String>) -> Reply {
    let ctx = &caller.ctx;
    let chat = visible(ctx, &id).await?;
    let body = super::extract::once(ctx, "workandgo.joinChannel", &chat.id, || async {
        let chat = resolvers::chats::join_chat(ctx, chat.id).await?;
        envelope(render(ctx, &chat).await?)
    })
    .await?;
    okay(body)
}

/// `POST /api/channels/{id}/leave` (§5.2 #7; members) → `null`.
async fn leave(caller: Caller<Channels>, Path(id): Path<String>) -> Reply {
    let ctx = &caller.ctx;
    let chat = visible(ctx, &id).await?;
    let body = super::extract::once(ctx, "workandgo.leaveChannel", &chat.id, || async {
        resolvers::chats::leave_chat(ctx, chat.id).await?;
        envelope(())
    })
    .await?;
    okay(body)
}

/// `GET /api/channels/{id}/members` (§5.2 #8) → `[ChannelMember]` paged, by user id.
async fn members(caller: Caller<Channels>, Path(id): Path<String>, params: Params) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let args = params.page(&mut p);
    p.finish()?;
    let chat = visible(ctx, &id).await?;
    let rows = resolvers::chats::list_chat_members(ctx, chat.id, args).await?;
    let ids: Vec<i64> = rows.items.iter().map(|m| m.user_id).collect();
    let users = resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?;
    let items: Vec<_> = rows
        .items
        .iter()
        .map(|m| convert::channel_member(m, users.get(&m.user_id)))
        .collect();
    let last = rows.items.last().map(|m| m.user_id);
    page(items, pagination(&args, rows.has_next, last))
}

/// `POST /api/channels/{id}/members` (§5.2 #9; channel admins, organisation admins) →
/// 201 `[ChannelMember]` newly added; existing members are skipped.
async fn add_members(
    caller: Caller<Channels>,
    Path(id): Path<String>,
    Body(req): Body<AddMembersRequest>,
) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let user_ids = req.user_ids.clone().unwrap_or_default();
    if req.user_ids.is_none() {
        p.add("userIds", "is required");
    } else if user_ids.is_empty() || user_ids.len() > 100 {
        p.add("userIds", "must list 1 to 100 user ids");
    }
    let role = p.choice(
        "role",
        req.role.as_deref(),
        &["admin", "editor", "member"],
        "member",
    );
    p.finish()?;
    let role: ChatRole = role.parse()?;
    let chat = visible(ctx, &id).await?;
    let input = json!({ "channel": chat.id, "request": &req });
    let body = super::extract::once(ctx, "workandgo.addChannelMembers", &input, || async {
        let added =
            resolvers::chats::add_chat_members_listed(ctx, chat.id, &user_ids, role).await?;
        let ids: Vec<i64> = added.iter().map(|m| m.user_id).collect();
        let users = resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?;
        let out: Vec<_> = added
            .iter()
            .map(|m| convert::channel_member(m, users.get(&m.user_id)))
            .collect();
        envelope(out)
    })
    .await?;
    created(body)
}

/// `DELETE /api/channels/{id}/members/{userId}` (§5.2 #10; channel admins, organisation
/// admins) → `null`.
async fn remove_member(
    caller: Caller<Channels>,
    Path((id, user_id)): Path<(String, String)>,
) -> Reply {
    let ctx = &caller.ctx;
    let chat = visible(ctx, &id).await?;
    let user_id = path_id(&user_id, "Channel member")?;
    resolvers::chats::remove_chat_member(ctx, chat.id, user_id).await?;
    reply(StatusCode::OK, ())
}

/// `GET /api/channels/unread` (§5.2 #11) → `{total, channels: [Unread]}` for every
/// channel the caller belongs to.
async fn unread(caller: Caller<Channels>) -> Reply {
    let states = resolvers::chats::unread_summary(&caller.ctx).await?;
    let channels: Vec<_> = states.iter().map(convert::unread).collect();
    let total = channels.iter().map(|c| c.unread_count).sum();
    reply(StatusCode::OK, UnreadSummary { total, channels })
}

/// `POST /api/channels/{id}/read` (§5.2 #12; members) → `Unread`; `messageId` defaults to
/// the newest; the read point never moves backwards.
async fn read(
    caller: Caller<Channels>,
    Path(id): Path<String>,
    OptionalBody(req): OptionalBody<ReadRequest>,
) -> Reply {
    let ctx = &caller.ctx;
    let chat = visible(ctx, &id).await?;
    let input = json!({ "channel": chat.id, "request": &req });
    let body = super::extract::once(ctx, "workandgo.markChannelRead", &input, || async {
        let state = resolvers::chats::mark_chat_read(ctx, chat.id, req.message_id).await?;
        envelope(convert::unread(&state))
    })
    .await?;
    okay(body)
}
