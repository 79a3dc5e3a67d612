//! Messages: `GET|POST /messages`, `GET|PUT|DELETE /messages/{id}`,
//! `POST|DELETE /messages/{id}/pin`, `GET /messages/{id}/read_member_ids`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use resolvers::messages::{AttachmentInput, EditMessageInput, SendMessageInput};
use resolvers::pagination::Key;
use serde_json::{Map, Value};

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, RateClass, created, no_content, ok, ok_data};
use super::render;
use super::wire::{Data, FileInput, MessageCreateRequest, MessageUpdateRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: message reads for
/// `GET /messages` and `GET /messages/{id}`; message writes are counted per chat by
/// `send_message`; standard otherwise. The pin POST takes no body.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages", get(list).post(create))
        .route("/messages/{id}", get(show).put(update).delete(destroy))
        .route("/messages/{id}/pin", post(pin).delete(unpin))
        .route("/messages/{id}/read_member_ids", get(readers))
}

fn attachments(files: Vec<FileInput>) -> Result<Vec<AttachmentInput>, Failure> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let kind = f.file_type.unwrap_or_else(|| "file".to_owned());
            if kind != "file" && kind != "image" {
                return Err(Failure::unprocessable(
                    &format!("files[{i}].file_type"),
                    "inclusion",
                    "must be file or image",
                )
                .with_value(kind));
            }
            Ok(AttachmentInput {
                name: f.name,
                kind,
                url: None,
                file_key: Some(f.key),
                size: f.size,
                width: f.width,
                height: f.height,
                content_type: None,
            })
        })
        .collect()
}

/// Bot display overrides kept in the message's metadata.
fn display_metadata(name: Option<String>, avatar: Option<String>) -> Option<Value> {
    let mut map = Map::new();
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        map.insert("display_name".into(), Value::String(name));
    }
    if let Some(avatar) = avatar.filter(|a| !a.is_empty()) {
        map.insert("display_avatar_url".into(), Value::String(avatar));
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// `GET /messages?chat_id*=&sort=id&order=asc|desc&limit=&cursor=` → list of Message,
/// newest first by default.
async fn list(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    caller.spend(RateClass::MessageRead)?;
    let chat_id = q
        .int("chat_id")?
        .ok_or_else(|| Failure::bad_request("chat_id", "is required"))?;
    q.choice("sort", &["id"], "id")?;
    let desc = q.choice("order", &["asc", "desc"], "desc")? == "desc";
    let window = q.window(50)?;
    let slice =
        resolvers::messages::list_messages_window(&caller.ctx, chat_id, desc, window).await?;
    let data = render::messages(&caller.ctx, &state.env.public_url, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, |m| Key::id(m.id), data)))
}

/// `POST /messages` `{message: {entity_type?, entity_id*, content*, files?, buttons?,
/// parent_message_id?, display_name?, display_avatar_url?}, link_preview?}` → 201
/// `{data: Message}`. `entity_type` is `discussion` (a chat), `thread` (a thread's id)
/// or `user` (the direct chat with that user).
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<MessageCreateRequest>,
) -> Reply {
    let m = body.message;
    let entity_type = m.entity_type.as_deref().unwrap_or("discussion");
    let input = SendMessageInput {
        chat_id: m.entity_id,
        content: m.content,
        kind: None,
        metadata: display_metadata(m.display_name, m.display_avatar_url),
        buttons: m
            .buttons
            .filter(|b| b.as_array().is_some_and(|rows| !rows.is_empty())),
        attachments: attachments(m.files)?,
        reply_to_id: m.parent_message_id,
    };
    let message = match entity_type {
        "discussion" => resolvers::messages::send_message(&caller.ctx, input).await,
        "thread" => {
            resolvers::chats::get_thread(&caller.ctx, m.entity_id).await?;
            resolvers::messages::send_message(&caller.ctx, input).await
        }
        "user" => resolvers::messages::send_direct_message(&caller.ctx, m.entity_id, input).await,
        other => {
            return Err(Failure::unprocessable(
                "message.entity_type",
                "inclusion",
                "must be one of discussion, thread, user",
            )
            .with_value(other));
        }
    }
    .map_err(|e| match e {
        resolvers::Error::NotFound("chat") => Failure::not_found("message.entity_id", "chat"),
        resolvers::Error::NotFound("user") => Failure::not_found("message.entity_id", "user"),
        other => Failure::from(other),
    })?;
    Ok(created(Data {
        data: render::message(&caller.ctx, &state.env.public_url, message).await?,
    }))
}

/// `GET /messages/{id}` → 200 `{data: Message}`.
async fn show(State(state): State<AppState>, caller: Caller, Id(id): Id) -> Reply {
    caller.spend(RateClass::MessageRead)?;
    let message = resolvers::messages::get_message(&caller.ctx, id).await?;
    Ok(ok_data(
        render::message(&caller.ctx, &state.env.public_url, message).await?,
    ))
}

/// `PUT /messages/{id}` `{message: {content?, buttons?, ...}}` → 200 `{data: Message}`.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<MessageUpdateRequest>,
) -> Reply {
    let m = body.message;
    let input = EditMessageInput {
        content: m.content,
        metadata: display_metadata(m.display_name, m.display_avatar_url),
        buttons: m.buttons,
    };
    let message = resolvers::messages::edit_message(&caller.ctx, id, input).await?;
    Ok(ok_data(
        render::message(&caller.ctx, &state.env.public_url, message).await?,
    ))
}

/// `DELETE /messages/{id}` → 204.
async fn destroy(caller: Caller, Id(id): Id) -> Reply {
    resolvers::messages::delete_message(&caller.ctx, id).await?;
    Ok(no_content())
}

/// `POST /messages/{id}/pin` (no body) → 204; already pinned → 409 `already_exists`.
async fn pin(caller: Caller, Id(id): Id) -> Reply {
    let message = resolvers::messages::get_message(&caller.ctx, id).await?;
    if message.pinned_at.is_some() {
        return Err(Failure::api(
            axum::http::StatusCode::CONFLICT,
            "message_id",
            "already_exists",
            "the message is already pinned",
        ));
    }
    resolvers::messages::set_pinned(&caller.ctx, id, true).await?;
    Ok(no_content())
}

/// `DELETE /messages/{id}/pin` → 204.
async fn unpin(caller: Caller, Id(id): Id) -> Reply {
    resolvers::messages::set_pinned(&caller.ctx, id, false).await?;
    Ok(no_content())
}

/// `GET /messages/{id}/read_member_ids?limit=&cursor=` (limit ≤ 300) → list of user ids.
async fn readers(caller: Caller, Id(id): Id, q: RailsQuery) -> Reply {
    let window = q.window(300)?;
    let slice = resolvers::messages::list_reader_ids(&caller.ctx, id, window).await?;
    Ok(ok(render::list(
        &window,
        &slice,
        |id| Key::id(*id),
        slice.items.clone(),
    )))
}
