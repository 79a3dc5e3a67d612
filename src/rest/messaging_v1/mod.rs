//! The Workspace Messaging API v1 façade, mounted at [`BASE_PATH`].
//!
//! Contract: the seed document `003` and `dialects.md` §6: `Authorization: Bearer wst_…`
//! workspace tokens (created with `createApiToken` and v1 permissions), camelCase JSON,
//! prefixed string ids (`channel_42`, `msg_1001`), whole-second UTC dates, `{success,
//! <name>}` envelopes, `{error, code, message?, details?}` errors with eleven codes,
//! `X-RateLimit-*` on every response once the token is known, and HMAC-signed incoming
//! webhooks.
//!
//! Layout: [`wire`] spells the document's shapes, [`convert`] translates ids, dates and
//! field names (pure), [`error`] maps `resolvers::Error`, [`extract`] holds the caller
//! (`Caller<Permission>` declares each route's permission in its signature), bodies,
//! the rate-header middleware and the idempotency wrapper. Each group file lists its
//! routes once, with handlers that only translate and call `resolvers`.

pub mod convert;
pub mod error;
pub mod extract;
pub mod wire;

mod channels;
mod departments;
mod members;
mod messages;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::state::AppState;
use error::Failure;

/// Where the façade is mounted.
pub const BASE_PATH: &str = "/api/v1";

/// The façade's routes (relative to [`BASE_PATH`]), one line per group file.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(messages::routes())
        .merge(channels::routes())
        .merge(departments::routes())
        .merge(members::routes())
        .merge(webhooks::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn(extract::track))
}

async fn not_found() -> impl IntoResponse {
    Failure::no_route()
}

async fn method_not_allowed() -> impl IntoResponse {
    let mut f = Failure::no_route().with_message("Method not allowed on this route");
    f.status = StatusCode::METHOD_NOT_ALLOWED;
    f.code = "METHOD_NOT_ALLOWED";
    f
}
