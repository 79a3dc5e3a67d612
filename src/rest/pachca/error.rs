//! `resolvers::Error` → Pachca's error bodies and statuses (guide §6).
//!
//! Two body shapes, never mixed: `ApiError` `{"errors":[{key, value, message, code,
//! payload}]}` (all five keys, always) and `OAuthError` `{"error", "error_description"}`
//! for credential and scope failures. Internals are logged, never echoed.

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::wire::{ApiError, ApiErrorItem, OAuthError, VALIDATION_CODES};

/// A failed request, ready to render.
#[derive(Debug)]
pub enum Failure {
    /// An `ApiError` body.
    Api {
        /// HTTP status.
        status: StatusCode,
        /// The error items.
        items: Vec<ApiErrorItem>,
        /// Seconds for `Retry-After` (429 only).
        retry_after: Option<u64>,
    },
    /// An `OAuthError` body.
    OAuth {
        /// HTTP status (401 or 403).
        status: StatusCode,
        /// `invalid_token`, `insufficient_scope`, ...
        error: &'static str,
        /// Human-readable detail.
        description: String,
    },
}

/// What every handler returns.
pub type Reply = Result<Response, Failure>;

impl Failure {
    /// An `ApiError` with one item.
    pub fn api(status: StatusCode, key: &str, code: &str, message: impl Into<String>) -> Self {
        Failure::Api {
            status,
            items: vec![ApiErrorItem {
                key: key.to_owned(),
                value: None,
                message: message.into(),
                code: code.to_owned(),
                payload: None,
            }],
            retry_after: None,
        }
    }

    /// 400: malformed input on `key` (wrong type, bad JSON, bad `limit`, bad cursor).
    pub fn bad_request(key: &str, message: impl Into<String>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, key, "invalid", message)
    }

    /// 422: well-formed but rejected input on `key`, with a `ValidationErrorCode`.
    pub fn unprocessable(key: &str, code: &str, message: impl Into<String>) -> Self {
        Self::api(StatusCode::UNPROCESSABLE_ENTITY, key, code, message)
    }

    /// 404 `not_found` on `key`.
    pub fn not_found(key: &str, what: &str) -> Self {
        Self::api(
            StatusCode::NOT_FOUND,
            key,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 401 `invalid_token`.
    pub fn invalid_token() -> Self {
        Failure::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: "The access token is missing, invalid, expired or revoked".into(),
        }
    }

    /// 403 `insufficient_scope`.
    pub fn insufficient_scope(scope: &str) -> Self {
        Failure::OAuth {
            status: StatusCode::FORBIDDEN,
            error: "insufficient_scope",
            description: format!("The access token does not have the required scope: {scope}"),
        }
    }

    /// 429 `rate_limit` with `Retry-After`.
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut failure = Self::api(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit",
            "rate_limit",
            format!("Too many requests, retry in {retry_after} s"),
        );
        if let Failure::Api { retry_after: r, .. } = &mut failure {
            *r = Some(retry_after.max(1));
        }
        failure
    }

    /// Set the rejected `value` on every item (for 4xx bodies that echo the input).
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        if let Failure::Api { items, .. } = &mut self {
            let value = value.into();
            for item in items {
                item.value = Some(value.clone());
            }
        }
        self
    }

    /// The status this failure renders with.
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::Api { status, .. } | Failure::OAuth { status, .. } => *status,
        }
    }

    /// The first item's code (`not_found`, `invalid`, ...) or the OAuth error.
    pub fn code(&self) -> &str {
        match self {
            Failure::Api { items, .. } => items.first().map(|i| i.code.as_str()).unwrap_or(""),
            Failure::OAuth { error, .. } => error,
        }
    }
}

/// `memberIds` → `member_ids`; `attachments[0].fileKey` → `attachments[0].file_key`.
pub fn snake_key(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The `ValidationErrorCode` of a resolver's bad-input message.
fn invalid_code(message: &str) -> &'static str {
    if message.contains("must not be empty") || message.contains("is required") {
        "blank"
    } else if message.contains("at most") && message.contains("characters") {
        "too_long"
    } else {
        "invalid"
    }
}

/// The `ValidationErrorCode` of a reached limit.
fn limit_code(message: &str) -> &'static str {
    if message.contains("per user") {
        "user_limit"
    } else if message.contains("different") {
        "unique_limit"
    } else {
        "general_limit"
    }
}

