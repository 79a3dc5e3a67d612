//! Workspace tokens: the Messaging API v1's `wst_` + 64 hex credentials.
//!
//! One token system: a workspace token is an `api_tokens` row like any other (hashed,
//! prefix and last four kept, optional expiry, revocable, its own rate-limit budgets),
//! created through `createApiToken` when every requested scope is a v1 permission
//! (`read:members`, `write:members`, `read:channels`, `write:channels`,
//! `send:messages`, `read:departments`, `write:departments`). What makes it different:
//!
//! - it belongs to a **bot user of its own**, named after the token, which is the
//!   author of what it sends (the `user` of v1 messages) and the actor of its audit rows;
//! - it is **workspace-level**: it sees every channel and group of the workspace,
//!   private ones included (the document's gap 21), and may post in them;
//! - its scopes are its permissions and the core scopes they imply
//!   ([`crate::auth::Scopes::workspace`]), so its bot user holds the `admin` role (only
//!   owners and admins create such tokens) and is limited by its permissions alone;
//! - without budgets of its own it gets the document's default: 1,000 requests per hour.

use entities::users;

use crate::auth::{CreateApiTokenInput, CreatedApiToken, Scope, Scopes};
use crate::events::{EventKind, record};
use crate::people::Role;
use crate::rate::{BudgetInput, Category, TokenBudgets};
use crate::{Ctx, Error, Result};

/// Requests per hour of a workspace token without budgets of its own.
pub const DEFAULT_REQUESTS_PER_HOUR: i64 = 1_000;

/// The default budget of a workspace token: 1,000 requests per hour, all of which may be
/// spent at once.
pub fn default_budget() -> BudgetInput {
    BudgetInput {
        category: Category::Standard,
        per_period: DEFAULT_REQUESTS_PER_HOUR,
        period_seconds: 3_600,
        burst: DEFAULT_REQUESTS_PER_HOUR,
    }
}

/// Create a workspace token (owners and admins): its bot user, then the token, in one
/// transaction. `input.scopes` must all be v1 permissions.
pub(crate) async fn create_workspace_token(
    ctx: &Ctx,
    mut input: CreateApiTokenInput,
) -> Result<CreatedApiToken> {
    ctx.require(Scope::ApiTokensWrite)?;
    if !ctx.principal.is_admin() || ctx.principal.is_bot {
        return Err(Error::Forbidden(
            "only workspace owners and admins create workspace tokens".into(),
        ));
    }
    let names = input.scopes.clone().unwrap_or_default();
    let permissions = Scopes::parse_workspace_permissions(&names, "scopes")?;
    let name = crate::people::validate_name(&input.name, "name")?;
    if input.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(Error::invalid("expiresAt", "must be in the future"));
    }
    if !input
        .rate_limits
        .iter()
        .any(|b| b.category == Category::Standard)
    {
        input.rate_limits.push(default_budget());
    }
    let budgets = TokenBudgets::from_input(&input.rate_limits, "rateLimits")?;
    let minted = crate::auth::mint_with_prefix(crate::auth::WORKSPACE_TOKEN_PREFIX)?;
    let txn = ctx.write().await?;
    let bot: users::Model = crate::integrations::bots::insert_integration_user(
        &txn,
        ctx.workspace_id(),
        &name,
        Role::Admin,
        None,
    )
    .await?;
    let row = crate::auth::insert_token_row(
        &txn,
        &bot,
        &name,
        &minted,
        &permissions.to_stored(),
        input.expires_at,
        budgets.to_stored(),
    )
    .await?;
    let user_created = record(&txn, ctx, EventKind::UserCreated { user_id: bot.id }, None).await?;
    let token_created = record(
        &txn,
        ctx,
        EventKind::ApiTokenCreated {
            token_id: row.id,
            prefix: row.prefix.clone(),
        },
        None,
    )
    .await?;
    ctx.commit(txn, [user_created, token_created]).await?;
    Ok(CreatedApiToken {
        row,
        token: minted.token,
    })
}
