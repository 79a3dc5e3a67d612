//! A task: a call, meeting, reminder, event or email to do, with performers, an optional
//! chat link and source message, and "blocked by" dependencies (`task_dependencies`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// Who created it (Pachca's `user_id`, WorkAndGo's `createdBy`).
    pub creator_id: i64,
    /// `call`, `meeting`, `reminder`, `event` or `email`.
    pub kind: String,
    /// Optional short title (WorkAndGo's `title`).
    pub title: Option<String>,
    /// The task's text (Pachca's `content`, WorkAndGo's `description`).
    pub content: String,
    pub due_at: Option<DateTimeUtc>,
    /// A task for a whole day, without a time.
    pub all_day: bool,
    /// 1 (normal), 2 (important) or 3 (very important).
    pub priority: i32,
    /// `undone` or `done`.
    pub status: String,
    /// An undone task someone has started (WorkAndGo's `in_progress`); false when done.
    pub in_progress: bool,
    /// When it was marked done; set exactly when `status` is `done`.
    pub done_at: Option<DateTimeUtc>,
    /// The chat it is linked to.
    pub chat_id: Option<i64>,
    /// The message it was created from.
    pub source_message_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
