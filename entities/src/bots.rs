//! A bot's settings: the user row (`users.is_bot`) is the bot's identity; its outgoing
//! webhook URL and signing secret live on its `webhook_endpoints` row (format `pachca`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "bots")]
pub struct Model {
    /// The bot's user id (also the bot's id on every façade).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub workspace_id: i64,
    /// Who created the bot (may manage it).
    pub creator_id: i64,
    /// The bot's outgoing-webhook endpoint (format `pachca`; active iff a URL is set).
    pub endpoint_id: i64,
    /// Space-separated Pachca event names (`message_new`, `reaction_new`, ...).
    pub events: String,
    /// `commands`, `all_messages` or `unfurl`.
    pub trigger_on: String,
    /// Space-separated scopes the bot's tokens may hold.
    pub scopes: String,
    pub link_preview_enabled: bool,
    pub ignore_self_messages: bool,
    /// Keep a pollable history of the bot's events (`GET /webhooks/events`).
    pub events_history_enabled: bool,
    /// Space-separated domains whose links raise `link_shared` for this bot.
    pub unfurl_domains: String,
    /// The inert settings clients round-trip: commands, template, template_engine,
    /// challenge_key, who_can_add, can_edit, single_chat.
    pub settings: Json,
    /// The bot's OAuth client id.
    pub client_id: String,
    /// SHA-256 of the OAuth client secret, once one was issued.
    pub client_secret_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
