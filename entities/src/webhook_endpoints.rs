//! A registered outgoing-webhook endpoint of a workspace.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub url: String,
    /// Space-separated event types, or `*` for all.
    pub event_types: String,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    pub active: bool,
    /// Why the endpoint was disabled (410 Gone, retry budget exhausted, ...).
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// `standard` (Standard Webhooks), `pachca` (a bot's outgoing webhook, see `bots`),
    /// `export` (a one-shot export-ready notice) or `callback` (an interactive message's
    /// callback URL): how a delivery is rendered and signed.
    pub format: String,
    /// The bot user owning a `pachca` endpoint; the sender of a `callback` one.
    pub owner_id: Option<i64>,
    /// The message of a `callback` endpoint (at most one endpoint per message).
    pub message_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
