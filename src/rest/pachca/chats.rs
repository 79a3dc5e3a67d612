//! Chats: `GET|POST /chats`, `GET|PUT /chats/{id}`, `PUT /chats/{id}/archive`,
//! `PUT /chats/{id}/unarchive`, `PUT /chats/{id}/unread`, `GET /company/chats`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, put};
use resolvers::chats::{ChatQuery, CreateChatInput, UpdateChatInput};
use resolvers::pagination::{Key, datetime_to_micros};

use super::error::Reply;
use super::extract::{Body, Caller, Id, RailsQuery, created, no_content, ok, ok_data, parse_json};
use super::render;
use super::wire::{
    ChatCreateRequest, ChatUpdateRequest, CreatedChat, CreatedChatMeta, UnreadRequest,
};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: standard.
/// `archive`/`unarchive` take no body (no content type required).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chats", get(list).post(create))
        .route("/chats/{id}", get(show).put(update))
        .route("/chats/{id}/archive", put(archive))
        .route("/chats/{id}/unarchive", put(unarchive))
        .route("/chats/{id}/unread", put(unread))
        .route("/company/chats", get(company))
}

fn chat_key(by_activity: bool) -> impl Fn(&entities::chats::Model) -> Key {
    move |c| Key {
        sort: if by_activity {
            datetime_to_micros(c.last_message_at)
        } else {
            c.id
        },
        id: c.id,
    }
}

/// `GET /chats?sort=id|last_message_at&order=asc|desc&availability=is_member|public&
/// archived=&personal=&last_message_at_after=&last_message_at_before=&limit=&cursor=`.
async fn list(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let by_activity = q.choice("sort", &["id", "last_message_at"], "id")? == "last_message_at";
    let query = ChatQuery {
        by_activity,
        desc: q.choice("order", &["asc", "desc"], "desc")? == "desc",
        public_only: q.choice("availability", &["is_member", "public"], "is_member")? == "public",
        archived: q.bool("archived")?.unwrap_or(false),
        personal: q.bool("personal")?,
        active_after: q.date("last_message_at_after")?,
        active_before: q.date("last_message_at_before")?,
    };
    let slice = resolvers::chats::browse_chats(&caller.ctx, query, window).await?;
    let data = render::chats(&caller.ctx, &state.env.public_url, slice.items.clone()).await?;
    Ok(ok(render::list(
        &window,
        &slice,
        chat_key(by_activity),
        data,
    )))
}

/// `POST /chats` `{chat: {name*, member_ids?, group_tag_ids?, channel?, public?}}` → 201
/// `{data: Chat, meta: {not_found_member_ids}}`; unknown member ids are skipped and named.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<ChatCreateRequest>,
) -> Reply {
    let chat = body.chat;
    let (found, missing) = resolvers::chats::partition_users(&caller.ctx, &chat.member_ids).await?;
    let created_chat = resolvers::chats::create_chat(
        &caller.ctx,
        CreateChatInput {
            name: chat.name,
            is_channel: chat.channel,
            is_public: chat.public,
            member_ids: found,
            ..Default::default()
        },
    )
    .await?;
    let mut row = created_chat;
    if !chat.group_tag_ids.is_empty() {
        resolvers::chats::link_group_tags(&caller.ctx, row.id, &chat.group_tag_ids).await?;
        row = resolvers::chats::get_chat(&caller.ctx, row.id).await?;
    }
    Ok(created(CreatedChat {
        data: render::chat(&caller.ctx, &state.env.public_url, row).await?,
        meta: CreatedChatMeta {
            not_found_member_ids: missing,
        },
    }))
}

/// `GET /chats/{id}` → 200 `{data: Chat}`.
async fn show(State(state): State<AppState>, caller: Caller, Id(id): Id) -> Reply {
    let chat = resolvers::chats::get_chat(&caller.ctx, id).await?;
    Ok(ok_data(
        render::chat(&caller.ctx, &state.env.public_url, chat).await?,
    ))
}

/// `PUT /chats/{id}` `{chat: {name?, public?}}` → 200 `{data: Chat}`.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<ChatUpdateRequest>,
) -> Reply {
    let chat = resolvers::chats::update_chat(
        &caller.ctx,
        id,
        UpdateChatInput {
            name: body.chat.name,
            description: None,
            is_public: body.chat.public,
        },
    )
    .await?;
    Ok(ok_data(
        render::chat(&caller.ctx, &state.env.public_url, chat).await?,
    ))
}

/// `PUT /chats/{id}/archive` (no body) → 204.
async fn archive(caller: Caller, Id(id): Id) -> Reply {
    resolvers::chats::set_chat_archived(&caller.ctx, id, true).await?;
    Ok(no_content())
}

/// `PUT /chats/{id}/unarchive` (no body) → 204.
async fn unarchive(caller: Caller, Id(id): Id) -> Reply {
    resolvers::chats::set_chat_archived(&caller.ctx, id, false).await?;
    Ok(no_content())
}

/// `PUT /chats/{id}/unread` `{message_id?}` (body optional) → 204.
async fn unread(caller: Caller, Id(id): Id, body: axum::body::Bytes) -> Reply {
    let input: UnreadRequest = if body.iter().all(u8::is_ascii_whitespace) {
        UnreadRequest::default()
    } else {
        parse_json(&body)?
    };
    resolvers::chats::mark_unread(&caller.ctx, id, input.message_id).await?;
    Ok(no_content())
}

/// `GET /company/chats?activity=active|archived&limit=&cursor=` (admins) → list of Chat.
async fn company(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let archived = q.choice("activity", &["active", "archived"], "active")? == "archived";
    let slice = resolvers::chats::company_chats(&caller.ctx, archived, window).await?;
    let data = render::chats(&caller.ctx, &state.env.public_url, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, chat_key(false), data)))
}
