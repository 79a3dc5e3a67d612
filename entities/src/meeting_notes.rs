//! A Markdown note of a meeting; edits keep the previous versions as revisions.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "meeting_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub meeting_id: i64,
    pub title: String,
    pub content: String,
    /// 1 when created, +1 per edit: the optimistic-concurrency token.
    pub revision: i64,
    pub created_by_id: i64,
    pub updated_by_id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
