//! API tokens: 256 random bits, shown once, stored as SHA-256 with a visible prefix.

use chrono::{DateTime, Utc};
use entities::{api_tokens, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use super::{Scope, Scopes};
use crate::events::EventKind;
use crate::people::role_of;
use crate::rate::{Budget, BudgetInput, Category, TokenBudgets};
use crate::{Ctx, Error, Result};

/// Every Switchboard API token starts with this, so secret scanners can recognise one.
const TOKEN_PREFIX: &str = "sbt_";
/// Workspace tokens (the Messaging API v1's `wst_` + 64 hex) start with this.
pub const WORKSPACE_TOKEN_PREFIX: &str = "wst_";
/// Characters of the token kept visible for listings and logs (`sbt_` + 8).
const VISIBLE: usize = 12;

/// Lower-hex SHA-256 of a token: the only form in which a token is stored. Every
/// high-entropy secret kept only as a hash (bot client secrets, hook secrets, calendar
/// feed tokens) uses it, as `crate::auth::hash_secret`.
pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token (`sbt_` + 64 hex characters).
pub(crate) fn generate() -> Result<String> {
    generate_with(TOKEN_PREFIX)
}

/// A new random token: `prefix` + 64 hex characters (256 bits).
fn generate_with(prefix: &str) -> Result<String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// A new token: the secret, shown once, and the parts of it that are stored.
pub(crate) struct Minted {
    /// The whole token.
    pub token: String,
    /// Its first characters, shown in listings and logs.
    pub prefix: String,
    /// Its last four characters, shown masked.
    pub last_four: String,
    /// Its SHA-256, the only form in which it is kept.
    pub hash: String,
}

/// Mint a new token.
pub(crate) fn mint() -> Result<Minted> {
    minted(generate()?)
}

/// Mint a new token starting with `prefix` (e.g. [`WORKSPACE_TOKEN_PREFIX`]).
pub(crate) fn mint_with_prefix(prefix: &str) -> Result<Minted> {
    minted(generate_with(prefix)?)
}

/// Insert a token row for `user` inside `txn` (callers validate and record the event).
pub(crate) async fn insert_row(
    txn: &sea_orm::DatabaseTransaction,
    user: &users::Model,
    name: &str,
    minted: &Minted,
    scopes: &str,
    expires_at: Option<DateTime<Utc>>,
    rate_limits: Option<String>,
) -> Result<api_tokens::Model> {
    Ok(api_tokens::ActiveModel {
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.id),
        name: Set(name.to_owned()),
        prefix: Set(minted.prefix.clone()),
        last_four: Set(minted.last_four.clone()),
        token_hash: Set(minted.hash.clone()),
        scopes: Set(scopes.to_owned()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        rate_limits: Set(rate_limits),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

fn minted(token: String) -> Result<Minted> {
    Ok(Minted {
        prefix: token.chars().take(VISIBLE).collect(),
        last_four: token.chars().skip(token.len().saturating_sub(4)).collect(),
        hash: hash_token(&token),
        token,
    })
}

/// Input of [`create_api_token`].
#[derive(Clone, Debug, Default)]
pub struct CreateApiTokenInput {
    /// A label, 1–255 characters.
    pub name: String,
    /// Scope names; `None` means every scope the role allows (following the role).
    pub scopes: Option<Vec<String>>,
    /// When the token stops working; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// The token's own rate-limit budgets (workspace admins only; empty: the defaults).
    pub rate_limits: Vec<BudgetInput>,
}

/// A created token: the row, and the secret, which is never shown again.
#[derive(Clone, Debug)]
pub struct CreatedApiToken {
    /// The stored row (hash, prefix, scopes, expiry).
    pub row: api_tokens::Model,
    /// The whole token. Only the SHA-256 of it is kept.
    pub token: String,
}

/// Create an API token for the caller, with at most the caller's own scopes.
///
/// Scopes that are all Messaging API v1 permissions (`send:messages`, …) make a
/// workspace token instead (see [`crate::integrations::workspace_tokens`]).
pub async fn create_api_token(ctx: &Ctx, input: CreateApiTokenInput) -> Result<CreatedApiToken> {
    ctx.require(Scope::ApiTokensWrite)?;
    let wants_workspace = input.scopes.as_ref().is_some_and(|names| {
        names.iter().any(|n| {
            n.trim()
                .parse::<Scope>()
                .is_ok_and(Scope::is_workspace_permission)
        })
    });
    if wants_workspace {
        return crate::integrations::workspace_tokens::create_workspace_token(ctx, input).await;
    }
    let user = crate::people::get_me(ctx).await?;
    if let Some(names) = &input.scopes {
        let wanted = Scopes::parse_requested(names, ctx.principal.role, user.is_bot, "scopes")?;
        if let Some(extra) = wanted.iter().find(|s| !ctx.principal.scopes.contains(*s)) {
            return Err(Error::invalid(
                "scopes",
                format!("the current credential does not hold `{extra}`"),
            ));
        }
    }
    if input.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Error::invalid("expiresAt", "must be in the future"));
    }
    if !input.rate_limits.is_empty() && !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace owners and admins set a token's rate limits".into(),
        ));
    }
    insert_token(ctx, &user, input).await
}

