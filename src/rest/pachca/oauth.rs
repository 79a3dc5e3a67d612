//! `GET /oauth/token/info`: the presented token, masked.

use axum::Router;
use axum::routing::get;
use chrono::Utc;

use super::convert::{date, date_opt, mask_token};
use super::error::Reply;
use super::extract::{Caller, ok_data};
use super::wire::{AccessTokenInfo, OAUTH_SCOPES};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/token/info", get(token_info))
}

/// `GET /oauth/token/info` → 200 `{data: AccessTokenInfo}`. A JWT session is described
/// as a token without a row (`id` 0, no name), carrying the session's scopes.
async fn token_info(caller: Caller) -> Reply {
    let ctx = &caller.ctx;
    let scopes: Vec<String> = ctx
        .principal
        .scopes
        .iter()
        .map(|s| s.as_str())
        .filter(|s| OAUTH_SCOPES.contains(s))
        .map(str::to_owned)
        .collect();
    let info = match resolvers::auth::current_api_token(ctx).await? {
        Some(row) => AccessTokenInfo {
            id: row.id,
            token: mask_token(&row.prefix, &row.last_four),
            name: Some(row.name),
            user_id: row.user_id,
            scopes,
            created_at: date(row.created_at),
            revoked_at: date_opt(row.revoked_at),
            expires_in: row
                .expires_at
                .map(|at| at.signed_duration_since(Utc::now()).num_seconds().max(0)),
            last_used_at: date_opt(row.last_used_at),
        },
        None => AccessTokenInfo {
            id: 0,
            token: "session".to_owned(),
            name: None,
            user_id: ctx.user_id(),
            scopes,
            created_at: date(Utc::now()),
            revoked_at: None,
            expires_in: None,
            last_used_at: None,
        },
    };
    Ok(ok_data(info))
}
