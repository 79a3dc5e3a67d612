//! Attendance: clock in and out inside a site's geofence, HR closing an open entry, and
//! timesheets.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::{hr_attendance, hr_sites};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::geo::haversine_m;
use super::sites::{site_tz, sites_by_ids, sites_of_member, validate_latitude, validate_longitude};
use super::{HrEvent, require_hr};
use crate::auth::Scope;
use crate::events::{EventKind, record};
use crate::{Ctx, Error, Result};

/// Longest period of one timesheet, in days.
pub const MAX_TIMESHEET_DAYS: i64 = 92;

/// A reported position.
#[derive(Clone, Debug, Default)]
pub struct ClockInput {
    /// WGS 84 degrees.
    pub latitude: f64,
    /// WGS 84 degrees.
    pub longitude: f64,
    /// Reported accuracy in metres (informative: the fence is checked on the position).
    pub accuracy: Option<f64>,
    /// Up to 500 characters.
    pub note: Option<String>,
}

struct Position {
    latitude: f64,
    longitude: f64,
    accuracy: Option<f64>,
    note: Option<String>,
}

fn validate(input: ClockInput) -> Result<Position> {
    let latitude = validate_latitude(input.latitude, "latitude")?;
    let longitude = validate_longitude(input.longitude, "longitude")?;
    if let Some(acc) = input.accuracy
        && !(acc.is_finite() && acc >= 0.0)
    {
        return Err(Error::invalid(
            "accuracy",
            "must be a non-negative number of metres",
        ));
    }
    let note = input
        .note
        .map(|n| super::short_text(&n, "note", 500))
        .transpose()?;
    Ok(Position {
        latitude,
        longitude,
        accuracy: input.accuracy,
        note,
    })
}

/// Distance in metres from `pos` to the centre of `site`.
fn distance(site: &hr_sites::Model, pos: &Position) -> f64 {
    haversine_m(site.latitude, site.longitude, pos.latitude, pos.longitude)
}

fn outside(site: &hr_sites::Model, metres: f64) -> Error {
    Error::rule(
        "OUTSIDE_GEOFENCE",
        "latitude",
        format!(
            "the position is {:.0} m from the centre of the nearest site `{}` (site {}), outside its {:.0} m fence",
            metres, site.name, site.id, site.radius_meters
        ),
    )
}

async fn open_entry<C: sea_orm::ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    user_id: i64,
) -> Result<Option<hr_attendance::Model>> {
    Ok(hr_attendance::Entity::find()
        .filter(hr_attendance::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_attendance::Column::UserId.eq(user_id))
        .filter(hr_attendance::Column::ClockOutAt.is_null())
        .one(db)
        .await?)
}

/// Clock the caller in at the site whose fence contains the position (the nearest
/// relative to its radius when several do). Refused outside every fence of the
/// caller's sites (OUTSIDE_GEOFENCE, naming the nearest site and the distance), without
/// a site (NO_SITE_ASSIGNED), or when already clocked in (ALREADY_CLOCKED_IN).
pub async fn clock_in(ctx: &Ctx, input: ClockInput) -> Result<hr_attendance::Model> {
    ctx.require(Scope::HrWrite)?;
    let pos = validate(input)?;
    let txn = ctx.write().await?;
    let sites = sites_of_member(&txn, ctx.workspace_id(), ctx.user_id()).await?;
    if sites.is_empty() {
        return Err(Error::rule(
            "NO_SITE_ASSIGNED",
            "siteId",
            "you are not assigned to any site",
        ));
    }
    if let Some(open) = open_entry(&txn, ctx, ctx.user_id()).await? {
        return Err(Error::rule(
            "ALREADY_CLOCKED_IN",
            "clockIn",
            format!(
                "already clocked in since {} (entry {})",
                open.clock_in_at.to_rfc3339(),
                open.id
            ),
        ));
    }
    let measured: Vec<(&hr_sites::Model, f64)> =
        sites.iter().map(|s| (s, distance(s, &pos))).collect();
    let inside = measured
        .iter()
        .filter(|(s, d)| *d <= s.radius_meters)
        .min_by(|(a, da), (b, db)| (da / a.radius_meters).total_cmp(&(db / b.radius_meters)));
    let Some((site, _)) = inside else {
        let nearest = measured
            .iter()
            .min_by(|(_, a), (_, b)| a.total_cmp(b))
            .ok_or_else(|| Error::rule("NO_SITE_ASSIGNED", "siteId", "no site"))?;
        return Err(outside(nearest.0, nearest.1));
    };
    let now = Utc::now();
    let entry = hr_attendance::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        user_id: Set(ctx.user_id()),
        site_id: Set(site.id),
        clock_in_at: Set(now),
        clock_out_at: Set(None),
        clock_in_latitude: Set(pos.latitude),
        clock_in_longitude: Set(pos.longitude),
        clock_in_accuracy: Set(pos.accuracy),
        clock_out_latitude: Set(None),
        clock_out_longitude: Set(None),
        clock_out_accuracy: Set(None),
        note: Set(pos.note.unwrap_or_default()),
        closed_by_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::rule("ALREADY_CLOCKED_IN", "clockIn", "already clocked in")
        }
        _ => Error::from(e),
    })?;
    let event = EventKind::Hr {
        event: HrEvent::ClockedIn {
            entry: entry.clone(),
        },
    };
    ctx.commit_one(txn, event).await?;
    Ok(entry)
}

