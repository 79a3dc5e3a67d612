//! An API token. Only the SHA-256 of the secret is stored, with a visible prefix.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the token, shown in listings and logs.
    pub prefix: String,
    /// The last four characters, shown masked (`prefix...last4`).
    pub last_four: String,
    /// Lower-hex SHA-256 of the whole token: 256-bit random secrets need no slow hash.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Space-separated scopes (see `resolvers::auth::Scope`).
    pub scopes: String,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The bot whose OAuth client this token was issued to (`/oauth/token`), if any.
    pub oauth_bot_id: Option<i64>,
    /// SHA-256 of the token's refresh token (OAuth-issued tokens only).
    #[sea_orm(unique)]
    pub refresh_hash: Option<String>,
    /// The token's own rate-limit budgets, as JSON text (see `resolvers::rate`); null:
    /// the server's defaults for every category.
    pub rate_limits: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
