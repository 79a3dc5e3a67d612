//! One spoken segment of a call's transcript (full-text searchable).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "transcript_segments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub call_id: i64,
    /// Copied from the call, so search can check meeting visibility without a join.
    pub meeting_id: Option<i64>,
    /// The speaker, when they are a user of the workspace.
    pub speaker_id: Option<i64>,
    /// The speaker's name as the media pipeline heard it.
    pub speaker_name: String,
    /// Offsets from the call's start, in milliseconds.
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
