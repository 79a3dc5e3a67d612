//! Credentials → principal, at the edge. A missing credential and an invalid one are
//! different things: [`MaybePrincipal`] is `None` only when no credential was sent; a
//! credential that fails is always a 401, never an anonymous caller.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use resolvers::{Ctx, Origin};

use crate::state::AppState;

/// The caller's domain context, if a credential was presented.
pub struct MaybePrincipal(pub Option<Ctx>);

/// A presented credential did not authenticate.
pub struct Rejected;

impl IntoResponse for Rejected {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "errors": [{
                "message": "authentication required",
                "extensions": { "code": "UNAUTHENTICATED" }
            }]
        });
        let mut res = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
        res.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        res
    }
}

/// The token of an `Authorization: Bearer <token>` value (the scheme is case-insensitive).
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Authenticate a bearer token into a domain context arriving through `origin`.
pub async fn authenticate(state: &AppState, token: &str, origin: Origin) -> Result<Ctx, Rejected> {
    match resolvers::auth::authenticate(&state.db, &state.jwt, token).await {
        Ok((principal, user)) => {
            if let Err(e) = resolvers::people::touch_activity(&state.db, &user).await {
                tracing::warn!(error = %e, "could not record user activity");
            }
            Ok(state.ctx(principal, origin))
        }
        Err(resolvers::Error::Internal(e)) => {
            tracing::error!(error = %e, "authentication failed on an internal error");
            Err(Rejected)
        }
        Err(_) => Err(Rejected),
    }
}

impl FromRequestParts<AppState> for MaybePrincipal {
    type Rejection = Rejected;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Ok(MaybePrincipal(None));
        };
        let token = value.to_str().ok().and_then(bearer).ok_or(Rejected)?;
        let origin = origin_of(parts, "graphql");
        Ok(MaybePrincipal(Some(
            authenticate(state, token, origin).await?,
        )))
    }
}

/// Where a request came from: the peer address and its `Idempotency-Key` header.
pub fn origin_of(parts: &Parts, dialect: &'static str) -> Origin {
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let idempotency_key = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Origin {
        dialect,
        ip,
        idempotency_key,
    }
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_tokens_are_extracted() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer   "), None);
    }
}
