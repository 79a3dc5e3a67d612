//! `/api/messages` (§5.3 rows 1–5 and 7–9): send, list, show, edit and delete messages,
//! and their reactions. Search (6), threads (10–11), attachments (12–13) and pins
//! (14–16) are not served yet. A message belongs to a channel (a core channel or group
//! conversation); a reply in a thread shows its root's channel and `parentId`. Messages
//! of direct chats do not exist in this dialect (404).

use std::collections::HashMap;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use entities::{chats, messages};
use resolvers::Ctx;
use resolvers::chats::ChatKind;
use resolvers::messages::batch;
use serde_json::json;

use super::auth::path_id;
use super::convert::{self, time};
use super::error::{Failure, Reply};
use super::extract::{
    Body, Caller, Messages, Params, Problems, envelope, once, page, pagination, reply,
};
use super::wire::{
    EditMessageRequest, Message, NamedRef, Reaction, ReactionRequest, SendMessageRequest,
};
use crate::state::AppState;

/// Routes: every one `CK` (keys need `messages:read` for GET, `messages:write`
/// otherwise), rate class `std`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages", get(list).post(send))
        .route(
            "/messages/{id}",
            get(show).patch(edit).delete(delete_message),
        )
        .route("/messages/{id}/reactions", get(reactions).post(react))
        .route("/messages/{id}/reactions/{emoji}", delete(unreact))
}

fn is_open(chat: &chats::Model) -> bool {
    matches!(
        chat.kind.parse::<ChatKind>(),
        Ok(ChatKind::Channel | ChatKind::Group)
    )
}

/// Where each message sits in this dialect: (channel, parent) — `None` for a message
/// of a direct chat (or a thread of one), which this dialect does not show.
async fn places(
    ctx: &Ctx,
    rows: &[messages::Model],
) -> Result<HashMap<i64, (i64, Option<i64>)>, Failure> {
    let chat_ids: Vec<i64> = rows.iter().map(|m| m.chat_id).collect();
    let chats = resolvers::chats::chats_by_ids(&ctx.db, ctx.workspace_id(), &chat_ids).await?;
    let roots: Vec<i64> = chats.values().filter_map(|c| c.root_message_id).collect();
    let roots = batch::messages_by_ids(&ctx.db, ctx.workspace_id(), &roots).await?;
    let root_chats: Vec<i64> = roots.values().map(|m| m.chat_id).collect();
    let parents = resolvers::chats::chats_by_ids(&ctx.db, ctx.workspace_id(), &root_chats).await?;
    let mut out = HashMap::new();
    for m in rows {
        let Some(chat) = chats.get(&m.chat_id) else {
            continue;
        };
        if is_open(chat) {
            out.insert(m.id, (chat.id, None));
        } else if let Some(root) = chat.root_message_id.and_then(|r| roots.get(&r))
            && parents.get(&root.chat_id).is_some_and(is_open)
        {
            out.insert(m.id, (root.chat_id, Some(root.id)));
        }
    }
    Ok(out)
}

/// Render messages (batches: a fixed number of statements for a page).
async fn render(ctx: &Ctx, rows: &[messages::Model]) -> Result<Vec<Message>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let places = places(ctx, rows).await?;
    let author_ids: Vec<i64> = rows.iter().map(|m| m.author_id).collect();
    let authors = resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), &author_ids).await?;
    let files = batch::attachments(&ctx.db, ctx.workspace_id(), &ids).await?;
    let groups = batch::reaction_groups(&ctx.db, ctx.workspace_id(), ctx.user_id(), &ids).await?;
    let threads = batch::thread_summaries(&ctx.db, ctx.workspace_id(), &ids).await?;
    let thread_chats: Vec<i64> = threads.values().map(|t| t.chat_id).collect();
    let thread_chats =
        resolvers::chats::chats_by_ids(&ctx.db, ctx.workspace_id(), &thread_chats).await?;
    let tasks =
        resolvers::tasks::batch::visible_tasks_by_message(&ctx.db, &ctx.principal, &ids).await?;
    Ok(rows
        .iter()
        .filter_map(|m| {
            let (channel_id, parent_id) = *places.get(&m.id)?;
            let thread = threads.get(&m.id).filter(|t| t.reply_count > 0);
            Some(Message {
                id: m.id,
                channel_id,
                parent_id,
                author: convert::author(m.author_id, authors.get(&m.author_id)),
                content: m.content.clone(),
                attachments: files
                    .get(&m.id)
                    .map(|f| f.iter().map(convert::attachment).collect())
                    .unwrap_or_default(),
                reactions: groups
                    .get(&m.id)
                    .map(|g| g.iter().map(|r| convert::reaction(r, None)).collect())
                    .unwrap_or_default(),
                reply_count: thread.map_or(0, |t| t.reply_count),
                last_reply_at: thread
                    .and_then(|t| thread_chats.get(&t.chat_id))
                    .map(|c| time(c.last_message_at)),
                pinned: m.pinned_at.is_some(),
                pinned_at: m.pinned_at.map(time),
                pinned_by: m.pinned_by_id,
                task_ids: tasks
                    .get(&m.id)
                    .map(|t| t.iter().map(|t| t.id).collect())
                    .unwrap_or_default(),
                edited_at: m.edited_at.map(time),
                created_at: time(m.created_at),
            })
        })
        .collect())
}

