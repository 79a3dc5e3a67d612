//! A previous version of an edited message: one row per edit.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "message_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub message_id: i64,
    /// The content as it was before the edit.
    pub content: String,
    pub metadata: Option<Json>,
    pub buttons: Option<Json>,
    pub editor_id: i64,
    /// When the edit replaced this version.
    pub replaced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
