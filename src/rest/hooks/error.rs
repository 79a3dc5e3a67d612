//! `resolvers::Error` → the Hook API's statuses and its one error body (§3, §5): 401
//! and 403 `access_denied`, 400 `invalid_request`, 429 `rate_limit_exceeded`, 500
//! `server_error`, 503 `temporarily_unavailable`. Internals are logged, never echoed.

use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::wire::{ACCESS_DENIED, HookError};

/// A failed request, ready to render.
#[derive(Debug)]
pub struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// OAuth 2.0 error code.
    pub error: &'static str,
    /// Detail (also sent as `message`).
    pub description: String,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
}

impl Failure {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Failure {
            status,
            error,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 401: a wrong id or secret (the same answer for both, and for another
    /// workspace's hook: a hook URL is one credential).
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "access_denied", ACCESS_DENIED)
    }

    /// 403: the hook is known but may not post (its Desktop is archived or no longer
    /// internal).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "access_denied", detail)
    }

    /// 400: bad input, the field named in `detail`.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", detail)
    }

    /// 413: a body above the server's limit.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "the request body is too large",
        )
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after: u64) -> Self {
        Failure {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                format!("Rate limit exceeded; retry in {retry_after} s."),
            )
        }
    }

    /// 404: no such route under `/hooks` (a wrong id or secret is a 401, never this).
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "no such endpoint: POST /hooks/{id}/{secret}/message",
        )
    }

    /// 405: the route takes POST only.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "only POST is allowed on this route",
        )
    }

    /// 500, detail logged.
    pub fn internal(e: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %e, "hooks: internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The server encountered an unexpected error.",
        )
    }
}

/// The dialect's name of a domain field (`content` is the document's `message`).
fn field_name(field: &str) -> &str {
    match field {
        "content" => "message",
        other => other,
    }
}

impl From<resolvers::Error> for Failure {
    fn from(e: resolvers::Error) -> Self {
        use resolvers::Error as E;
        match e {
            E::Unauthenticated => Failure::unauthorized(),
            E::Forbidden(detail) => Failure::forbidden(detail),
            E::MissingScope(scope) => {
                Failure::forbidden(format!("the hook may not do this (`{scope}`)"))
            }
            // A hook reaches only its own Desktop; anything else it names is not there.
            E::NotFound(what) => Failure::forbidden(format!("{what} not available to this hook")),
            E::Invalid { field, message } | E::LimitExceeded { field, message } => {
                Failure::invalid(format!("`{}` {message}", field_name(&field)))
            }
            E::Conflict { field, message } => Failure {
                status: StatusCode::CONFLICT,
                // A request with this idempotency key is still running: retry shortly.
                retry_after: (field == "idempotencyKey").then_some(1),
                ..Failure::invalid(format!("`{}` {message}", field_name(&field)))
            },
            E::Rule { field, message, .. } => {
                Failure::invalid(format!("`{}` {message}", field_name(&field)))
            }
            E::Dependency(rule) => Failure::invalid(rule.to_string()),
            E::RateLimited { retry_after } => Failure::rate_limited(retry_after),
            E::Internal(e) => Failure::internal(&e),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = HookError {
            error: self.error,
            error_description: self.description.clone(),
            message: self.description,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
        {
            res.headers_mut().insert(RETRY_AFTER, v);
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            res.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
        }
        res
    }
}