async fn render_one(ctx: &Ctx, m: &messages::Model) -> Result<Message, Failure> {
    render(ctx, std::slice::from_ref(m))
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("Message"))
}

/// The message `raw` names, as the caller sees it (missing, foreign, invisible or of a
/// direct chat: the same 404).
async fn visible(ctx: &Ctx, raw: &str) -> Result<messages::Model, Failure> {
    let id = path_id(raw, "Message")?;
    let m = resolvers::messages::get_message(ctx, id).await?;
    if places(ctx, std::slice::from_ref(&m))
        .await?
        .contains_key(&m.id)
    {
        Ok(m)
    } else {
        Err(Failure::not_found("Message"))
    }
}

/// The channel `id` names, as the caller sees it (a non-channel is 404).
async fn channel(ctx: &Ctx, id: i64) -> Result<chats::Model, Failure> {
    let chat = resolvers::chats::get_chat(ctx, id).await?;
    if is_open(&chat) {
        Ok(chat)
    } else {
        Err(Failure::not_found("Channel"))
    }
}

/// `POST /api/messages` (§5.3 #1) → 201 `Message`.
async fn send(caller: Caller<Messages>, Body(req): Body<SendMessageRequest>) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    if req.channel_id.is_none() {
        p.add("channelId", "is required");
    }
    let content = req.content.clone().unwrap_or_default();
    if req.content.is_none() {
        p.add("content", "is required");
    }
    p.max("content", &content, 10_000);
    if req.attachment_ids.as_ref().is_some_and(|a| !a.is_empty()) {
        p.add("attachmentIds", "uploads are not served yet");
    }
    p.finish()?;
    let chat = channel(ctx, req.channel_id.unwrap_or_default()).await?;
    let body = once(ctx, "workandgo.sendMessage", &req, || async {
        let m = resolvers::messages::send_message(
            ctx,
            resolvers::messages::SendMessageInput {
                chat_id: chat.id,
                content,
                ..Default::default()
            },
        )
        .await?;
        envelope(render_one(ctx, &m).await?)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// `GET /api/messages?channelId=` (§5.3 #2) → `[Message]` paged, newest first, thread
/// replies excluded.
async fn list(caller: Caller<Messages>, params: Params) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let args = params.page(&mut p);
    let channel_id = match params.get("channelId").map(str::parse::<i64>) {
        Some(Ok(id)) => id,
        Some(Err(_)) => {
            p.add("channelId", "must be an integer");
            0
        }
        None => {
            p.add("channelId", "is required");
            0
        }
    };
    p.finish()?;
    let chat = channel(ctx, channel_id).await?;
    let rows = resolvers::messages::list_messages(ctx, chat.id, args).await?;
    let items = render(ctx, &rows.items).await?;
    let last = rows.items.last().map(|m| m.id);
    page(items, pagination(&args, rows.has_next, last))
}

/// `GET /api/messages/{id}` (§5.3 #3) → `Message`.
async fn show(caller: Caller<Messages>, Path(id): Path<String>) -> Reply {
    let m = visible(&caller.ctx, &id).await?;
    reply(StatusCode::OK, render_one(&caller.ctx, &m).await?)
}

/// `PATCH /api/messages/{id}` (§5.3 #4; the author) → `Message` with `editedAt`; the
/// previous text is kept as a revision.
async fn edit(
    caller: Caller<Messages>,
    Path(id): Path<String>,
    Body(req): Body<EditMessageRequest>,
) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let content = req.content.clone().unwrap_or_default();
    if req.content.is_none() {
        p.add("content", "is required");
    }
    p.max("content", &content, 10_000);
    p.finish()?;
    let m = visible(ctx, &id).await?;
    let m = resolvers::messages::edit_message(
        ctx,
        m.id,
        resolvers::messages::EditMessageInput {
            content: Some(content),
            ..Default::default()
        },
    )
    .await?;
    reply(StatusCode::OK, render_one(ctx, &m).await?)
}

