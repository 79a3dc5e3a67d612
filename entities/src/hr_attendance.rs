//! One attendance entry: a clock-in and, once closed, its clock-out.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "hr_attendance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: i64,
    /// The site whose fence accepted the clock-in (kept after the site is deleted).
    pub site_id: i64,
    pub clock_in_at: DateTimeUtc,
    /// `None` while the entry is open.
    pub clock_out_at: Option<DateTimeUtc>,
    pub clock_in_latitude: f64,
    pub clock_in_longitude: f64,
    /// Reported accuracy in metres.
    pub clock_in_accuracy: Option<f64>,
    pub clock_out_latitude: Option<f64>,
    pub clock_out_longitude: Option<f64>,
    pub clock_out_accuracy: Option<f64>,
    pub note: String,
    /// The HR administrator who closed the entry on the member's behalf.
    pub closed_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
