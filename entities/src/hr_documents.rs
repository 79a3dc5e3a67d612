//! A document in the HR vault: metadata here, bytes in the file store.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "hr_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// The member the document concerns.
    pub owner_id: i64,
    pub uploaded_by_id: i64,
    pub title: String,
    pub category: String,
    pub file_name: String,
    pub mime_type: String,
    /// Bytes.
    pub size: i64,
    /// Key of the bytes in the file store (never shown to clients).
    pub storage_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
