//! A Messaging API v1 incoming webhook: external services POST signed actions to it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "incoming_webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// Default chat of `send_message` when the payload names none.
    pub chat_id: Option<i64>,
    /// Space-separated allowed actions (`send_message`, `create_channel`, …).
    pub actions: String,
    /// The HMAC-SHA256 key of `X-Webhook-Signature` (its bytes as written). Kept in
    /// clear because verifying needs it; shown once.
    pub secret: String,
    /// The bot user the webhook writes as.
    pub user_id: i64,
    /// The hidden API token whose principal the webhook acts with (never shown).
    pub token_id: i64,
    /// Inactive webhooks answer `INVALID_WEBHOOK`.
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
