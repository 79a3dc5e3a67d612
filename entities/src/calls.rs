//! An audio or video call of a meeting or a chat.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub meeting_id: Option<i64>,
    /// The chat the call posts to (the meeting's chat for a meeting call).
    pub chat_id: Option<i64>,
    /// `audio` or `video`.
    pub media: String,
    /// `active` or `ended`.
    pub status: String,
    /// `meeting:<id>` or `chat:<id>` while the call runs, NULL after: unique, so one
    /// call runs per meeting or chat.
    pub active_key: Option<String>,
    pub started_by_id: i64,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    /// The system message announcing the start in the chat.
    pub start_message_id: Option<i64>,
    /// The system message announcing the end in the chat.
    pub end_message_id: Option<i64>,
    /// BCP 47 language of the transcript, when the media pipeline told us.
    pub transcript_language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
