//! A department: a node in the workspace's organisational tree.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// Parent department; `None` for a top-level department.
    pub parent_id: Option<i64>,
    /// The user who manages this department (approves leave, etc.).
    pub manager_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// Free text (the Messaging API v1 shows it; ≤ 500 characters there).
    pub description: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
