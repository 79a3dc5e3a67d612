//! A user's unsent (or scheduled) message for a chat or a thread.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "drafts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// The author (drafts are private to them).
    pub user_id: i64,
    /// The chat (a thread is a chat too).
    pub chat_id: i64,
    pub parent_message_id: Option<i64>,
    pub content: String,
    /// JSON array of files.
    pub files: Json,
    /// `{start_date, repetition?, end_date?}` for a scheduled draft.
    pub schedule: Option<Json>,
    pub next_send_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
