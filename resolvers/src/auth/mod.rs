//! Credentials: API tokens, JWT user sessions, and turning either into a [`Principal`].

mod jwt;
mod keys;
mod scopes;
pub mod sessions;
mod tokens;

pub use jwt::{CookieClaims, JwtConfig, SessionClaims};
pub use keys::{
    API_KEY_PREFIX, CreateApiKeyInput, MAX_KEY_NAME, create_api_key, is_api_key, list_api_keys,
    revoke_api_key,
};
pub use scopes::{KEY_SCOPE_PREFIX, Scope, Scopes};
pub use tokens::WORKSPACE_TOKEN_PREFIX;
pub(crate) use tokens::hash_token as hash_secret;
pub(crate) use tokens::mint as mint_token;
pub use tokens::{
    CreateApiTokenInput, CreatedApiToken, create_api_token, current_api_token, issue_api_token,
    list_api_tokens, rate_limits_of, revoke_api_token, set_api_token_rate_limits,
};
pub(crate) use tokens::{insert_row as insert_token_row, mint_with_prefix};

use chrono::Utc;
use entities::{api_tokens, users};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef,
};

use crate::ctx::{Credential, Principal};
use crate::people::role_of;
use crate::{Error, Result};

/// Authenticate a bearer credential: a JWT session (three dot-separated parts) or an API
/// token. Any failure — unknown, expired, revoked, bad signature, suspended user — is
/// [`Error::Unauthenticated`], with no hint of which.
pub async fn authenticate(
    db: &DatabaseConnection,
    jwt: &JwtConfig,
    bearer: &str,
) -> Result<(Principal, users::Model)> {
    let bearer = bearer.trim();
    if bearer.is_empty() {
        return Err(Error::Unauthenticated);
    }
    if bearer.split('.').count() == 3 {
        let claims = jwt.verify(bearer)?;
        let user = users::Entity::find_by_id(claims.user_id()?)
            .filter(users::Column::WorkspaceId.eq(claims.ws))
            .one(db)
            .await?
            .ok_or(Error::Unauthenticated)?;
        return principal_for(user, None, Credential::Session);
    }
    let hash = tokens::hash_token(bearer);
    // The token and its user in one statement (a request's first round trip).
    let (token, user) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash))
        .select_also(users::Entity)
        .join(JoinType::InnerJoin, token_user())
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let user = user.ok_or(Error::Unauthenticated)?;
    principal_of(db, token, user).await
}

/// The principal of a stored API token row: refused (as [`Error::Unauthenticated`])
/// when revoked, expired, or its user is gone or suspended. Records its use.
pub async fn principal_of_token(
    db: &DatabaseConnection,
    token: api_tokens::Model,
) -> Result<(Principal, users::Model)> {
    let user = users::Entity::find_by_id(token.user_id)
        .filter(users::Column::WorkspaceId.eq(token.workspace_id))
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    principal_of(db, token, user).await
}

/// The principal of a token and its user (of the token's workspace).
async fn principal_of(
    db: &DatabaseConnection,
    token: api_tokens::Model,
    user: users::Model,
) -> Result<(Principal, users::Model)> {
    let now = Utc::now();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::Unauthenticated);
    }
    tokens::touch(db, &token, now).await?;
    let budgets = crate::rate::TokenBudgets::from_stored(token.rate_limits.as_deref())
        .unwrap_or_else(|e| {
            // Written only after validation; should the text ever be unreadable, the
            // token keeps working on the default budgets rather than locking its owner out.
            tracing::warn!(token = %token.prefix, error = %e, "unreadable token rate limits");
            crate::rate::TokenBudgets::default()
        });
    let credential = Credential::ApiToken {
        id: token.id,
        prefix: token.prefix.clone(),
        budgets,
    };
    principal_for(user, Some(&token.scopes), credential)
}

/// A token's user, of the token's workspace.
fn token_user() -> RelationDef {
    api_tokens::Entity::belongs_to(users::Entity)
        .from(api_tokens::Column::UserId)
        .to(users::Column::Id)
        .on_condition(|token, user| {
            Expr::col((user, users::Column::WorkspaceId))
                .equals((token, api_tokens::Column::WorkspaceId))
                .into_condition()
        })
        .into()
}

fn principal_for(
    user: users::Model,
    stored_scopes: Option<&str>,
    credential: Credential,
) -> Result<(Principal, users::Model)> {
    if user.suspended {
        return Err(Error::Unauthenticated);
    }
    let role = role_of(&user)?;
    let scopes = match stored_scopes {
        Some(stored) if credential.is_workspace_level() => Scopes::workspace(stored),
        Some(stored) if credential.is_api_key() => Scopes::api_key(stored, role, user.is_bot),
        Some(stored) => Scopes::from_stored(stored, role, user.is_bot),
        None => Scopes::for_role(role, user.is_bot),
    };
    let principal = Principal {
        workspace_id: user.workspace_id,
        user_id: user.id,
        role,
        is_bot: user.is_bot,
        scopes,
        credential,
    };
    Ok((principal, user))
}

/// The principal of `user` acting with every scope of their role (the operator's CLI and
/// the demo seed act as a user this way).
pub fn principal_for_user(user: users::Model) -> Result<Principal> {
    principal_for(user, None, Credential::Session).map(|(p, _)| p)
}
