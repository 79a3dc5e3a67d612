//! Threads: `GET|POST /threads`, `GET /threads/{id}`, `POST /messages/{id}/thread`.
//! A thread's id is the id of its chat.

use axum::Router;
use axum::routing::{get, post};
use resolvers::pagination::{Key, datetime_to_micros};

use super::error::Reply;
use super::extract::{Caller, Id, RailsQuery, created, ok, ok_data};
use super::render;
use super::wire::Data;
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: standard. The POSTs take
/// no body (no content type required).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/threads", get(list).post(create))
        .route("/threads/{id}", get(show))
        .route("/messages/{id}/thread", post(create_for_message))
}

/// `GET /threads?last_message_at_after=&last_message_at_before=&limit=&cursor=` → list of
/// Thread, most recently active first.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let after = q.date("last_message_at_after")?;
    let before = q.date("last_message_at_before")?;
    let slice = resolvers::chats::list_threads(&caller.ctx, after, before, window).await?;
    let mut data = Vec::with_capacity(slice.items.len());
    for chat in &slice.items {
        data.push(render::thread(&caller.ctx, chat).await?);
    }
    let key = |c: &entities::chats::Model| Key {
        sort: datetime_to_micros(c.last_message_at),
        id: c.id,
    };
    Ok(ok(render::list(&window, &slice, key, data)))
}

/// `POST /threads` (no body) → 201 `{data: Thread}`: a standalone thread.
async fn create(caller: Caller) -> Reply {
    let chat = resolvers::chats::create_standalone_thread(&caller.ctx).await?;
    Ok(created(Data {
        data: render::thread(&caller.ctx, &chat).await?,
    }))
}

/// `GET /threads/{id}` → 200 `{data: Thread}`.
async fn show(caller: Caller, Id(id): Id) -> Reply {
    let chat = resolvers::chats::get_thread(&caller.ctx, id).await?;
    Ok(ok_data(render::thread(&caller.ctx, &chat).await?))
}

/// `POST /messages/{id}/thread` (no body) → 201 `{data: Thread}`, the existing thread
/// when there is one.
async fn create_for_message(caller: Caller, Id(id): Id) -> Reply {
    let chat = resolvers::chats::create_thread(&caller.ctx, id).await?;
    Ok(created(Data {
        data: render::thread(&caller.ctx, &chat).await?,
    }))
}
