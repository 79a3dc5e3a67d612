//! A workplace (site) with its geofence: a circle around a centre point.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "hr_sites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub address: String,
    /// Centre of the fence, WGS 84 degrees.
    pub latitude: f64,
    /// Centre of the fence, WGS 84 degrees.
    pub longitude: f64,
    /// Radius of the fence in metres.
    pub radius_meters: f64,
    /// IANA time zone name; timesheet days are counted in it.
    pub timezone: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
