//! Rosters: shifts (member, site, start, end, role, note) drafted and then published by
//! HR, with conflict detection — a member's overlapping shifts, and shifts during
//! their approved leave — and a week view.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entities::{hr_leave_requests, hr_shifts, hr_sites};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::sites::site_tz;
use super::{HrEvent, require_hr};
use crate::auth::Scope;
use crate::events::{EventKind, record};
use crate::{Ctx, Error, Result};

/// Longest shift.
pub const MAX_SHIFT_HOURS: i64 = 24;
/// Longest period of one shift listing, in days.
pub const MAX_LIST_DAYS: i64 = 62;

/// The state of a shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftStatus {
    /// Visible to HR only.
    Draft,
    /// Visible to everyone.
    Published,
}

impl ShiftStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftStatus::Draft => "draft",
            ShiftStatus::Published => "published",
        }
    }
}

/// Input of [`create_shift`].
#[derive(Clone, Debug)]
pub struct CreateShiftInput {
    /// The member working it.
    pub user_id: i64,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End (after the start, at most 24 h later).
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub site_id: Option<i64>,
    /// Up to 100 characters.
    pub role: String,
    /// Up to 500 characters.
    pub note: String,
}

/// Input of [`update_shift`]; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct UpdateShiftInput {
    /// New member.
    pub user_id: Option<i64>,
    /// New start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// New site (`Some(None)` clears it).
    pub site_id: Option<Option<i64>>,
    /// New role.
    pub role: Option<String>,
    /// New note.
    pub note: Option<String>,
}

/// Why a shift conflicts.
#[derive(Clone, Debug)]
pub enum ConflictWith {
    /// Another shift of the same member overlaps it.
    Shift(hr_shifts::Model),
    /// It falls on a day of the member's approved leave.
    Leave(hr_leave_requests::Model),
}

/// A shift and what it conflicts with.
#[derive(Clone, Debug)]
pub struct ShiftConflict {
    /// The shift.
    pub shift: hr_shifts::Model,
    /// The other shift or the leave.
    pub with: ConflictWith,
}

impl ConflictWith {
    fn describe(&self) -> String {
        match self {
            ConflictWith::Shift(s) => format!(
                "overlaps shift {} ({} – {})",
                s.id,
                s.starts_at.to_rfc3339(),
                s.ends_at.to_rfc3339()
            ),
            ConflictWith::Leave(l) => format!(
                "falls during approved leave request {} ({} – {})",
                l.id, l.start_date, l.end_date
            ),
        }
    }
}

fn validate_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<()> {
    if ends_at <= starts_at {
        return Err(Error::invalid("endsAt", "must be after startsAt"));
    }
    if ends_at - starts_at > Duration::hours(MAX_SHIFT_HOURS) {
        return Err(Error::invalid(
            "endsAt",
            format!("a shift lasts at most {MAX_SHIFT_HOURS} hours"),
        ));
    }
    Ok(())
}

async fn site_of<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    site_id: Option<i64>,
) -> Result<Option<hr_sites::Model>> {
    match site_id {
        None => Ok(None),
        Some(id) => Ok(Some(
            hr_sites::Entity::find_by_id(id)
                .filter(hr_sites::Column::WorkspaceId.eq(ctx.workspace_id()))
                .one(db)
                .await?
                .ok_or_else(|| Error::invalid("siteId", "no such site"))?,
        )),
    }
}

/// The calendar days a shift touches, in its site's time zone (UTC without a site).
fn shift_days(shift: &hr_shifts::Model, site: Option<&hr_sites::Model>) -> (NaiveDate, NaiveDate) {
    let tz = site.map(site_tz).unwrap_or(chrono_tz::UTC);
    let first = shift.starts_at.with_timezone(&tz).date_naive();
    // A shift ending exactly at midnight does not touch the next day.
    let last = (shift.ends_at - Duration::seconds(1))
        .with_timezone(&tz)
        .date_naive()
        .max(first);
    (first, last)
}

