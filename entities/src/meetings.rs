//! A scheduled meeting ("Pulse"): who organises it, when, and its optional chat.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub organiser_id: i64,
    /// The chat the meeting belongs to: its readers see the meeting, its calls post there.
    pub chat_id: Option<i64>,
    pub title: String,
    pub agenda: String,
    pub location: String,
    /// IANA time zone the meeting was planned in (display only; instants are UTC).
    pub time_zone: String,
    /// `audio` or `video`.
    pub media: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// `scheduled` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
    /// iCalendar `SEQUENCE`: raised by every change calendar apps must pick up.
    pub sequence: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
