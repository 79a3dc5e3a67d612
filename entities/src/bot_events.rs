//! One event as one bot sees it: the Pachca-shaped payload, pushed to the bot's outgoing
//! webhook (stamped and signed at delivery time) and listed in its event history.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "bot_events")]
pub struct Model {
    /// ULID-like string id (Pachca's webhook-event ids are strings).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: i64,
    /// The bot (its user id).
    pub bot_id: i64,
    /// The event-log row this comes from.
    pub event_id: i64,
    /// Pachca's BotEventName: `message_new`, `reaction_delete`, `button_click`, ...
    pub event_type: String,
    /// A button click's trigger id (what `POST /views/open` presents).
    pub trigger_id: Option<String>,
    /// The payload without `webhook_timestamp`.
    pub payload: Json,
    /// Listed in the bot's history (its `events_history_enabled` was on).
    pub in_history: bool,
    /// Removed from the history (`DELETE /webhooks/events/{id}`).
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
