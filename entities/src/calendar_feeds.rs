//! A user's secret iCalendar feed URL, stored only as the SHA-256 of its token.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// One feed per user: rotating replaces the row.
    pub user_id: i64,
    /// Lower-hex SHA-256 of the token; the token itself is shown once.
    pub token_hash: String,
    /// The token's first characters, safe to show and log.
    pub prefix: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