/// `DELETE /api/messages/{id}` (§5.3 #5; the author, channel admins, admins) → `null`.
async fn delete_message(caller: Caller<Messages>, Path(id): Path<String>) -> Reply {
    let m = visible(&caller.ctx, &id).await?;
    resolvers::messages::delete_message(&caller.ctx, m.id).await?;
    reply(StatusCode::OK, ())
}

/// The reactions of a message, each with who reacted (at most the first 1,000).
async fn reaction_list(ctx: &Ctx, message_id: i64) -> Result<Vec<Reaction>, Failure> {
    let rows = resolvers::messages::list_reactions(
        ctx,
        message_id,
        resolvers::pagination::PageArgs {
            first: 1_000,
            after: None,
        },
    )
    .await?;
    let user_ids: Vec<i64> = rows.items.iter().map(|r| r.user_id).collect();
    let users = resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), &user_ids).await?;
    let mut order: Vec<String> = Vec::new();
    let mut by_emoji: HashMap<String, Vec<i64>> = HashMap::new();
    for r in &rows.items {
        let entry = by_emoji.entry(r.emoji.clone()).or_insert_with(|| {
            order.push(r.emoji.clone());
            Vec::new()
        });
        entry.push(r.user_id);
    }
    Ok(order
        .into_iter()
        .map(|emoji| {
            let ids = by_emoji.remove(&emoji).unwrap_or_default();
            let group = batch::ReactionGroup {
                emoji,
                count: i64::try_from(ids.len()).unwrap_or(i64::MAX),
                viewer_reacted: ids.contains(&ctx.user_id()),
            };
            let named = ids
                .iter()
                .map(|id| NamedRef {
                    id: *id,
                    name: users
                        .get(id)
                        .map(resolvers::people::display_name)
                        .unwrap_or_default(),
                })
                .collect();
            convert::reaction(&group, Some(named))
        })
        .collect())
}

/// `GET /api/messages/{id}/reactions` (§5.3 #7) → `[Reaction]` with `users`.
async fn reactions(caller: Caller<Messages>, Path(id): Path<String>) -> Reply {
    let m = visible(&caller.ctx, &id).await?;
    reply(StatusCode::OK, reaction_list(&caller.ctx, m.id).await?)
}

/// `POST /api/messages/{id}/reactions` (§5.3 #8) → 201 `[Reaction]`; the caller's
/// existing reaction is a no-op (200); limits → 422 `REACTION_LIMIT`.
async fn react(
    caller: Caller<Messages>,
    Path(id): Path<String>,
    Body(req): Body<ReactionRequest>,
) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let emoji = p.required("emoji", req.emoji.as_deref(), 16);
    p.finish()?;
    let m = visible(ctx, &id).await?;
    let input = json!({ "message": m.id, "emoji": &emoji });
    let body = once(ctx, "workandgo.addReaction", &input, || async {
        let before =
            batch::reaction_groups(&ctx.db, ctx.workspace_id(), ctx.user_id(), &[m.id]).await?;
        let had = before
            .get(&m.id)
            .is_some_and(|g| g.iter().any(|r| r.emoji == emoji && r.viewer_reacted));
        resolvers::messages::add_reaction(ctx, m.id, &emoji).await?;
        let list = reaction_list(ctx, m.id).await?;
        let status = if had { 200 } else { 201 };
        Ok(json!({ "status": status, "body": envelope(list)? }))
    })
    .await?;
    let status = match body["status"].as_u64() {
        Some(200) => StatusCode::OK,
        _ => StatusCode::CREATED,
    };
    Ok((status, axum::Json(body["body"].clone())).into_response())
}

/// `DELETE /api/messages/{id}/reactions/{emoji}` (§5.3 #9) → `[Reaction]`; removes only
/// the caller's.
async fn unreact(caller: Caller<Messages>, Path((id, emoji)): Path<(String, String)>) -> Reply {
    let ctx = &caller.ctx;
    let m = visible(ctx, &id).await?;
    resolvers::messages::remove_reaction(ctx, m.id, &emoji).await?;
    reply(StatusCode::OK, reaction_list(ctx, m.id).await?)
}
