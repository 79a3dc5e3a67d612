//! One committed change: the durable event log, which is also the audit trail.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// Per-workspace, gapless, in commit order: the cursor consumers resume from.
    pub seq: i64,
    /// The event type, e.g. `message_added` (the serde tag of `resolvers::events::EventKind`).
    pub kind: String,
    /// The chat concerned, for per-chat replay.
    pub chat_id: Option<i64>,
    /// The kind of object changed (`message`, `chat`, `user`, ...).
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub actor_id: i64,
    /// Which front door the change came through (`graphql`, `cli`, a REST dialect).
    pub dialect: String,
    /// Visible prefix of the API token used, if any.
    pub token_prefix: Option<String>,
    pub ip: Option<String>,
    pub idempotency_key: Option<String>,
    /// The serialised `EventKind`.
    pub payload: Json,
    /// Before/after summary for the audit trail.
    pub summary: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
