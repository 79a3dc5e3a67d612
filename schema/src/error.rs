//! `resolvers::Error` → GraphQL error with a stable `extensions.code` (and `field`).
//!
//! Resolvers map with `.gql()?`, never with a bare `?` on a domain result: async-graphql's
//! blanket `From<Display>` would drop the code. Internal errors are logged here and
//! reach the client only as "internal error".

use async_graphql::{Error as GqlError, ErrorExtensions};

/// Convert a domain error.
pub fn to_gql(err: resolvers::Error) -> GqlError {
    if let resolvers::Error::Internal(source) = &err {
        tracing::error!(error = %source, "internal error in a GraphQL resolver");
    }
    let code = err.code();
    let field = err.field().map(str::to_owned);
    let retry_after = match &err {
        resolvers::Error::RateLimited { retry_after } => Some(*retry_after),
        _ => None,
    };
    let task_ids = match &err {
        resolvers::Error::Dependency(rule) => {
            let key = match rule {
                resolvers::tasks::DependencyRule::Blocked { .. } => "blockerIds",
                resolvers::tasks::DependencyRule::Cycle { .. } => "path",
            };
            let ids: Vec<async_graphql::Value> = rule
                .task_ids()
                .iter()
                .map(|id| {
                    async_graphql::Value::from(crate::ids::encode(crate::ids::Kind::Task, *id).0)
                })
                .collect();
            Some((key, async_graphql::Value::List(ids)))
        }
        _ => None,
    };
    GqlError::new(err.to_string()).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(seconds) = retry_after {
            ext.set("retryAfter", seconds);
        }
        if let Some(field) = &field {
            ext.set("field", field.as_str());
        }
        // Tasks: the undone blockers (`TASK_BLOCKED`) or the cycle (`DEPENDENCY_CYCLE`).
        if let Some(task_ids) = &task_ids {
            ext.set(task_ids.0, task_ids.1.clone());
        }
    })
}

/// `.gql()` on domain results.
pub trait GqlResult<T> {
    /// Map the error with [`to_gql`].
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, resolvers::Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

/// The error for a request without a (valid) credential.
pub fn unauthenticated() -> GqlError {
    to_gql(resolvers::Error::Unauthenticated)
}
