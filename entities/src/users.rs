//! A user of one workspace: a person or a bot, with membership attributes and status.
//!
//! A user row belongs to exactly one workspace (as in Pachca); the membership attributes
//! (role, title, department, suspended) live on the row itself.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// Unique within the workspace when present; bots may have none.
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub nickname: String,
    pub is_bot: bool,
    /// `owner`, `admin`, `member` or `guest` (see `resolvers::people::Role`).
    pub role: String,
    pub title: String,
    pub department_id: Option<i64>,
    pub suspended: bool,
    pub phone: String,
    pub avatar_url: Option<String>,
    pub time_zone: String,
    pub status_emoji: Option<String>,
    pub status_title: Option<String>,
    pub status_expires_at: Option<DateTimeUtc>,
    pub status_is_away: bool,
    pub status_away_message: Option<String>,
    pub last_activity_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when the user was removed from the workspace (the row stays for authorship).
    pub deleted_at: Option<DateTimeUtc>,
    /// HR administrator: manages sites, rosters, leave and the document vault.
    pub hr_admin: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