impl From<resolvers::Error> for Failure {
    fn from(err: resolvers::Error) -> Self {
        use resolvers::Error as E;
        match err {
            E::Unauthenticated => Failure::invalid_token(),
            E::MissingScope(scope) => Failure::insufficient_scope(scope),
            // The spec gives nearly every operation's 403 the OAuthError shape.
            E::Forbidden(message) => Failure::OAuth {
                status: StatusCode::FORBIDDEN,
                error: "role_forbidden",
                description: message,
            },
            E::NotFound(what) => Failure::not_found(&snake_key(what).replace(' ', "_"), what),
            E::Invalid { field, message } => Failure::unprocessable(
                &snake_key(&field),
                invalid_code(&message),
                format!("{field}: {message}"),
            ),
            E::Conflict { field, message } => {
                if message.contains("archived") || message.contains("not a member") {
                    Failure::unprocessable(&snake_key(&field), "invalid", message)
                } else {
                    Failure::api(
                        StatusCode::CONFLICT,
                        &snake_key(&field),
                        "already_exists",
                        message,
                    )
                }
            }
            E::LimitExceeded { field, message } => {
                let code = limit_code(&message);
                Failure::unprocessable(&snake_key(&field), code, message)
            }
            E::RateLimited { retry_after } => Failure::rate_limited(retry_after),
            // A rule whose code Pachca knows keeps it (`cannot_kick_owner`, …).
            E::Rule {
                code,
                field,
                message,
            } => {
                let code = code.to_ascii_lowercase();
                let code = if VALIDATION_CODES.contains(&code.as_str()) {
                    code.as_str()
                } else {
                    "invalid"
                };
                Failure::unprocessable(&snake_key(&field), code, message)
            }
            E::Dependency(rule) => {
                Failure::unprocessable(&snake_key(rule.field()), "invalid", rule.to_string())
            }
            E::Internal(e) => {
                tracing::error!(error = %e, "pachca: internal error");
                Failure::api(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server",
                    "unhandled",
                    "Internal server error",
                )
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api {
                status,
                items,
                retry_after,
            } => {
                let mut res = (status, axum::Json(ApiError { errors: items })).into_response();
                if let Some(seconds) = retry_after {
                    res.headers_mut()
                        .insert(RETRY_AFTER, HeaderValue::from(seconds));
                }
                res
            }
            Failure::OAuth {
                status,
                error,
                description,
            } => {
                let body = OAuthError {
                    error: error.to_owned(),
                    error_description: description,
                };
                let mut res = (status, axum::Json(body)).into_response();
                if status == StatusCode::UNAUTHORIZED {
                    res.headers_mut().insert(
                        WWW_AUTHENTICATE,
                        HeaderValue::from_static("Bearer error=\"invalid_token\""),
                    );
                }
                res
            }
        }
    }
}

/// A JSON value for the `payload` of an authorization error.
pub fn record_payload(kind: &str, id: i64) -> Value {
    json!({ "record": { "type": kind, "id": id }, "query": Value::Null })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_become_snake_case() {
        assert_eq!(snake_key("memberIds"), "member_ids");
        assert_eq!(
            snake_key("attachments[0].fileKey"),
            "attachments[0].file_key"
        );
        assert_eq!(snake_key("name"), "name");
    }

    #[test]
    fn resolver_errors_map_to_documented_statuses() {
        let f = Failure::from(resolvers::Error::NotFound("chat"));
        assert_eq!((f.status(), f.code()), (StatusCode::NOT_FOUND, "not_found"));
        let f = Failure::from(resolvers::Error::MissingScope("chats:read"));
        assert_eq!(
            (f.status(), f.code()),
            (StatusCode::FORBIDDEN, "insufficient_scope")
        );
        let f = Failure::from(resolvers::Error::invalid("name", "must not be empty"));
        assert_eq!(
            (f.status(), f.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "blank")
        );
        let f = Failure::from(resolvers::Error::limit(
            "emoji",
            "at most 20 different reactions per user on one message",
        ));
        assert_eq!(f.code(), "user_limit");
        let f = Failure::from(resolvers::Error::RateLimited { retry_after: 3 });
        assert_eq!(
            (f.status(), f.code()),
            (StatusCode::TOO_MANY_REQUESTS, "rate_limit")
        );
    }
}
