//! Workplaces (sites): a geofence (centre and radius), a time zone and the members
//! assigned to it. HR administrators manage them; members see their own sites.

use std::collections::HashMap;

use chrono::Utc;
use entities::{hr_attendance, hr_site_members, hr_sites};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{HrEvent, require_hr};
use crate::auth::Scope;
use crate::events::EventKind;
use crate::{Ctx, Error, Result};

/// Smallest fence radius, in metres.
pub const MIN_RADIUS_M: f64 = 10.0;
/// Largest fence radius, in metres.
pub const MAX_RADIUS_M: f64 = 10_000.0;

/// A site with its assigned members.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Site {
    /// The row.
    pub site: hr_sites::Model,
    /// Members assigned to it, by id.
    pub member_ids: Vec<i64>,
}

/// Input of [`create_site`].
#[derive(Clone, Debug, Default)]
pub struct CreateSiteInput {
    /// 1–255 characters.
    pub name: String,
    /// Up to 500 characters.
    pub address: String,
    /// Centre, −90…90 degrees.
    pub latitude: f64,
    /// Centre, −180…180 degrees.
    pub longitude: f64,
    /// 10–10,000 metres.
    pub radius_meters: f64,
    /// IANA time zone (default `UTC`).
    pub timezone: Option<String>,
    /// Members assigned to the site.
    pub member_ids: Vec<i64>,
}

/// Input of [`update_site`]; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct UpdateSiteInput {
    /// New name.
    pub name: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New centre latitude.
    pub latitude: Option<f64>,
    /// New centre longitude.
    pub longitude: Option<f64>,
    /// New radius.
    pub radius_meters: Option<f64>,
    /// New time zone.
    pub timezone: Option<String>,
    /// The complete new member list.
    pub member_ids: Option<Vec<i64>>,
}

pub(crate) fn validate_latitude(value: f64, field: &str) -> Result<f64> {
    if value.is_finite() && (-90.0..=90.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(field, "must be between -90 and 90 degrees"))
    }
}

pub(crate) fn validate_longitude(value: f64, field: &str) -> Result<f64> {
    if value.is_finite() && (-180.0..=180.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            field,
            "must be between -180 and 180 degrees",
        ))
    }
}

fn validate_radius(value: f64) -> Result<f64> {
    if value.is_finite() && (MIN_RADIUS_M..=MAX_RADIUS_M).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(
            "radiusMeters",
            format!("must be between {MIN_RADIUS_M} and {MAX_RADIUS_M} metres"),
        ))
    }
}

/// Parse an IANA time-zone name.
pub fn parse_timezone(name: &str, field: &str) -> Result<chrono_tz::Tz> {
    name.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| Error::invalid(field, format!("`{name}` is not an IANA time zone")))
}

/// The time zone of a site (UTC when the stored name is unknown).
pub fn site_tz(site: &hr_sites::Model) -> chrono_tz::Tz {
    site.timezone.parse().unwrap_or(chrono_tz::UTC)
}

async fn check_members(ctx: &Ctx, ids: &[i64]) -> Result<Vec<i64>> {
    let found = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
        return Err(Error::invalid(
            "memberIds",
            format!("no such user: {missing}"),
        ));
    }
    Ok(crate::sql::distinct(ids))
}