/// The first conflict of a (prospective) shift, if any.
async fn first_conflict<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    shift: &hr_shifts::Model,
    site: Option<&hr_sites::Model>,
) -> Result<Option<ConflictWith>> {
    let other = hr_shifts::Entity::find()
        .filter(hr_shifts::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_shifts::Column::UserId.eq(shift.user_id))
        .filter(hr_shifts::Column::Id.ne(shift.id))
        .filter(hr_shifts::Column::StartsAt.lt(shift.ends_at))
        .filter(hr_shifts::Column::EndsAt.gt(shift.starts_at))
        .order_by_asc(hr_shifts::Column::StartsAt)
        .one(db)
        .await?;
    if let Some(other) = other {
        return Ok(Some(ConflictWith::Shift(other)));
    }
    let (first, last) = shift_days(shift, site);
    let leave =
        super::leave::approved_leave_between(db, ctx, &[shift.user_id], first, last).await?;
    Ok(leave.into_iter().next().map(ConflictWith::Leave))
}

fn conflict_error(with: &ConflictWith) -> Error {
    Error::rule("SHIFT_CONFLICT", "startsAt", with.describe())
}

/// Draft a shift (HR administrators). A member's overlapping shift or approved leave
/// on its days → SHIFT_CONFLICT naming it.
pub async fn create_shift(ctx: &Ctx, input: CreateShiftInput) -> Result<hr_shifts::Model> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    validate_times(input.starts_at, input.ends_at)?;
    let role = super::short_text(&input.role, "role", 100)?;
    let note = super::short_text(&input.note, "note", 500)?;
    let member = super::member(&ctx.db, ctx, input.user_id, "userId").await?;
    let txn = ctx.write().await?;
    super::lock_member(&txn, member.id).await?;
    let site = site_of(&txn, ctx, input.site_id).await?;
    let now = Utc::now();
    let draft = hr_shifts::Model {
        id: 0,
        workspace_id: ctx.workspace_id(),
        user_id: member.id,
        site_id: site.as_ref().map(|s| s.id),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        role,
        note,
        status: ShiftStatus::Draft.as_str().to_owned(),
        published_at: None,
        created_at: now,
        updated_at: now,
    };
    if let Some(with) = first_conflict(&txn, ctx, &draft, site.as_ref()).await? {
        return Err(conflict_error(&with));
    }
    let mut am: hr_shifts::ActiveModel = draft.into();
    am.id = sea_orm::ActiveValue::NotSet;
    let shift = am.insert(&txn).await?;
    let event = HrEvent::ShiftChanged {
        shift: shift.clone(),
        deleted: false,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(shift)
}

async fn find_shift<C: ConnectionTrait>(db: &C, ctx: &Ctx, id: i64) -> Result<hr_shifts::Model> {
    hr_shifts::Entity::find_by_id(id)
        .filter(hr_shifts::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("shift"))
}

/// Change a shift (HR administrators); the conflict rules apply again. A published
/// shift stays published.
pub async fn update_shift(ctx: &Ctx, id: i64, input: UpdateShiftInput) -> Result<hr_shifts::Model> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let mut shift = find_shift(&ctx.db, ctx, id).await?;
    if let Some(user_id) = input.user_id {
        shift.user_id = super::member(&ctx.db, ctx, user_id, "userId").await?.id;
    }
    if let Some(at) = input.starts_at {
        shift.starts_at = at;
    }
    if let Some(at) = input.ends_at {
        shift.ends_at = at;
    }
    validate_times(shift.starts_at, shift.ends_at)?;
    if let Some(role) = &input.role {
        shift.role = super::short_text(role, "role", 100)?;
    }
    if let Some(note) = &input.note {
        shift.note = super::short_text(note, "note", 500)?;
    }
    if let Some(site) = input.site_id {
        shift.site_id = site;
    }
    let txn = ctx.write().await?;
    super::lock_member(&txn, shift.user_id).await?;
    let site = site_of(&txn, ctx, shift.site_id).await?;
    if let Some(with) = first_conflict(&txn, ctx, &shift, site.as_ref()).await? {
        return Err(conflict_error(&with));
    }
    shift.updated_at = Utc::now();
    // Every column is written: the model was edited in place.
    let am = hr_shifts::ActiveModel::from(shift).reset_all();
    let shift = am.update(&txn).await?;
    let event = HrEvent::ShiftChanged {
        shift: shift.clone(),
        deleted: false,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(shift)
}

