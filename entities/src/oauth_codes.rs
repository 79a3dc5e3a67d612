//! An OAuth authorization code: a user's consent to a bot's OAuth client, exchanged once
//! at `/oauth/token`. Only the SHA-256 of the code is stored.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "oauth_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// The bot whose OAuth client asked.
    pub bot_id: i64,
    /// The user who consented.
    pub user_id: i64,
    #[sea_orm(unique)]
    pub code_hash: String,
    /// Must be presented again, identical, at the exchange.
    pub redirect_uri: String,
    /// Space-separated scopes granted.
    pub scopes: String,
    /// PKCE `code_challenge` (S256), when the client sent one.
    pub code_challenge: Option<String>,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
