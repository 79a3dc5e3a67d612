//! A chat: channel, group conversation, direct conversation or thread.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "chats")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// `channel`, `group`, `direct` or `thread` (see `resolvers::chats::ChatKind`).
    pub kind: String,
    pub name: String,
    pub description: String,
    pub is_public: bool,
    pub archived_at: Option<DateTimeUtc>,
    pub department_id: Option<i64>,
    pub creator_id: i64,
    /// For a thread: the message it is attached to (unique: one thread per message).
    pub root_message_id: Option<i64>,
    /// For a direct chat: `"<lower user id>:<higher user id>"`, unique per workspace,
    /// which makes "exactly one direct chat per pair" a database constraint.
    pub direct_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_message_at: DateTimeUtc,
    /// The chat's picture (a URL), if one was uploaded.
    pub avatar_url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
