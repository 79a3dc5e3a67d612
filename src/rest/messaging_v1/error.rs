//! `resolvers::Error` → the Messaging API v1's error body and status (§6.4):
//! `{"error": "<text>", "code": "<CODE>", "message"?: "<detail>", "details"?: [{field,
//! message}]}`, one of eleven codes (plus `ALREADY_EXISTS` for duplicates other than
//! members, gap 18). Incoming-webhook errors carry only `error` and `code` (and
//! `details` for validation failures, gap 12). Internals are logged, never echoed.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::convert::field_name;
use super::wire::{ErrorBody, FieldError};

/// A failed request, ready to render.
#[derive(Debug, Clone)]
pub struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine code (`CHANNEL_NOT_FOUND`, …).
    pub code: &'static str,
    /// Human-readable summary.
    pub error: String,
    /// Detail, when there is one to give.
    pub message: Option<String>,
    /// Per-field problems of a validation failure.
    pub details: Vec<FieldError>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

/// What every handler returns.
pub type Reply = Result<Response, Failure>;

impl Failure {
    fn new(status: StatusCode, code: &'static str, error: &str) -> Self {
        Failure {
            status,
            code,
            error: error.to_owned(),
            message: None,
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// The same failure with a detail message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// 401 `INVALID_API_KEY`.
    pub fn invalid_api_key() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_API_KEY",
            "Invalid API key",
        )
        .with_message("API token is missing or invalid")
    }

    /// 403 `INSUFFICIENT_PERMISSIONS` naming the permission.
    pub fn insufficient(permission: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "Insufficient permissions",
        )
        .with_message(format!("This token lacks the `{permission}` permission"))
    }

    /// 400 `INVALID_REQUEST_BODY` with field details.
    pub fn invalid(details: Vec<FieldError>) -> Self {
        let summary = details
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; ");
        Failure {
            details,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_BODY",
                "Invalid request body",
            )
            .with_message(summary)
        }
    }

    /// 400 `INVALID_REQUEST_BODY` on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// 404 `CHANNEL_NOT_FOUND`.
    pub fn channel_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "CHANNEL_NOT_FOUND",
            "Channel not found",
        )
        .with_message("Channel does not exist")
    }

    /// 404 `DEPARTMENT_NOT_FOUND`.
    pub fn department_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "DEPARTMENT_NOT_FOUND",
            "Department not found",
        )
        .with_message("Department does not exist")
    }

    /// 404 `MANAGER_NOT_FOUND`.
    pub fn manager_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "MANAGER_NOT_FOUND",
            "Manager not found",
        )
        .with_message("Manager not found in workspace")
    }

    /// 404 for a route the document does not have (the document names no code for it;
    /// `INVALID_REQUEST_BODY`'s neighbour `NOT_FOUND` is not one of its codes, so the
    /// status says it).
    pub fn no_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found")
            .with_message("No such route in the Messaging API v1")
    }

    /// 404 `INVALID_WEBHOOK`.
    pub fn invalid_webhook() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "INVALID_WEBHOOK",
            "Webhook not found",
        )
    }

    /// 401 `INVALID_SIGNATURE`.
    pub fn invalid_signature() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SIGNATURE",
            "Invalid signature",
        )
    }

    /// 429 `RATE_LIMIT_EXCEEDED` naming the token's own limit.
    pub fn rate_limited(limit: u32, period: &str, retry_after: u64) -> Self {
        Failure {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                "Rate limit exceeded",
            )
            .with_message(format!(
                "Rate limit of {limit} requests per {period} exceeded"
            ))
        }
    }

    /// 500 `INTERNAL_ERROR`.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal server error",
        )
        .with_message("Unexpected server error")
    }

    /// The incoming-webhook shape: `{error, code}` (and `details` for validation).
    pub fn bare(mut self) -> Self {
        self.message = None;
        self
    }
}

impl From<resolvers::Error> for Failure {
    fn from(err: resolvers::Error) -> Self {
        use resolvers::Error as E;
        match err {
            E::Unauthenticated => Failure::invalid_api_key(),
            E::MissingScope(scope) => Failure::insufficient(scope),
            E::Forbidden(message) => Failure::new(
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                "Insufficient permissions",
            )
            .with_message(message),
            E::NotFound("chat") => Failure::channel_not_found(),
            E::NotFound("department") => Failure::department_not_found(),
            E::NotFound("user") => Failure::manager_not_found(),
            E::NotFound(what) => Failure::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found")
                .with_message(format!("{what} not found")),
            E::Invalid { field, message } => {
                let unknown = message.starts_with("no such");
                match field.as_str() {
                    "departmentId" | "parentId" if unknown => Failure::department_not_found(),
                    "managerId" if unknown => Failure::manager_not_found(),
                    "chatId" | "channelId" if unknown => Failure::channel_not_found(),
                    _ => Failure::field(&field_name(&field), message),
                }
            }
            E::Conflict { field, .. } if field == "email" => {
                Failure::new(StatusCode::CONFLICT, "ALREADY_MEMBER", "Already a member")
                    .with_message("User is already a member of this workspace")
            }
            E::Conflict { field, message } if message.contains("archived") => {
                Failure::field(&field_name(&field), message)
            }
            E::Conflict { field, message } => {
                Failure::new(StatusCode::CONFLICT, "ALREADY_EXISTS", "Already exists")
                    .with_message(format!("{}: {message}", field_name(&field)))
            }
            E::LimitExceeded { field, message } | E::Rule { field, message, .. } => {
                Failure::field(&field_name(&field), message)
            }
            E::Dependency(rule) => Failure::field(&field_name(rule.field()), rule.to_string()),
            // The caller knows the budget; this is only the fallback.
            E::RateLimited { retry_after } => Failure::rate_limited(0, "period", retry_after),
            E::Internal(e) => {
                tracing::error!(error = %e, "messaging v1: internal error");
                Failure::internal()
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.error,
            code: self.code.to_owned(),
            message: self.message,
            details: (!self.details.is_empty()).then_some(self.details),
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
    fn core_errors_take_the_documents_codes() {
        let code = |e| Failure::from(e).code;
        assert_eq!(
            code(resolvers::Error::NotFound("chat")),
            "CHANNEL_NOT_FOUND"
        );
        assert_eq!(
            code(resolvers::Error::invalid("parentId", "no such department")),
            "DEPARTMENT_NOT_FOUND"
        );
        assert_eq!(
            code(resolvers::Error::invalid("managerId", "no such user")),
            "MANAGER_NOT_FOUND"
        );
        assert_eq!(
            code(resolvers::Error::conflict("email", "exists")),
            "ALREADY_MEMBER"
        );
        assert_eq!(
            code(resolvers::Error::MissingScope("send:messages")),
            "INSUFFICIENT_PERMISSIONS"
        );
        let f = Failure::from(resolvers::Error::invalid("kind", "bad"));
        assert_eq!(f.code, "INVALID_REQUEST_BODY");
        assert_eq!(
            f.details.first().map(|d| d.field.as_str()),
            Some("messageType")
        );
    }
}
