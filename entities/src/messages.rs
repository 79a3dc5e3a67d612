//! A message in a chat (threads are chats too).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub chat_id: i64,
    pub author_id: i64,
    /// `text`, `integration`, `system` or `interactive`.
    pub kind: String,
    pub content: String,
    /// Free-form JSON supplied by the sender.
    pub metadata: Option<Json>,
    /// Interactive buttons: a JSON array of rows of `{text, action_id?, url?, data?}`.
    pub buttons: Option<Json>,
    /// The message this one answers (a quote-reply within the same chat).
    pub reply_to_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    /// Soft delete: the row stays for audit and threads, but is hidden everywhere.
    pub deleted_at: Option<DateTimeUtc>,
    pub pinned_at: Option<DateTimeUtc>,
    pub pinned_by_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
