//! A hook: an integration client's secret URL into one internal Desktop (a chat).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "integration_hooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub client_id: i64,
    /// The Desktop the hook posts into.
    pub chat_id: i64,
    /// The id in the hook's URL: opaque, unique, not secret.
    pub public_id: String,
    /// Lower-hex SHA-256 of the secret; the secret itself is never stored.
    pub secret_hash: String,
    /// The secret's last four characters, for display.
    pub secret_last_four: String,
    pub creator_id: i64,
    pub created_at: DateTimeUtc,
    /// When the secret was last regenerated.
    pub secret_rotated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
