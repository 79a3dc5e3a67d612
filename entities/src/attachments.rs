//! A file attached to a message: either an external URL or a key in the file store.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub message_id: i64,
    pub name: String,
    /// `file` or `image`.
    pub kind: String,
    pub url: Option<String>,
    pub file_key: Option<String>,
    pub size: i64,
    pub created_at: DateTimeUtc,
    /// An image's width in pixels, as the uploader reported it.
    pub width: Option<i64>,
    /// An image's height in pixels, as the uploader reported it.
    pub height: Option<i64>,
    /// MIME type, when the sender gave one (the Messaging API v1's `type`).
    pub content_type: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
