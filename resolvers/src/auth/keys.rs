//! API keys of the WorkAndGo dialect: `X-API-Key: wag_<64 hex>`.
//!
//! One token system: a key is an `api_tokens` row like every other credential (only its
//! SHA-256 kept, with its visible prefix and last four characters, optional expiry,
//! revocable, `last_used_at`), so `authenticate` finds it by hash like any token. What
//! makes it a key: the `wag_` prefix, and scopes from the key vocabulary
//! (`channels:read`, …, stored as `wag:channels:read`; `*` = every key scope), which
//! narrow the rights of the member who created it ([`Scopes::api_key`]).
//!
//! Keys are managed from a signed-in session only: a key cannot create, list or revoke
//! keys (nor can any other token).
//!
//! Why not through `create_api_token`: that operation speaks the core scope vocabulary
//! (`chats:read`, capped by the role, `*` following it), mints `sbt_` tokens and needs
//! `api_tokens:write`, which any token of its user may hold; keys have a vocabulary,
//! prefix and management rule of their own. Like the Messaging API v1's `wst_` tokens,
//! they share the table, the minting and the row insertion instead.

use chrono::{DateTime, Utc};
use entities::api_tokens;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{CreatedApiToken, Scopes};
use crate::events::EventKind;
use crate::{Credential, Ctx, Error, Result};

/// Every API key starts with this (`wag_` + 64 hex characters).
pub const API_KEY_PREFIX: &str = "wag_";
/// Longest key name.
pub const MAX_KEY_NAME: usize = 100;

/// Input of [`create_api_key`].
#[derive(Clone, Debug, Default)]
pub struct CreateApiKeyInput {
    /// A label, 1–100 characters.
    pub name: String,
    /// Key scopes in their wire names (`channels:read`); `None`: every key scope.
    pub scopes: Option<Vec<String>>,
    /// When the key stops working; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Whether `token` (a row) is an API key.
pub fn is_api_key(token: &api_tokens::Model) -> bool {
    token.prefix.starts_with(API_KEY_PREFIX)
}

fn ensure_session(ctx: &Ctx) -> Result<()> {
    match ctx.principal.credential {
        Credential::Session => Ok(()),
        _ => Err(Error::Forbidden(
            "API keys are managed from a signed-in session, not with a key or token".into(),
        )),
    }
}

/// Create an API key for the caller (signed-in sessions only). The key is in the answer
/// once; only its hash is kept.
pub async fn create_api_key(ctx: &Ctx, input: CreateApiKeyInput) -> Result<CreatedApiToken> {
    ensure_session(ctx)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::invalid("name", "is required"));
    }
    if name.chars().count() > MAX_KEY_NAME {
        return Err(Error::invalid(
            "name",
            format!("must be at most {MAX_KEY_NAME} characters"),
        ));
    }
    let stored = match &input.scopes {
        None => "*".to_owned(),
        Some(names) => Scopes::parse_key_scopes(names, "scopes")?.to_stored(),
    };
    if input.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Error::invalid("expiresAt", "must be in the future"));
    }
    let user = crate::people::get_me(ctx).await?;
    let minted = super::mint_with_prefix(API_KEY_PREFIX)?;
    let txn = ctx.write().await?;
    let row = super::insert_token_row(&txn, &user, &name, &minted, &stored, input.expires_at, None)
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

/// The caller's live API keys (never their secrets), oldest first; with `all`, every
/// live key of the organisation (owners and admins only).
pub async fn list_api_keys(ctx: &Ctx, all: bool) -> Result<Vec<api_tokens::Model>> {
    ensure_session(ctx)?;
    let mut q = api_tokens::Entity::find()
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(api_tokens::Column::Prefix.starts_with(API_KEY_PREFIX))
        .filter(api_tokens::Column::RevokedAt.is_null());
    if all {
        if !ctx.principal.is_admin() {
            return Err(Error::Forbidden(
                "only owners and admins list every key of the organisation".into(),
            ));
        }
    } else {
        q = q.filter(api_tokens::Column::UserId.eq(ctx.user_id()));
    }
    let now = Utc::now();
    Ok(q.order_by_asc(api_tokens::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|k| k.expires_at.is_none_or(|at| at > now))
        .collect())
}

/// Revoke an API key: one's own, or any of the organisation for owners and admins.
/// Anyone else's key (or a revoked one) is "not found". Refused from the next request.
pub async fn revoke_api_key(ctx: &Ctx, key_id: i64) -> Result<api_tokens::Model> {
    ensure_session(ctx)?;
    let mut q = api_tokens::Entity::find_by_id(key_id)
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(api_tokens::Column::Prefix.starts_with(API_KEY_PREFIX))
        .filter(api_tokens::Column::RevokedAt.is_null());
    if !ctx.principal.is_admin() {
        q = q.filter(api_tokens::Column::UserId.eq(ctx.user_id()));
    }
    let key = q.one(&ctx.db).await?.ok_or(Error::NotFound("api key"))?;
    let mut am: api_tokens::ActiveModel = key.into();
    am.revoked_at = Set(Some(Utc::now()));
    let txn = ctx.write().await?;
    let key = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::ApiTokenRevoked { token_id: key.id })
        .await?;
    Ok(key)
}
