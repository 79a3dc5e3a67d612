//! A chat-export job: the messages of chosen chats over a date range, as a zip archive.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "chat_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub requested_by: i64,
    /// `YYYY-MM-DD`, inclusive.
    pub start_date: String,
    /// `YYYY-MM-DD`, inclusive.
    pub end_date: String,
    /// The chats to export (JSON array of ids); `None`: every chat of the workspace.
    pub chat_ids: Option<Json>,
    pub skip_chats_file: bool,
    /// Where the export-ready notice goes.
    pub webhook_url: String,
    /// `pending`, `ready` or `failed`.
    pub status: String,
    /// The zip archive's key in the file store, once ready.
    pub file_key: Option<String>,
    pub size: Option<i64>,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
