//! A modal view a bot opened for a user (from a button click's trigger id).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "views")]
pub struct Model {
    /// Opaque string id (Pachca's view ids are strings).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub workspace_id: i64,
    /// The bot that opened it.
    pub bot_id: i64,
    /// The user it is shown to (who clicked the button).
    pub user_id: i64,
    /// The trigger it was opened with (one view per trigger).
    pub trigger_id: String,
    pub chat_id: Option<i64>,
    pub callback_id: Option<String>,
    pub private_metadata: Option<String>,
    /// `{title, close_text?, submit_text?, blocks}`.
    pub view: Json,
    /// `open`, `submitted` (awaiting the bot's answer) or `closed`.
    pub state: String,
    /// The latest submission's id.
    pub submit_id: Option<String>,
    /// The latest submission's values.
    pub submit_data: Option<Json>,
    /// The bot's field errors for the latest submission.
    pub submit_errors: Option<Json>,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
