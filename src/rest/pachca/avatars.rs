//! Avatars: `PUT`/`POST`/`DELETE` on `/profile/avatar`, `/users/{id}/avatar`,
//! `/chats/{id}/avatar` and `/bots/{id}/avatar`.
//!
//! The spec says PUT, the SDK sends POST: both are served. The body is multipart with
//! one file field, `image`; the answer is 200 `{data: {image_url}}`, and DELETE is 204.
//! These routes carry the upload body limit, not the JSON one.

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::routing::put;
use bytes::Bytes;
use resolvers::avatars::{self, AvatarOf};

use super::error::{Failure, Reply};
use super::extract::{Caller, Id, no_content, ok_data};
use super::wire::AvatarData;
use crate::state::AppState;

/// Method, path → handler. Credential: a person's token with `profile_avatar:write`
/// (own), an admin's with `user_avatar:write` (anyone's), `chats:update` (chat managers),
/// `bots:write` (bot managers). Rate class: standard plus one upload.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/profile/avatar",
            put(set_own).post(set_own).delete(clear_own),
        )
        .route(
            "/users/{id}/avatar",
            put(set_user).post(set_user).delete(clear_user),
        )
        .route(
            "/chats/{id}/avatar",
            put(set_chat).post(set_chat).delete(clear_chat),
        )
        .route(
            "/bots/{id}/avatar",
            put(set_bot).post(set_bot).delete(clear_bot),
        )
}

/// The `image` field of a multipart body. Not multipart, unreadable, or without an
/// `image` → 422 naming `image`; over the upload limit → 413.
async fn image(req: Request) -> Result<Bytes, Failure> {
    let invalid = |message: String| Failure::unprocessable("image", "invalid", message);
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| invalid(format!("a multipart/form-data body is required: {e}")))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| invalid(format!("unreadable multipart body: {e}")))?
    {
        if field.name() != Some("image") {
            continue;
        }
        return field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::api(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "image",
                    "invalid",
                    e.to_string(),
                )
            } else {
                invalid(format!("unreadable image: {e}"))
            }
        });
    }
    Err(Failure::unprocessable(
        "image",
        "blank",
        "image is required",
    ))
}

async fn set(caller: Caller, of: AvatarOf, req: Request) -> Reply {
    let bytes = image(req).await?;
    let image_url = avatars::set_avatar(&caller.ctx, of, bytes).await?;
    Ok(ok_data(AvatarData { image_url }))
}

async fn clear(caller: Caller, of: AvatarOf) -> Reply {
    avatars::clear_avatar(&caller.ctx, of).await?;
    Ok(no_content())
}

async fn set_own(caller: Caller, req: Request) -> Reply {
    set(caller, AvatarOf::Me, req).await
}

async fn clear_own(caller: Caller) -> Reply {
    clear(caller, AvatarOf::Me).await
}

async fn set_user(caller: Caller, Id(id): Id, req: Request) -> Reply {
    set(caller, AvatarOf::User(id), req).await
}

async fn clear_user(caller: Caller, Id(id): Id) -> Reply {
    clear(caller, AvatarOf::User(id)).await
}

async fn set_chat(caller: Caller, Id(id): Id, req: Request) -> Reply {
    set(caller, AvatarOf::Chat(id), req).await
}

async fn clear_chat(caller: Caller, Id(id): Id) -> Reply {
    clear(caller, AvatarOf::Chat(id)).await
}

async fn set_bot(caller: Caller, Id(id): Id, req: Request) -> Reply {
    set(caller, AvatarOf::Bot(id), req).await
}

async fn clear_bot(caller: Caller, Id(id): Id) -> Reply {
    clear(caller, AvatarOf::Bot(id)).await
}
