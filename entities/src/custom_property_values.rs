//! The value of one custom property on one user or task (`entity_id`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "custom_property_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub property_id: i64,
    /// A user id or a task id, as the property's entity type says.
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity_id: i64,
    pub workspace_id: i64,
    /// Validated against the property's data type when written.
    pub value: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
