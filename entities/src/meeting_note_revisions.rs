//! A previous version of a meeting note: one row per edit.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "meeting_note_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub note_id: i64,
    /// The revision number this version had.
    pub revision: i64,
    pub title: String,
    pub content: String,
    /// Who wrote this version.
    pub editor_id: i64,
    /// When an edit replaced it.
    pub replaced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
