//! The one domain error type. Every edge (GraphQL, each REST dialect) maps it to its own
//! status and body by [`Error::code`]; internals are logged there and never echoed.

use sea_orm::{DbErr, SqlErr};

/// A domain operation's failure, with a stable machine code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No credential, or one that is invalid, expired, revoked or belongs to a suspended user.
    #[error("authentication required")]
    Unauthenticated,
    /// The principal is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The credential lacks the scope this operation needs.
    #[error("the token lacks the scope `{0}`")]
    MissingScope(&'static str),
    /// The object does not exist, or exists in another workspace or out of the principal's
    /// sight: the two are indistinguishable by design.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Bad input, naming the field.
    #[error("{field}: {message}")]
    Invalid {
        /// The input field at fault, as the caller spelled it (camelCase in GraphQL).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The request conflicts with the current state (a duplicate, an archived chat, ...).
    #[error("{field}: {message}")]
    Conflict {
        /// The field or object at fault.
        field: String,
        /// What conflicts.
        message: String,
    },
    /// A documented limit was reached (reactions per message, ...).
    #[error("{field}: {message}")]
    LimitExceeded {
        /// The field or object at fault.
        field: String,
        /// Which limit.
        message: String,
    },
    /// A named domain rule refused the request (`OUTSIDE_GEOFENCE`, `LEAVE_OVERLAP`,
    /// `INVALID_STATE`, …): the code is the rule's own, so every edge can tell them apart.
    #[error("{field}: {message}")]
    Rule {
        /// The rule's stable code.
        code: &'static str,
        /// The field or object at fault.
        field: String,
        /// Why, with the figures that matter (distances, dates, balances).
        message: String,
    },
    /// The credential spent its budget for this kind of request.
    #[error("rate limit exceeded: retry in {retry_after} s")]
    RateLimited {
        /// Seconds until a request would be allowed.
        retry_after: u64,
    },
    /// A task dependency rule refused the change: completing a task with an undone
    /// blocker (`TASK_BLOCKED`), or an edge that would close a cycle (`DEPENDENCY_CYCLE`).
    #[error("{0}")]
    Dependency(crate::tasks::DependencyRule),
    /// Anything else: a database or infrastructure failure. Its detail is logged, never
    /// shown to the caller (the message is deliberately generic).
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// The stable machine code of this error (GraphQL `extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::MissingScope(_) => "INSUFFICIENT_SCOPE",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Invalid { .. } => "BAD_USER_INPUT",
            Error::Conflict { .. } => "CONFLICT",
            Error::LimitExceeded { .. } => "LIMIT_EXCEEDED",
            Error::Rule { code, .. } => code,
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Dependency(rule) => rule.code(),
            Error::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The field this error names, when it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. }
            | Error::Conflict { field, .. }
            | Error::LimitExceeded { field, .. }
            | Error::Rule { field, .. } => Some(field),
            Error::Dependency(rule) => Some(rule.field()),
            _ => None,
        }
    }

    /// Bad input on `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A conflict on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A limit reached on `field`.
    pub fn limit(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::LimitExceeded {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A named rule (`code`) refused the request on `field`.
    pub fn rule(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Rule {
            code,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Wrap any infrastructure error.
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Internal(Box::new(err))
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        Error::Internal(Box::new(err))
    }
}

/// Turns a unique-constraint violation into a field-named conflict, in one line at the
/// call site; works on SQLite and PostgreSQL alike (sea-orm classifies both).
pub trait OnConstraint<T> {
    /// Map a unique violation to `Error::Conflict { field, message }`.
    fn on_unique(self, field: &str, message: &str) -> Result<T, Error>;
}

impl<T> OnConstraint<T> for Result<T, DbErr> {
    fn on_unique(self, field: &str, message: &str) -> Result<T, Error> {
        self.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Error::conflict(field, message),
            _ => Error::from(err),
        })
    }
}

/// Result alias for domain operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
