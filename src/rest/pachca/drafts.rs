//! Drafts: `GET|POST /drafts`, `GET|PUT|DELETE /drafts/{id}`.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use resolvers::integrations::drafts::{DraftInput, DraftKind};
use resolvers::pagination::Key;

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, created, no_content, ok, ok_data};
use super::render;
use super::wire::{Data, DraftFields, DraftRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (scopes `drafts:read`,
/// `drafts:write`). Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/drafts", get(list).post(create))
        .route("/drafts/{id}", get(show).put(update).delete(destroy))
}

/// The chat of `entity_type` + `entity_id` (`user`: the direct chat with that user).
async fn chat_of(caller: &Caller, key: &str, entity_type: &str, id: i64) -> Result<i64, Failure> {
    match entity_type {
        "discussion" | "thread" => Ok(id),
        "user" => Ok(resolvers::chats::direct_chat_with(&caller.ctx, id)
            .await
            .map_err(|e| match e {
                resolvers::Error::NotFound(_) => Failure::not_found(key, "user"),
                other => Failure::from(other),
            })?
            .id),
        other => Err(Failure::unprocessable(
            &key.replace("entity_id", "entity_type"),
            "inclusion",
            "must be one of discussion, thread, user",
        )
        .with_value(other)),
    }
}

/// A resolver's error, keyed under the request's `draft` root, with the SDK's codes
/// (`schedule_invalid`, `next_send_at_invalid`, `draft_type_change_forbidden`).
fn in_draft(err: resolvers::Error) -> Failure {
    match err {
        resolvers::Error::Invalid { field, message } => {
            let key = format!("draft.{}", super::error::snake_key(&field));
            let code = [
                "schedule_invalid",
                "next_send_at_invalid",
                "draft_type_change_forbidden",
            ]
            .into_iter()
            .find(|c| message.starts_with(c))
            .unwrap_or(if message.contains("required") {
                "blank"
            } else {
                "invalid"
            });
            Failure::unprocessable(&key, code, message)
        }
        resolvers::Error::NotFound("chat") => Failure::not_found("draft.entity_id", "chat"),
        resolvers::Error::NotFound("message") => {
            Failure::not_found("draft.parent_message_id", "message")
        }
        other => Failure::from(other),
    }
}

async fn input(caller: &Caller, d: DraftFields, create: bool) -> Result<DraftInput, Failure> {
    let chat_id = match (d.entity_type.as_deref(), d.entity_id) {
        (Some(t), Some(id)) => Some(chat_of(caller, "draft.entity_id", t, id).await?),
        (None, Some(id)) if !create => Some(id),
        (None, Some(id)) => Some(chat_of(caller, "draft.entity_id", "discussion", id).await?),
        (_, None) if create => {
            return Err(Failure::bad_request("draft.entity_id", "is required"));
        }
        (_, None) => None,
    };
    Ok(DraftInput {
        chat_id,
        content: d.content,
        parent_message_id: d.parent_message_id,
        files: d.files,
        schedule: d.schedule,
    })
}

/// `GET /drafts?type=regular|scheduled|all&entity_type=&entity_id=&limit=&cursor=` →
/// list of Draft, newest first.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let kind = match q.choice("type", &["regular", "scheduled", "all"], "regular")? {
        "scheduled" => DraftKind::Scheduled,
        "all" => DraftKind::All,
        _ => DraftKind::Regular,
    };
    let entity_type = q.choice(
        "entity_type",
        &["discussion", "thread", "user"],
        "discussion",
    )?;
    let chat_id = match q.int("entity_id")? {
        Some(id) => Some(chat_of(&caller, "entity_id", entity_type, id).await?),
        None => None,
    };
    let slice =
        resolvers::integrations::drafts::list_drafts_window(&caller.ctx, kind, chat_id, window)
            .await?;
    let data = render::drafts(&caller.ctx, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, |d| Key::id(d.id), data)))
}

/// `POST /drafts` `{draft: {entity_type*, entity_id*, content?, parent_message_id?,
/// files?, schedule?}}` → 201 `{data: Draft}`.
async fn create(caller: Caller, Body(body): Body<DraftRequest>) -> Reply {
    let input = input(&caller, body.draft, true).await?;
    let draft = resolvers::integrations::drafts::create_draft(&caller.ctx, input)
        .await
        .map_err(in_draft)?;
    Ok(created(Data {
        data: render::draft(&caller.ctx, draft).await?,
    }))
}

/// `GET /drafts/{id}` → 200 `{data: Draft}`.
async fn show(caller: Caller, Id(id): Id) -> Reply {
    let draft = resolvers::integrations::drafts::get_draft(&caller.ctx, id).await?;
    Ok(ok_data(render::draft(&caller.ctx, draft).await?))
}

/// `PUT /drafts/{id}` `{draft: {...}}` → 200 `{data: Draft}`.
async fn update(caller: Caller, Id(id): Id, Body(body): Body<DraftRequest>) -> Reply {
    let input = input(&caller, body.draft, false).await?;
    let draft = resolvers::integrations::drafts::update_draft(&caller.ctx, id, input)
        .await
        .map_err(|e| match e {
            resolvers::Error::NotFound("draft") => {
                Failure::api(StatusCode::NOT_FOUND, "id", "not_found", "draft not found")
            }
            other => in_draft(other),
        })?;
    Ok(ok_data(render::draft(&caller.ctx, draft).await?))
}

/// `DELETE /drafts/{id}` → 204.
async fn destroy(caller: Caller, Id(id): Id) -> Reply {
    resolvers::integrations::drafts::delete_draft(&caller.ctx, id).await?;
    Ok(no_content())
}