/// Clock the caller out of their open entry; the position must be inside the fence of
/// the entry's site (OUTSIDE_GEOFENCE); without an open entry, NOT_CLOCKED_IN.
pub async fn clock_out(ctx: &Ctx, input: ClockInput) -> Result<hr_attendance::Model> {
    ctx.require(Scope::HrWrite)?;
    let pos = validate(input)?;
    let txn = ctx.write().await?;
    let entry = open_entry(&txn, ctx, ctx.user_id())
        .await?
        .ok_or_else(|| Error::rule("NOT_CLOCKED_IN", "clockOut", "you are not clocked in"))?;
    if let Some(site) = sites_by_ids(&txn, ctx.workspace_id(), &[entry.site_id])
        .await?
        .remove(&entry.site_id)
    {
        let metres = distance(&site, &pos);
        if metres > site.radius_meters {
            return Err(outside(&site, metres));
        }
    }
    let now = Utc::now();
    let mut am: hr_attendance::ActiveModel = entry.into();
    am.clock_out_at = Set(Some(now));
    am.clock_out_latitude = Set(Some(pos.latitude));
    am.clock_out_longitude = Set(Some(pos.longitude));
    am.clock_out_accuracy = Set(pos.accuracy);
    if let Some(note) = pos.note {
        am.note = Set(note);
    }
    let entry = am.update(&txn).await?;
    let event = EventKind::Hr {
        event: HrEvent::ClockedOut {
            entry: entry.clone(),
        },
    };
    ctx.commit_one(txn, event).await?;
    Ok(entry)
}