async fn replace_members<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    site_id: i64,
    member_ids: &[i64],
) -> Result<()> {
    hr_site_members::Entity::delete_many()
        .filter(hr_site_members::Column::SiteId.eq(site_id))
        .exec(txn)
        .await?;
    if member_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    hr_site_members::Entity::insert_many(member_ids.iter().map(|user_id| {
        hr_site_members::ActiveModel {
            site_id: Set(site_id),
            user_id: Set(*user_id),
            workspace_id: Set(ctx.workspace_id()),
            created_at: Set(now),
        }
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Members of each site (a batch).
pub async fn member_ids_of<C: ConnectionTrait>(
    db: &C,
    site_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>> {
    let rows = hr_site_members::Entity::find()
        .filter(hr_site_members::Column::SiteId.is_in(crate::sql::distinct(site_ids)))
        .order_by_asc(hr_site_members::Column::UserId)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        out.entry(row.site_id).or_default().push(row.user_id);
    }
    Ok(out)
}

async fn with_members(ctx: &Ctx, sites: Vec<hr_sites::Model>) -> Result<Vec<Site>> {
    let ids: Vec<i64> = sites.iter().map(|s| s.id).collect();
    let mut members = member_ids_of(&ctx.db, &ids).await?;
    Ok(sites
        .into_iter()
        .map(|site| Site {
            member_ids: members.remove(&site.id).unwrap_or_default(),
            site,
        })
        .collect())
}

/// Create a site (HR administrators).
pub async fn create_site(ctx: &Ctx, input: CreateSiteInput) -> Result<Site> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let name = super::required_text(&input.name, "name", 255)?;
    let address = super::short_text(&input.address, "address", 500)?;
    let latitude = validate_latitude(input.latitude, "latitude")?;
    let longitude = validate_longitude(input.longitude, "longitude")?;
    let radius = validate_radius(input.radius_meters)?;
    let tz = parse_timezone(input.timezone.as_deref().unwrap_or("UTC"), "timezone")?;
    let member_ids = check_members(ctx, &input.member_ids).await?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let site = hr_sites::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        name: Set(name),
        address: Set(address),
        latitude: Set(latitude),
        longitude: Set(longitude),
        radius_meters: Set(radius),
        timezone: Set(tz.name().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    replace_members(&txn, ctx, site.id, &member_ids).await?;
    let event = HrEvent::SiteChanged {
        site_id: site.id,
        deleted: false,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(Site { site, member_ids })
}

async fn find_site<C: ConnectionTrait>(db: &C, ctx: &Ctx, id: i64) -> Result<hr_sites::Model> {
    hr_sites::Entity::find_by_id(id)
        .filter(hr_sites::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("site"))
}

/// Change a site (HR administrators).
pub async fn update_site(ctx: &Ctx, id: i64, input: UpdateSiteInput) -> Result<Site> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let site = find_site(&ctx.db, ctx, id).await?;
    let mut am: hr_sites::ActiveModel = site.into();
    if let Some(name) = &input.name {
        am.name = Set(super::required_text(name, "name", 255)?);
    }
    if let Some(address) = &input.address {
        am.address = Set(super::short_text(address, "address", 500)?);
    }
    if let Some(lat) = input.latitude {
        am.latitude = Set(validate_latitude(lat, "latitude")?);
    }
    if let Some(lng) = input.longitude {
        am.longitude = Set(validate_longitude(lng, "longitude")?);
    }
    if let Some(radius) = input.radius_meters {
        am.radius_meters = Set(validate_radius(radius)?);
    }
    if let Some(tz) = &input.timezone {
        am.timezone = Set(parse_timezone(tz, "timezone")?.name().to_owned());
    }
    let member_ids = match &input.member_ids {
        Some(ids) => Some(check_members(ctx, ids).await?),
        None => None,
    };
    am.updated_at = Set(Utc::now());
    let txn = ctx.write().await?;
    let site = am.update(&txn).await?;
    if let Some(ids) = &member_ids {
        replace_members(&txn, ctx, site.id, ids).await?;
    }
    let event = HrEvent::SiteChanged {
        site_id: site.id,
        deleted: false,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    let mut out = with_members(ctx, vec![site]).await?;
    out.pop().ok_or(Error::NotFound("site"))
}

/// Delete a site (HR administrators). Past entries keep their site id; a site with an
/// open attendance entry cannot be deleted (INVALID_STATE).
pub async fn delete_site(ctx: &Ctx, id: i64) -> Result<i64> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let txn = ctx.write().await?;
    let site = find_site(&txn, ctx, id).await?;
    let open = hr_attendance::Entity::find()
        .filter(hr_attendance::Column::SiteId.eq(site.id))
        .filter(hr_attendance::Column::ClockOutAt.is_null())
        .count(&txn)
        .await?;
    if open > 0 {
        return Err(Error::rule(
            "INVALID_STATE",
            "id",
            format!("{open} member(s) are clocked in at this site"),
        ));
    }
    hr_sites::Entity::delete_by_id(site.id).exec(&txn).await?;
    let event = HrEvent::SiteChanged {
        site_id: site.id,
        deleted: true,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(site.id)
}

/// One site: HR sees every site, members only the sites they are assigned to.
pub async fn get_site(ctx: &Ctx, id: i64) -> Result<Site> {
    ctx.require(Scope::HrRead)?;
    let site = find_site(&ctx.db, ctx, id).await?;
    let mut out = with_members(ctx, vec![site]).await?;
    let site = out.pop().ok_or(Error::NotFound("site"))?;
    if !site.member_ids.contains(&ctx.user_id()) && !super::caller_is_hr(ctx).await? {
        return Err(Error::NotFound("site"));
    }
    Ok(site)
}

/// Sites by id in the caller's workspace, without a visibility check (for rendering
/// rows the caller already sees, e.g. the site of their own attendance entry).
pub async fn sites_by_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, hr_sites::Model>> {
    let rows = hr_sites::Entity::find()
        .filter(hr_sites::Column::WorkspaceId.eq(workspace_id))
        .filter(hr_sites::Column::Id.is_in(crate::sql::distinct(ids)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

/// The sites `user_id` is assigned to.
pub(crate) async fn sites_of_member<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    user_id: i64,
) -> Result<Vec<hr_sites::Model>> {
    let ids: Vec<i64> = hr_site_members::Entity::find()
        .filter(hr_site_members::Column::WorkspaceId.eq(workspace_id))
        .filter(hr_site_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.site_id)
        .collect();
    let mut sites: Vec<_> = sites_by_ids(db, workspace_id, &ids)
        .await?
        .into_values()
        .collect();
    sites.sort_by_key(|s| s.id);
    Ok(sites)
}

/// Sites the caller sees, by id: all for HR, else the caller's own.
pub async fn list_sites(ctx: &Ctx) -> Result<Vec<Site>> {
    ctx.require(Scope::HrRead)?;
    let rows = if super::caller_is_hr(ctx).await? {
        hr_sites::Entity::find()
            .filter(hr_sites::Column::WorkspaceId.eq(ctx.workspace_id()))
            .order_by_asc(hr_sites::Column::Id)
            .all(&ctx.db)
            .await?
    } else {
        sites_of_member(&ctx.db, ctx.workspace_id(), ctx.user_id()).await?
    };
    with_members(ctx, rows).await
}