/// Issue a token for `user` as the operator (the CLI, the demo seed): acts as the user
/// through the `cli` front door, so the issuance is in the audit trail too. Scopes are
/// validated against the user's role.
pub async fn issue_api_token(
    db: &DatabaseConnection,
    user: &users::Model,
    input: CreateApiTokenInput,
) -> Result<CreatedApiToken> {
    let principal = super::principal_for_user(user.clone())?;
    let ctx =
        Ctx::new(db.clone(), crate::events::Bus::new(), principal).with_origin(crate::Origin {
            dialect: "cli",
            ..crate::Origin::default()
        });
    insert_token(&ctx, user, input).await
}

async fn insert_token(
    ctx: &Ctx,
    user: &users::Model,
    input: CreateApiTokenInput,
) -> Result<CreatedApiToken> {
    let name = crate::people::validate_name(&input.name, "name")?;
    let budgets = TokenBudgets::from_input(&input.rate_limits, "rateLimits")?;
    let role = role_of(user)?;
    let stored = match &input.scopes {
        None => "*".to_owned(),
        Some(names) => Scopes::parse_requested(names, role, user.is_bot, "scopes")?.to_stored(),
    };
    let minted = mint()?;
    let txn = ctx.write().await?;
    let row = api_tokens::ActiveModel {
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.id),
        name: Set(name),
        prefix: Set(minted.prefix),
        last_four: Set(minted.last_four),
        token_hash: Set(minted.hash),
        scopes: Set(stored),
        expires_at: Set(input.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        rate_limits: Set(budgets.to_stored()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let created = EventKind::ApiTokenCreated {
        token_id: row.id,
        prefix: row.prefix.clone(),
    };
    ctx.commit_one(txn, created).await?;
    Ok(CreatedApiToken {
        row,
        token: minted.token,
    })
}

/// The caller's own tokens (never their secrets); for workspace owners and admins, the
/// workspace tokens too (each acts as a bot user of its own).
pub async fn list_api_tokens(ctx: &Ctx) -> Result<Vec<api_tokens::Model>> {
    ctx.require(Scope::ApiTokensWrite)?;
    let mut mine = sea_orm::Condition::any().add(api_tokens::Column::UserId.eq(ctx.user_id()));
    if ctx.principal.is_admin() && !ctx.principal.is_bot {
        mine = mine.add(api_tokens::Column::Prefix.starts_with(WORKSPACE_TOKEN_PREFIX));
    }
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(mine)
        .order_by_asc(api_tokens::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// Revoke one of the caller's tokens (admins may revoke any token of the workspace).
/// Takes effect on the next request.
pub async fn revoke_api_token(ctx: &Ctx, token_id: i64) -> Result<api_tokens::Model> {
    ctx.require(Scope::ApiTokensWrite)?;
    let mut q = api_tokens::Entity::find_by_id(token_id)
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()));
    if !ctx.principal.is_admin() {
        q = q.filter(api_tokens::Column::UserId.eq(ctx.user_id()));
    }
    let token = q.one(&ctx.db).await?.ok_or(Error::NotFound("api token"))?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut am: api_tokens::ActiveModel = token.into();
    am.revoked_at = Set(Some(Utc::now()));
    let txn = ctx.write().await?;
    let token = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::ApiTokenRevoked { token_id: token.id })
        .await?;
    Ok(token)
}

/// Give a token of the workspace budgets of its own (workspace owners and admins), for
/// the categories listed; every other category falls back to the server's default. An
/// empty list clears them. Applies from the token's next request.
pub async fn set_api_token_rate_limits(
    ctx: &Ctx,
    token_id: i64,
    limits: Vec<BudgetInput>,
) -> Result<api_tokens::Model> {
    ctx.require(Scope::ApiTokensWrite)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace owners and admins set a token's rate limits".into(),
        ));
    }
    let budgets = TokenBudgets::from_input(&limits, "limits")?;
    let token = api_tokens::Entity::find_by_id(token_id)
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("api token"))?;
    let mut am: api_tokens::ActiveModel = token.into();
    am.rate_limits = Set(budgets.to_stored());
    let txn = ctx.write().await?;
    let token = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::ApiTokenUpdated { token_id: token.id })
        .await?;
    Ok(token)
}

/// A token's own rate-limit budgets, by category (empty: the server's defaults).
pub fn rate_limits_of(token: &api_tokens::Model) -> Result<Vec<(Category, Budget)>> {
    Ok(TokenBudgets::from_stored(token.rate_limits.as_deref())?
        .iter()
        .collect())
}

/// The API token the caller authenticated with, or `None` for a session (JWT).
pub async fn current_api_token(ctx: &Ctx) -> Result<Option<api_tokens::Model>> {
    match &ctx.principal.credential {
        crate::Credential::Session | crate::Credential::Hook { .. } => Ok(None),
        crate::Credential::ApiToken { id, .. } => Ok(api_tokens::Entity::find_by_id(*id)
            .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
            .one(&ctx.db)
            .await?),
    }
}

/// Record use, at most once a minute per token (no write on every request).
pub(crate) async fn touch(
    db: &DatabaseConnection,
    token: &api_tokens::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    if token
        .last_used_at
        .is_some_and(|at| now.signed_duration_since(at).num_seconds() < 60)
    {
        return Ok(());
    }
    api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_tokens::Column::Id.eq(token.id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = generate().ok().unwrap_or_default();
        let b = generate().ok().unwrap_or_default();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
    }
}