/// Delete a shift (HR administrators).
pub async fn delete_shift(ctx: &Ctx, id: i64) -> Result<hr_shifts::Model> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let txn = ctx.write().await?;
    let shift = find_shift(&txn, ctx, id).await?;
    hr_shifts::Entity::delete_by_id(shift.id).exec(&txn).await?;
    let event = HrEvent::ShiftChanged {
        shift: shift.clone(),
        deleted: true,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(shift)
}

fn day_start(date: NaiveDate) -> Result<DateTime<Utc>> {
    date.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .ok_or_else(|| Error::invalid("from", "out of range"))
}

/// What [`publish_shifts`] did.
#[derive(Clone, Debug)]
pub struct Published {
    /// The shifts now published.
    pub shifts: Vec<hr_shifts::Model>,
}

/// Publish every draft starting from `from` to `to` (inclusive days, UTC), optionally
/// of one site (HR administrators).
pub async fn publish_shifts(
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
    site_id: Option<i64>,
) -> Result<Published> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    if to < from {
        return Err(Error::invalid("to", "must not be before `from`"));
    }
    if (to - from).num_days() >= MAX_LIST_DAYS {
        return Err(Error::invalid(
            "to",
            format!("publish at most {MAX_LIST_DAYS} days at once"),
        ));
    }
    let (lo, hi) = (day_start(from)?, day_start(to)? + Duration::days(1));
    let txn = ctx.write().await?;
    if site_id.is_some() {
        site_of(&txn, ctx, site_id).await?;
    }
    let mut q = hr_shifts::Entity::find()
        .filter(hr_shifts::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_shifts::Column::Status.eq(ShiftStatus::Draft.as_str()))
        .filter(hr_shifts::Column::StartsAt.gte(lo))
        .filter(hr_shifts::Column::StartsAt.lt(hi));
    if let Some(site) = site_id {
        q = q.filter(hr_shifts::Column::SiteId.eq(site));
    }
    let drafts = q
        .order_by_asc(hr_shifts::Column::StartsAt)
        .all(&txn)
        .await?;
    if drafts.is_empty() {
        txn.commit().await?;
        return Ok(Published { shifts: Vec::new() });
    }
    let ids: Vec<i64> = drafts.iter().map(|s| s.id).collect();
    let now = Utc::now();
    hr_shifts::Entity::update_many()
        .col_expr(
            hr_shifts::Column::Status,
            sea_orm::sea_query::Expr::value(ShiftStatus::Published.as_str()),
        )
        .col_expr(
            hr_shifts::Column::PublishedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            hr_shifts::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(hr_shifts::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let shifts: Vec<hr_shifts::Model> = drafts
        .into_iter()
        .map(|mut s| {
            s.status = ShiftStatus::Published.as_str().to_owned();
            s.published_at = Some(now);
            s.updated_at = now;
            s
        })
        .collect();
    let user_ids = crate::sql::distinct(&shifts.iter().map(|s| s.user_id).collect::<Vec<_>>());
    let event = record(
        &txn,
        ctx,
        EventKind::Hr {
            event: HrEvent::RosterPublished {
                shift_ids: ids,
                user_ids,
            },
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(Published { shifts })
}

/// One shift: published ones for everyone, drafts for HR only.
pub async fn get_shift(ctx: &Ctx, id: i64) -> Result<hr_shifts::Model> {
    ctx.require(Scope::HrRead)?;
    let shift = find_shift(&ctx.db, ctx, id).await?;
    if shift.status != ShiftStatus::Published.as_str() && !super::caller_is_hr(ctx).await? {
        return Err(Error::NotFound("shift"));
    }
    Ok(shift)
}

/// Filters of [`list_shifts`].
#[derive(Clone, Debug)]
pub struct ShiftFilter {
    /// First day (UTC).
    pub from: NaiveDate,
    /// Last day (inclusive, UTC; at most 62 days after `from`).
    pub to: NaiveDate,
    /// Only this member's.
    pub user_id: Option<i64>,
    /// Only at this site.
    pub site_id: Option<i64>,
    /// Only in this state (drafts are HR's only).
    pub status: Option<ShiftStatus>,
}

/// Shifts starting in the period, by start: published ones, and drafts for HR.
pub async fn list_shifts(ctx: &Ctx, filter: ShiftFilter) -> Result<Vec<hr_shifts::Model>> {
    ctx.require(Scope::HrRead)?;
    if filter.to < filter.from {
        return Err(Error::invalid("to", "must not be before `from`"));
    }
    if (filter.to - filter.from).num_days() >= MAX_LIST_DAYS {
        return Err(Error::invalid(
            "to",
            format!("a listing covers at most {MAX_LIST_DAYS} days"),
        ));
    }
    let hr = super::caller_is_hr(ctx).await?;
    let (lo, hi) = (
        day_start(filter.from)?,
        day_start(filter.to)? + Duration::days(1),
    );
    let mut q = hr_shifts::Entity::find()
        .filter(hr_shifts::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_shifts::Column::StartsAt.gte(lo))
        .filter(hr_shifts::Column::StartsAt.lt(hi));
    if !hr {
        if filter.status == Some(ShiftStatus::Draft) {
            return Ok(Vec::new());
        }
        q = q.filter(hr_shifts::Column::Status.eq(ShiftStatus::Published.as_str()));
    } else if let Some(status) = filter.status {
        q = q.filter(hr_shifts::Column::Status.eq(status.as_str()));
    }
    if let Some(user) = filter.user_id {
        q = q.filter(hr_shifts::Column::UserId.eq(user));
    }
    if let Some(site) = filter.site_id {
        q = q.filter(hr_shifts::Column::SiteId.eq(site));
    }
    Ok(q.order_by_asc(hr_shifts::Column::StartsAt)
        .order_by_asc(hr_shifts::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// One week of the roster.
#[derive(Clone, Debug)]
pub struct RosterWeek {
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    /// The shifts the caller sees starting that week (UTC days), by start.
    pub shifts: Vec<hr_shifts::Model>,
    /// Conflicts among them: overlapping shifts of one member, shifts during approved leave.
    pub conflicts: Vec<ShiftConflict>,
}

/// The roster of the ISO week (Monday to Sunday) containing `day`, optionally of one
/// site, with its conflicts.
pub async fn roster_week(ctx: &Ctx, day: NaiveDate, site_id: Option<i64>) -> Result<RosterWeek> {
    let week_start = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let shifts = list_shifts(
        ctx,
        ShiftFilter {
            from: week_start,
            to: week_start + Duration::days(6),
            user_id: None,
            site_id,
            status: None,
        },
    )
    .await?;
    let mut conflicts = Vec::new();
    for (i, a) in shifts.iter().enumerate() {
        for b in shifts.iter().skip(i + 1) {
            if a.user_id == b.user_id && a.starts_at < b.ends_at && b.starts_at < a.ends_at {
                conflicts.push(ShiftConflict {
                    shift: a.clone(),
                    with: ConflictWith::Shift(b.clone()),
                });
            }
        }
    }
    let user_ids: Vec<i64> = shifts.iter().map(|s| s.user_id).collect();
    let site_ids: Vec<i64> = shifts.iter().filter_map(|s| s.site_id).collect();
    let sites = super::sites::sites_by_ids(&ctx.db, ctx.workspace_id(), &site_ids).await?;
    let leave = super::leave::approved_leave_between(
        &ctx.db,
        ctx,
        &user_ids,
        week_start - Duration::days(1),
        week_start + Duration::days(8),
    )
    .await?;
    let mut seen = HashSet::new();
    for shift in &shifts {
        let site = shift.site_id.and_then(|id| sites.get(&id));
        let (first, last) = shift_days(shift, site);
        for l in &leave {
            if l.user_id == shift.user_id
                && l.start_date <= last
                && l.end_date >= first
                && seen.insert((shift.id, l.id))
            {
                conflicts.push(ShiftConflict {
                    shift: shift.clone(),
                    with: ConflictWith::Leave(l.clone()),
                });
            }
        }
    }
    Ok(RosterWeek {
        week_start,
        shifts,
        conflicts,
    })
}
