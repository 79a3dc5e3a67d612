//! Someone who joined a call (and, once they left, when).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "call_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub workspace_id: i64,
    /// The latest join.
    pub joined_at: DateTimeUtc,
    /// Set when they leave (or the call ends); cleared when they join again.
    pub left_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
