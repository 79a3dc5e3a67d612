//! The WorkAndGo façade, mounted at [`BASE_PATH`] (`/api`; the Messaging API v1 at
//! `/api/v1` and Pachca at `/api/shared/v1` keep their own, more specific, prefixes).
//!
//! Contract: the seed document `000` and `reference/workandgo.md`: `{"success", "data"}`
//! envelopes (+ `pagination`), `{"success": false, "error": {code, message, details}}`
//! errors with §1's codes, camelCase JSON, integer ids, instants with milliseconds, three
//! credentials (a `session_token` cookie naming a server-side session, `X-API-Key: wag_…`
//! keys with group scopes; WebSocket tickets are not served yet), rate classes `std`,
//! `search` and `upload` per key, per user or per client address with
//! `X-RateLimit-Remaining` on every response, and `Idempotency-Key` on POSTs.
//!
//! Served so far: `/api/auth` (dev-login, me, sessions, logout, API keys; not OAuth nor
//! the WebSocket ticket), `/api/channels` (all twelve rows of §5.2) and `/api/messages`
//! rows 1–5 and 7–9 (messages and their reactions).
//!
//! Layout: [`wire`] spells the document's shapes, [`convert`] translates (pure),
//! [`error`] maps `resolvers::Error`, [`extract`] identifies the caller, spends the
//! budget ([`extract::track`]), and holds the extractors and the idempotency wrapper.
//! Each group file lists its routes once, with thin handlers calling `resolvers`.

pub mod convert;
pub mod error;
pub mod extract;
pub mod wire;

mod auth;
mod channels;
mod messages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::response::IntoResponse;
use resolvers::rate::Category;

use crate::state::AppState;
use error::Failure;

/// Where the façade is mounted.
pub const BASE_PATH: &str = "/api";

/// The rate class of each route (§3), declared once: the routes of the `search` and
/// `upload` classes; every other route (unknown ones too) is `std`.
const RATE_CLASSES: &[(Method, &str, Category)] = &[
    (Method::GET, "/messages/search", Category::Search),
    (Method::POST, "/messages/attachments", Category::Upload),
    (Method::POST, "/hr/documents", Category::Upload),
];

/// The rate class of a request to `path` (relative to [`BASE_PATH`] or not).
pub fn rate_class(method: &Method, path: &str) -> Category {
    let path = path
        .strip_prefix(BASE_PATH)
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path);
    let path = path.trim_end_matches('/');
    RATE_CLASSES
        .iter()
        .find(|(m, p, _)| m == method && *p == path)
        .map_or(Category::Standard, |(_, _, c)| *c)
}

/// The document's name of a rate class.
pub fn rate_class_name(category: Category) -> &'static str {
    match category {
        Category::Search => "search",
        Category::Upload => "upload",
        Category::Standard | Category::MessageWrite => "std",
    }
}

/// The façade's routes (relative to [`BASE_PATH`]), one line per group file.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(auth::routes(state.config.dev_login))
        .merge(channels::routes())
        .merge(messages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::track,
        ))
}

async fn not_found() -> impl IntoResponse {
    Failure::not_found("Route")
}

async fn method_not_allowed() -> impl IntoResponse {
    Failure::method_not_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_in_their_rate_class() {
        assert_eq!(
            rate_class(&Method::GET, "/api/messages/search"),
            Category::Search
        );
        assert_eq!(
            rate_class(&Method::GET, "/messages/search"),
            Category::Search
        );
        assert_eq!(
            rate_class(&Method::POST, "/messages/attachments"),
            Category::Upload
        );
        assert_eq!(
            rate_class(&Method::POST, "/messages/search"),
            Category::Standard
        );
        assert_eq!(rate_class(&Method::GET, "/channels"), Category::Standard);
        assert_eq!(rate_class(&Method::GET, "/nope"), Category::Standard);
    }
}
