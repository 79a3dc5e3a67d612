//! A leave request and its decision.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "hr_leave_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: i64,
    pub leave_type_id: i64,
    pub start_date: Date,
    pub end_date: Date,
    /// The first day is taken as a half day.
    pub start_half_day: bool,
    /// The last day is taken as a half day.
    pub end_half_day: bool,
    /// Working time requested, in half days.
    pub half_days: i32,
    pub reason: String,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    /// Who was asked to decide when the request was filed.
    pub approver_id: Option<i64>,
    pub decided_by_id: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_comment: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
