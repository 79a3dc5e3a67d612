//! Profile and own status: `GET /profile`, `GET|PUT|DELETE /profile/status`.
//! (The avatar routes live with the uploads.)

use axum::Router;
use axum::routing::get;
use resolvers::people::SetStatusInput;

use super::convert;
use super::error::Reply;
use super::extract::{Body, Caller, no_content, ok_data};
use super::render;
use super::wire::StatusUpdateRequest;
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/profile", get(get_profile)).route(
        "/profile/status",
        get(get_status).put(put_status).delete(delete_status),
    )
}

/// `GET /profile` (scope `profile:read`) → 200 `{data: User}`.
async fn get_profile(caller: Caller) -> Reply {
    let me = resolvers::people::get_profile(&caller.ctx).await?;
    Ok(ok_data(render::user(&caller.ctx, me).await?))
}

/// `GET /profile/status` → 200 `{data: UserStatus}` or `{data: null}` (guide §9).
async fn get_status(caller: Caller) -> Reply {
    let status = resolvers::people::get_my_status(&caller.ctx).await?;
    Ok(ok_data(status.map(render::status)))
}

/// The domain input of a status body (shared with `PUT /users/{id}/status`).
pub(super) fn status_input(
    body: StatusUpdateRequest,
) -> Result<SetStatusInput, super::error::Failure> {
    let s = body.status;
    let expires_at = s
        .expires_at
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| convert::parse_date_field("status.expires_at", t))
        .transpose()?;
    Ok(SetStatusInput {
        emoji: s.emoji,
        title: s.title,
        expires_at,
        is_away: s.is_away,
        away_message: s.away_message,
    })
}

/// `PUT /profile/status` `{status: {emoji*, title*, expires_at?, is_away?, away_message?}}`
/// → 200 `{data: UserStatus}`.
async fn put_status(caller: Caller, Body(body): Body<StatusUpdateRequest>) -> Reply {
    let input = status_input(body)?;
    let user = resolvers::people::set_status(&caller.ctx, input).await?;
    let status = resolvers::people::active_status(&user, chrono::Utc::now());
    Ok(ok_data(status.map(render::status)))
}

/// `DELETE /profile/status` → 204.
async fn delete_status(caller: Caller) -> Reply {
    resolvers::people::clear_status(&caller.ctx).await?;
    Ok(no_content())
}
