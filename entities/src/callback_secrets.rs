//! The secret that signs the click callbacks of one sender's interactive messages.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "callback_secrets")]
pub struct Model {
    /// The sender (one secret per user).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub workspace_id: i64,
    /// A `whsec_` Standard Webhooks secret.
    pub secret: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
