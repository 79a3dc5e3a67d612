//! A remembered creating request: the first result is replayed for the same key.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// Who used the key (`token:<id>` or `user:<id>`): keys are scoped per principal.
    pub principal: String,
    pub key: String,
    /// SHA-256 of the operation and its canonical input: the same key with another
    /// request is refused.
    pub fingerprint: String,
    /// `in_flight` or `done`.
    pub status: String,
    /// The stored result, replayed verbatim.
    pub response: Option<Json>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
