//! The Pachca-compatible REST façade, mounted at [`BASE_PATH`].
//!
//! Contract: `openapi.yaml` here (a copy of `pachca-openapi.yaml`) and the compatibility
//! guide: exact success statuses, `{"data": ...}` envelopes, four-key `meta.paginate`
//! with cursors that are never null, ApiError/OAuthError bodies, UTC millisecond dates,
//! Rails-bracket query arrays, bodiless POSTs without a content type.
//!
//! Layout: [`wire`] spells the document's shapes, [`convert`] translates dates, cursors
//! and roles (pure), [`render`] assembles wire objects from `resolvers` rows, [`error`]
//! maps `resolvers::Error`, [`extract`] holds the caller, body, path and query
//! extractors. Each group file exposes `routes()` listing its method, path, credential
//! and rate-limit class once, and handlers that only call `resolvers`.
//!
//! Credentials: `Authorization: Bearer` with an API token (`sbt_…`) or a JWT session.
//! An owner's or admin's token acts as Pachca's admin token; a bot user's token as a
//! bot token; the scopes are Pachca's OAuth scopes.

pub mod convert;
pub mod error;
pub mod extract;
pub mod render;
pub mod wire;

mod audit;
mod avatars;
mod bots;
mod chats;
mod custom_properties;
mod drafts;
mod exports;
mod file_uploads;
mod group_tags;
mod members;
mod messages;
mod oauth;
mod previews;
mod profile;
mod reactions;
mod search;
mod tasks;
mod threads;
mod users;
mod views;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::state::AppState;
use error::Failure;
use extract::FacadeLimits;
use tower_http::limit::RequestBodyLimitLayer;

/// Where the façade is mounted.
pub const BASE_PATH: &str = "/api/shared/v1";

/// The façade's routes (relative to [`BASE_PATH`]). One line per group file. Uploads
/// (`/direct_url`) carry the upload body limit, avatars their own, every other route the
/// JSON one.
pub fn router(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    let standard = Router::new()
        .merge(profile::routes())
        .merge(oauth::routes())
        .merge(users::routes())
        .merge(group_tags::routes())
        .merge(chats::routes())
        .merge(members::routes())
        .merge(threads::routes())
        .merge(messages::routes())
        .merge(reactions::routes())
        .merge(search::routes())
        .merge(audit::routes())
        .merge(tasks::routes())
        .merge(custom_properties::routes())
        .merge(previews::routes())
        .merge(views::routes())
        .merge(drafts::routes())
        .merge(webhooks::routes())
        .merge(bots::routes())
        .merge(file_uploads::routes())
        .merge(exports::routes())
        .layer(RequestBodyLimitLayer::new(config.body_limit));
    let uploads = Router::new()
        .merge(file_uploads::upload_routes())
        .layer(DefaultBodyLimit::max(config.upload_limit))
        .layer(RequestBodyLimitLayer::new(config.upload_limit));
    // An avatar is at most `MAX_AVATAR_BYTES`: its body is cut off just above that.
    let avatar_limit = config
        .upload_limit
        .min(resolvers::avatars::MAX_AVATAR_BYTES + 64 * 1024);
    let avatars = avatars::routes()
        .layer(DefaultBodyLimit::max(avatar_limit))
        .layer(RequestBodyLimitLayer::new(avatar_limit));
    standard
        .merge(uploads)
        .merge(avatars)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::Extension(Arc::new(FacadeLimits::new(&config.rate))))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::idempotent,
        ))
}

async fn not_found() -> impl IntoResponse {
    Failure::not_found("path", "route")
}

async fn method_not_allowed() -> impl IntoResponse {
    Failure::api(
        StatusCode::METHOD_NOT_ALLOWED,
        "method",
        "invalid",
        "method not allowed on this route",
    )
}
