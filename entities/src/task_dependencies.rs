//! "`task_id` is blocked by `blocker_id`": an edge of a workspace's acyclic task graph.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "task_dependencies")]
pub struct Model {
    /// The blocked task.
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: i64,
    /// The task that must be done first.
    #[sea_orm(primary_key, auto_increment = false)]
    pub blocker_id: i64,
    pub workspace_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
