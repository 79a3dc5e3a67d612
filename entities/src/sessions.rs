//! A server-side session (the WorkAndGo façade's `session_token` cookie names one).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: i64,
    /// How it began: `dev` (development login); `google`, `microsoft`, `suite` later.
    pub method: String,
    /// The client's `User-Agent`, when it sent one.
    pub device: Option<String>,
    /// The client's address at sign-in.
    pub ip_address: Option<String>,
    pub created_at: DateTimeUtc,
    /// Last request (recorded at most once a minute): the idle window runs from here.
    pub last_seen_at: DateTimeUtc,
    /// The absolute end, whatever the activity.
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