/// Close a member's open entry on their behalf (HR administrators), at `at` (default
/// now; not before the clock-in, not in the future). A closed entry → INVALID_STATE.
pub async fn close_attendance_entry(
    ctx: &Ctx,
    entry_id: i64,
    at: Option<DateTime<Utc>>,
    note: Option<String>,
) -> Result<hr_attendance::Model> {
    ctx.require(Scope::HrWrite)?;
    let me = require_hr(ctx).await?;
    let note = note
        .map(|n| super::short_text(&n, "note", 500))
        .transpose()?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let entry = hr_attendance::Entity::find_by_id(entry_id)
        .filter(hr_attendance::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("attendance entry"))?;
    if entry.clock_out_at.is_some() {
        return Err(Error::rule(
            "INVALID_STATE",
            "id",
            "the entry is already closed",
        ));
    }
    let at = at.unwrap_or(now);
    if at < entry.clock_in_at {
        return Err(Error::invalid("at", "must not be before the clock-in"));
    }
    if at > now + Duration::seconds(5) {
        return Err(Error::invalid("at", "must not be in the future"));
    }
    let mut am: hr_attendance::ActiveModel = entry.into();
    am.clock_out_at = Set(Some(at));
    am.closed_by_id = Set(Some(me.id));
    if let Some(note) = note {
        am.note = Set(note);
    }
    let entry = am.update(&txn).await?;
    let summary = serde_json::json!({ "closedBy": me.id, "at": at });
    let event = record(
        &txn,
        ctx,
        EventKind::Hr {
            event: HrEvent::ClockedOut {
                entry: entry.clone(),
            },
        },
        Some(summary),
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(entry)
}

/// The caller's open entry, if clocked in.
pub async fn current_entry(ctx: &Ctx) -> Result<Option<hr_attendance::Model>> {
    ctx.require(Scope::HrRead)?;
    open_entry(&ctx.db, ctx, ctx.user_id()).await
}

/// Whole minutes worked in an entry (0 while open).
pub fn worked_minutes(entry: &hr_attendance::Model) -> i64 {
    entry
        .clock_out_at
        .map(|out| (out - entry.clock_in_at).num_minutes().max(0))
        .unwrap_or(0)
}

/// One day of a timesheet.
#[derive(Clone, Debug)]
pub struct TimesheetDay {
    /// The calendar day, in the site's time zone.
    pub date: NaiveDate,
    /// Minutes worked in the day's closed entries.
    pub worked_minutes: i64,
    /// The entries clocked in that day, oldest first.
    pub entries: Vec<hr_attendance::Model>,
}

/// A member's attendance over a period.
#[derive(Clone, Debug)]
pub struct Timesheet {
    /// The member.
    pub user_id: i64,
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Minutes worked over the period.
    pub total_worked_minutes: i64,
    /// Days with at least one entry, in order.
    pub days: Vec<TimesheetDay>,
}

/// A member's timesheet from `from` to `to` (inclusive, at most 92 days): each entry
/// counts on the day of its clock-in in its site's time zone. The caller's own by
/// default; another member's for their manager or HR.
pub async fn timesheet(
    ctx: &Ctx,
    user_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Timesheet> {
    ctx.require(Scope::HrRead)?;
    if to < from {
        return Err(Error::invalid("to", "must not be before `from`"));
    }
    if (to - from).num_days() >= MAX_TIMESHEET_DAYS {
        return Err(Error::invalid(
            "to",
            format!("a timesheet covers at most {MAX_TIMESHEET_DAYS} days"),
        ));
    }
    let member = super::subject_member(ctx, user_id).await?;
    // Wide enough for any time zone (UTC−12 … UTC+14); trimmed per site below.
    let lo = from
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc() - Duration::hours(15));
    let hi = to
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc() + Duration::hours(39));
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Err(Error::invalid("from", "out of range"));
    };
    let entries = hr_attendance::Entity::find()
        .filter(hr_attendance::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_attendance::Column::UserId.eq(member.id))
        .filter(hr_attendance::Column::ClockInAt.gte(lo))
        .filter(hr_attendance::Column::ClockInAt.lt(hi))
        .order_by_asc(hr_attendance::Column::ClockInAt)
        .all(&ctx.db)
        .await?;
    let site_ids: Vec<i64> = entries.iter().map(|e| e.site_id).collect();
    let sites = sites_by_ids(&ctx.db, ctx.workspace_id(), &site_ids).await?;
    let mut days: BTreeMap<NaiveDate, TimesheetDay> = BTreeMap::new();
    let mut total = 0;
    for entry in entries {
        let tz = sites
            .get(&entry.site_id)
            .map(site_tz)
            .unwrap_or(chrono_tz::UTC);
        let date = entry.clock_in_at.with_timezone(&tz).date_naive();
        if date < from || date > to {
            continue;
        }
        let minutes = worked_minutes(&entry);
        total += minutes;
        let day = days.entry(date).or_insert_with(|| TimesheetDay {
            date,
            worked_minutes: 0,
            entries: Vec::new(),
        });
        day.worked_minutes += minutes;
        day.entries.push(entry);
    }
    Ok(Timesheet {
        user_id: member.id,
        from,
        to,
        total_worked_minutes: total,
        days: days.into_values().collect(),
    })
}

/// One attendance entry the caller may see (their own, or as manager/HR).
pub async fn get_entry(ctx: &Ctx, id: i64) -> Result<hr_attendance::Model> {
    ctx.require(Scope::HrRead)?;
    let entry = hr_attendance::Entity::find_by_id(id)
        .filter(hr_attendance::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("attendance entry"))?;
    if super::can_see_member(ctx, entry.user_id).await? {
        Ok(entry)
    } else {
        Err(Error::NotFound("attendance entry"))
    }
}
