//! The Hook API façade: `POST /hooks/{id}/{secret}/message`.
//!
//! Contract: the Hook API document (`seeds/002`) and `reference/dialects.md` §1 (column
//! 002), §2, §3, §5 and §7 gaps 1–7. One route; the credential is the hook's id and
//! secret in the path; the body is `{"message": "<text>"}`; success is `200` with the
//! two bytes `ok` (`text/plain`); every error has the OAuth-like body
//! `{"error", "error_description", "message"}`. Once the hook is identified every
//! response carries `X-Rate-Limit-Total-Per-Hour`, `X-Rate-Limit-Total-Per-Day`,
//! `X-Rate-Limit-Used` and `X-Rate-Limit-Remaining` (per hook; see
//! `resolvers::rate::RateLimits::check_hook`).
//!
//! Layout: [`wire`] spells the request and error bodies, [`error`] maps
//! `resolvers::Error` to them, [`handler`] is the one handler. The secret never reaches
//! a log: the request trace prints the path through [`redact_path`].

pub mod error;
pub mod handler;
pub mod wire;

use std::borrow::Cow;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

use crate::state::AppState;
use error::Failure;

/// Where the façade is mounted.
pub const BASE_PATH: &str = "/hooks";

/// What stands in for a hook secret in logs and traces.
pub const REDACTED: &str = "[redacted]";

/// Method, path → handler (relative to [`BASE_PATH`]). Credential: the hook id and
/// secret in the path. Rate class: the hook's own hour and day windows (plus the
/// per-chat message-write budget `send_message` spends). Body: JSON, at most the
/// server's body limit.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/{id}/{secret}/message", post(handler::post_message))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
}

async fn not_found() -> Failure {
    Failure::not_found()
}

async fn method_not_allowed() -> Failure {
    Failure::method_not_allowed()
}

/// `path` with a hook secret replaced by [`REDACTED`]: for request logs and traces.
/// Every other path is returned as it is.
pub fn redact_path(path: &str) -> Cow<'_, str> {
    let Some(rest) = path.strip_prefix("/hooks/") else {
        return Cow::Borrowed(path);
    };
    let mut parts = rest.splitn(3, '/');
    let id = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (Some(_secret), Some(tail)) => Cow::Owned(format!("/hooks/{id}/{REDACTED}/{tail}")),
        (Some(_secret), None) => Cow::Owned(format!("/hooks/{id}/{REDACTED}")),
        _ => Cow::Borrowed(path),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn hook_secrets_are_redacted_from_paths() {
        assert_eq!(
            redact_path("/hooks/abc/0123deadbeef/message"),
            "/hooks/abc/[redacted]/message"
        );
        assert_eq!(
            redact_path("/hooks/abc/0123deadbeef"),
            "/hooks/abc/[redacted]"
        );
        assert_eq!(redact_path("/hooks/abc/s/x/y"), "/hooks/abc/[redacted]/x/y");
        assert_eq!(redact_path("/hooks/abc"), "/hooks/abc");
        assert_eq!(redact_path("/graphql"), "/graphql");
        assert_eq!(
            redact_path("/api/shared/v1/hooks/a/b"),
            "/api/shared/v1/hooks/a/b"
        );
    }
}
