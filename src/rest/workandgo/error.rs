//! `resolvers::Error` → the WorkAndGo error envelope (§1):
//! `{"success": false, "error": {"code", "message", "details": [{field, message}]}}`,
//! with the status and code of §1's table. `details` is `[]` when no field is at fault.
//! Internals are logged, never echoed.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use resolvers::idempotency::Refusal;

use super::wire::{ErrorBody, ErrorEnvelope, FieldError};

/// A failed request, ready to render.
#[derive(Debug, Clone)]
pub struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine code (`VALIDATION_ERROR`, …).
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Per-field problems.
    pub details: Vec<FieldError>,
    /// Seconds for `Retry-After` (429, 409 `IDEMPOTENCY_IN_PROGRESS`).
    pub retry_after: Option<u64>,
}

/// What every handler returns.
pub type Reply = Result<Response, Failure>;

impl Failure {
    /// A failure with no field at fault.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// 400 `VALIDATION_ERROR` naming each field.
    pub fn invalid(details: Vec<FieldError>) -> Self {
        let message = details
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; ");
        Failure {
            details,
            ..Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
        }
    }

    /// 400 `VALIDATION_ERROR` on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// 401 `UNAUTHENTICATED`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "A valid session cookie or API key is required",
        )
    }

    /// 403 `FORBIDDEN`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 403 `CSRF_REJECTED`.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "CSRF_REJECTED",
            "Cookie-authenticated writes must come from the app's origin",
        )
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found"),
        )
    }

    /// 405 for a known path with another method (the document has no code for it).
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Method not allowed on this route",
        )
    }

    /// 413 `PAYLOAD_TOO_LARGE`.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "The request body is over the limit (1 MiB)",
        )
    }

    /// 415 `UNSUPPORTED_MEDIA_TYPE`.
    pub fn media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "The body must be application/json",
        )
    }

    /// 429 `RATE_LIMITED` with `Retry-After`.
    pub fn rate_limited(category: &str, limit: u32, retry_after: u64) -> Self {
        Failure {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!("Rate limit of {limit} {category} requests per minute exceeded"),
            )
        }
    }

    /// 500 `INTERNAL_ERROR`.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Unexpected server error",
        )
    }

    fn with_field(mut self, field: &str, message: impl Into<String>) -> Self {
        self.details.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
        self
    }
}

/// A core field name in this dialect's spelling.
fn field_name(field: &str) -> String {
    match field {
        "chatId" | "chat_id" => "channelId".to_owned(),
        "userIds" | "user_ids" => "userIds".to_owned(),
        "memberIds" => "memberIds".to_owned(),
        "time_zone" | "timeZone" => "timezone".to_owned(),
        other => other.to_owned(),
    }
}

fn what(thing: &str) -> String {
    match thing {
        "chat" => "Channel".to_owned(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => "Object".to_owned(),
            }
        }
    }
}

impl From<resolvers::Error> for Failure {
    fn from(err: resolvers::Error) -> Self {
        use resolvers::Error as E;
        match resolvers::idempotency::refusal(&err) {
            Some(Refusal::Reused) => {
                return Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was used with a different request",
                )
                .with_field("Idempotency-Key", "already used with another body");
            }
            Some(Refusal::InProgress) => {
                return Failure {
                    retry_after: Some(1),
                    ..Failure::new(
                        StatusCode::CONFLICT,
                        "IDEMPOTENCY_IN_PROGRESS",
                        "A request with this Idempotency-Key is still in progress",
                    )
                };
            }
            None => {}
        }
        match err {
            E::Unauthenticated => Failure::unauthenticated(),
            E::MissingScope(scope) => {
                Failure::forbidden(format!("This credential lacks the `{scope}` scope"))
            }
            E::Forbidden(message) => Failure::forbidden(message),
            E::NotFound(thing) => Failure::not_found(&what(thing)),
            E::Invalid { field, message } => {
                let field = if field == "idempotencyKey" {
                    "Idempotency-Key".to_owned()
                } else {
                    field_name(&field)
                };
                Failure::field(&field, message)
            }
            E::Conflict { field, message } => {
                Failure::new(StatusCode::CONFLICT, "CONFLICT", message.clone())
                    .with_field(&field_name(&field), message)
            }
            // The only limits a field names here are the reaction limits.
            E::LimitExceeded { field, message } if field == "emoji" => Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "REACTION_LIMIT",
                message.clone(),
            )
            .with_field("emoji", message),
            E::LimitExceeded { field, message } => Failure::field(&field_name(&field), message),
            E::Rule {
                code,
                field,
                message,
            } => {
                let status = match code {
                    "NOT_A_MEMBER" => StatusCode::FORBIDDEN,
                    "OUTSIDE_GEOFENCE"
                    | "NO_SITE_ASSIGNED"
                    | "INSUFFICIENT_LEAVE_BALANCE"
                    | "REACTION_LIMIT" => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::CONFLICT,
                };
                Failure::new(status, code, message.clone()).with_field(&field_name(&field), message)
            }
            E::Dependency(rule) => {
                Failure::new(StatusCode::CONFLICT, rule.code(), rule.to_string())
                    .with_field(&field_name(rule.field()), rule.to_string())
            }
            E::RateLimited { retry_after } => Failure::rate_limited("std", 0, retry_after),
            E::Internal(e) => {
                tracing::error!(error = %e, "workandgo: internal error");
                Failure::internal()
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            success: false,
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
                details: self.details,
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}

impl From<Vec<FieldError>> for Failure {
    fn from(details: Vec<FieldError>) -> Self {
        Failure::invalid(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_take_the_documents_codes_and_statuses() {
        let f = |e| {
            let f = Failure::from(e);
            (f.status.as_u16(), f.code)
        };
        assert_eq!(f(resolvers::Error::NotFound("chat")), (404, "NOT_FOUND"));
        assert_eq!(
            f(resolvers::Error::Unauthenticated),
            (401, "UNAUTHENTICATED")
        );
        assert_eq!(
            f(resolvers::Error::Forbidden("x".into())),
            (403, "FORBIDDEN")
        );
        assert_eq!(
            f(resolvers::Error::invalid("name", "bad")),
            (400, "VALIDATION_ERROR")
        );
        assert_eq!(
            f(resolvers::Error::conflict("chatId", "archived")),
            (409, "CONFLICT")
        );
        assert_eq!(
            f(resolvers::Error::rule("NOT_A_MEMBER", "email", "no")),
            (403, "NOT_A_MEMBER")
        );
        let v = Failure::from(resolvers::Error::invalid("chatId", "bad"));
        assert_eq!(
            v.details.first().map(|d| d.field.as_str()),
            Some("channelId")
        );
    }
}
