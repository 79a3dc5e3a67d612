//! A custom property definition of a workspace, for users or for tasks.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "custom_properties")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// `User` or `Task` (Pachca's spelling).
    pub entity_type: String,
    pub name: String,
    /// `text`, `number`, `date` or `link`.
    pub data_type: String,
    pub created_at: DateTimeUtc,
    /// Soft delete: values stay for audit but are hidden, and setting one is refused.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
