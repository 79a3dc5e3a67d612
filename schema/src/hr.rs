//! HR over GraphQL: sites and attendance, leave, rosters and the document vault.
//! Thin: every field calls `resolvers::hr`.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{
    Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject, Subscription,
};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{hr_attendance, hr_leave_requests, hr_leave_types, hr_shifts, hr_sites};
use futures::Stream;
use futures::stream::{self, StreamExt};
use resolvers::auth::Scope;
use resolvers::events::{Event, EventKind};
use resolvers::hr::HrEvent;
use resolvers::hr::leave::{LeaveRequestFilter, LeaveStatus};
use resolvers::hr::roster::{ConflictWith, ShiftStatus};
use resolvers::idempotency::once;
use resolvers::pagination::PageArgs;

use crate::context::{loaders, rctx};
use crate::error::{GqlResult, to_gql};
use crate::feed::Feed;
use crate::ids::{self, Kind};
use crate::loaders::load_err;
use crate::types::{User, connection, page_cost};

async fn load_user(ctx: &Context<'_>, id: i64) -> Result<Option<User>> {
    Ok(loaders(ctx)?
        .users
        .load_one(id)
        .await
        .map_err(load_err)?
        .map(User))
}

fn decode_opt(id: Option<ID>, kind: Kind, field: &str) -> Result<Option<i64>> {
    id.map(|id| ids::decode(&id, kind, field)).transpose()
}

// ---------------------------------------------------------------------------------
// Sites

/// A workplace with its geofence (a circle around a centre point).
pub struct Site {
    row: hr_sites::Model,
    member_ids: Option<Vec<i64>>,
}

impl From<resolvers::hr::sites::Site> for Site {
    fn from(s: resolvers::hr::sites::Site) -> Self {
        Site {
            row: s.site,
            member_ids: Some(s.member_ids),
        }
    }
}

#[Object]
impl Site {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Site, self.row.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.row.name
    }
    /// Postal address.
    async fn address(&self) -> &str {
        &self.row.address
    }
    /// Fence centre, WGS 84 degrees.
    async fn latitude(&self) -> f64 {
        self.row.latitude
    }
    /// Fence centre, WGS 84 degrees.
    async fn longitude(&self) -> f64 {
        self.row.longitude
    }
    /// Fence radius in metres: clock-ins farther from the centre (haversine distance)
    /// are refused.
    async fn radius_meters(&self) -> f64 {
        self.row.radius_meters
    }
    /// IANA time zone; timesheet days are counted in it.
    async fn timezone(&self) -> &str {
        &self.row.timezone
    }
    /// Members assigned to the site (they may clock in there).
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let ids = match &self.member_ids {
            Some(ids) => ids.clone(),
            None => resolvers::hr::sites::member_ids_of(&rctx(ctx)?.db, &[self.row.id])
                .await
                .gql()?
                .remove(&self.row.id)
                .unwrap_or_default(),
        };
        let users = loaders(ctx)?
            .users
            .load_many(ids.iter().copied())
            .await
            .map_err(load_err)?;
        Ok(ids
            .iter()
            .filter_map(|id| users.get(id).cloned().map(User))
            .collect())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }
}

async fn site_row(ctx: &Context<'_>, id: i64) -> Result<Option<Site>> {
    Ok(loaders(ctx)?
        .sites
        .load_one(id)
        .await
        .map_err(load_err)?
        .map(|row| Site {
            row,
            member_ids: None,
        }))
}

/// Input of `createSite`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateSiteInput {
    /// 1–255 characters.
    pub name: String,
    /// Up to 500 characters.
    #[graphql(default)]
    pub address: String,
    /// Fence centre, −90…90.
    pub latitude: f64,
    /// Fence centre, −180…180.
    pub longitude: f64,
    /// Fence radius, 10–10,000 metres.
    pub radius_meters: f64,
    /// IANA time zone (default `UTC`).
    pub timezone: Option<String>,
    /// Members assigned to the site.
    #[graphql(default)]
    pub member_ids: Vec<ID>,
}

/// Input of `updateSite`: absent fields stay unchanged.
#[derive(InputObject)]
pub struct UpdateSiteInput {
    /// New name.
    pub name: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New centre latitude.
    pub latitude: Option<f64>,
    /// New centre longitude.
    pub longitude: Option<f64>,
    /// New radius in metres.
    pub radius_meters: Option<f64>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// The complete new member list.
    pub member_ids: Option<Vec<ID>>,
}

// ---------------------------------------------------------------------------------
// Attendance

/// A reported position.
#[derive(SimpleObject)]
pub struct Location {
    /// WGS 84 degrees.
    pub latitude: f64,
    /// WGS 84 degrees.
    pub longitude: f64,
    /// Reported accuracy in metres.
    pub accuracy: Option<f64>,
}

/// One clock-in and, once closed, its clock-out.
pub struct AttendanceEntry(pub hr_attendance::Model);

#[Object]
impl AttendanceEntry {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::AttendanceEntry, self.0.id)
    }
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.user_id).await
    }
    /// The site whose fence accepted the clock-in (null once deleted).
    async fn site(&self, ctx: &Context<'_>) -> Result<Option<Site>> {
        site_row(ctx, self.0.site_id).await
    }
    /// The site's global id (kept after the site is deleted).
    async fn site_id(&self) -> ID {
        ids::encode(Kind::Site, self.0.site_id)
    }
    /// Clock-in time.
    async fn clock_in_at(&self) -> DateTime<Utc> {
        self.0.clock_in_at
    }
    /// Clock-out time; null while open.
    async fn clock_out_at(&self) -> Option<DateTime<Utc>> {
        self.0.clock_out_at
    }
    /// Whether the entry is still open.
    async fn open(&self) -> bool {
        self.0.clock_out_at.is_none()
    }
    /// Where the member clocked in.
    async fn clock_in_location(&self) -> Location {
        Location {
            latitude: self.0.clock_in_latitude,
            longitude: self.0.clock_in_longitude,
            accuracy: self.0.clock_in_accuracy,
        }
    }
    /// Where the member clocked out (null while open, or when HR closed the entry).
    async fn clock_out_location(&self) -> Option<Location> {
        match (self.0.clock_out_latitude, self.0.clock_out_longitude) {
            (Some(latitude), Some(longitude)) => Some(Location {
                latitude,
                longitude,
                accuracy: self.0.clock_out_accuracy,
            }),
            _ => None,
        }
    }
    /// Whole minutes worked (0 while open).
    async fn worked_minutes(&self) -> i64 {
        resolvers::hr::attendance::worked_minutes(&self.0)
    }
    /// Note.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// The HR administrator who closed the entry on the member's behalf.
    async fn closed_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.closed_by_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// A position reported to `clockIn` / `clockOut`.
#[derive(InputObject, serde::Serialize)]
pub struct ClockInput {
    /// WGS 84 degrees.
    pub latitude: f64,
    /// WGS 84 degrees.
    pub longitude: f64,
    /// Reported accuracy in metres (informative).
    pub accuracy: Option<f64>,
    /// Up to 500 characters.
    pub note: Option<String>,
}

impl From<ClockInput> for resolvers::hr::attendance::ClockInput {
    fn from(i: ClockInput) -> Self {
        resolvers::hr::attendance::ClockInput {
            latitude: i.latitude,
            longitude: i.longitude,
            accuracy: i.accuracy,
            note: i.note,
        }
    }
}

/// One day of a timesheet.
pub struct TimesheetDay(resolvers::hr::attendance::TimesheetDay);

#[Object]
impl TimesheetDay {
    /// The day, in the site's time zone.
    async fn date(&self) -> NaiveDate {
        self.0.date
    }
    /// Minutes worked in the day's closed entries.
    async fn worked_minutes(&self) -> i64 {
        self.0.worked_minutes
    }
    /// Hours worked (minutes / 60).
    async fn worked_hours(&self) -> f64 {
        hours(self.0.worked_minutes)
    }
    /// The day's entries, oldest first.
    async fn entries(&self) -> Vec<AttendanceEntry> {
        self.0
            .entries
            .iter()
            .cloned()
            .map(AttendanceEntry)
            .collect()
    }
}

fn hours(minutes: i64) -> f64 {
    // Minutes of a 92-day timesheet fit f64 exactly.
    let minutes = i32::try_from(minutes).unwrap_or(i32::MAX);
    f64::from(minutes) / 60.0
}

/// A member's attendance over a period.
pub struct Timesheet(resolvers::hr::attendance::Timesheet);

#[Object]
impl Timesheet {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.user_id).await
    }
    /// First day.
    async fn from(&self) -> NaiveDate {
        self.0.from
    }
    /// Last day (inclusive).
    async fn to(&self) -> NaiveDate {
        self.0.to
    }
    /// Minutes worked over the period.
    async fn total_worked_minutes(&self) -> i64 {
        self.0.total_worked_minutes
    }
    /// Hours worked over the period.
    async fn total_worked_hours(&self) -> f64 {
        hours(self.0.total_worked_minutes)
    }
    /// Days with at least one entry.
    async fn days(&self) -> Vec<TimesheetDay> {
        self.0.days.iter().cloned().map(TimesheetDay).collect()
    }
}

// ---------------------------------------------------------------------------------
// Leave

/// A kind of leave with its yearly allowance.
pub struct LeaveType(pub hr_leave_types::Model);

#[Object]
impl LeaveType {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::LeaveType, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Default yearly allowance, in days.
    async fn allowance_days(&self) -> f64 {
        resolvers::hr::leave::days(self.0.allowance_half_days)
    }
}

/// A member's balance of one leave type for one year.
pub struct LeaveBalance(resolvers::hr::leave::LeaveBalance);

#[Object]
impl LeaveBalance {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.user_id).await
    }
    /// The leave type.
    async fn leave_type(&self) -> LeaveType {
        LeaveType(self.0.leave_type.clone())
    }
    /// The year.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Allowance, in days.
    async fn allowance_days(&self) -> f64 {
        resolvers::hr::leave::days(self.0.allowance_half_days)
    }
    /// Taken by approved requests, in days.
    async fn used_days(&self) -> f64 {
        resolvers::hr::leave::days(self.0.used_half_days)
    }
    /// Held by pending requests, in days.
    async fn pending_days(&self) -> f64 {
        resolvers::hr::leave::days(self.0.pending_half_days)
    }
    /// What a new request may still take, in days.
    async fn remaining_days(&self) -> f64 {
        resolvers::hr::leave::days(self.0.remaining_half_days())
    }
}

/// The state of a leave request.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LeaveRequestStatus {
    /// Waiting for a decision.
    Pending,
    /// Granted.
    Approved,
    /// Refused.
    Rejected,
    /// Withdrawn by the requester.
    Cancelled,
}

impl From<LeaveRequestStatus> for LeaveStatus {
    fn from(s: LeaveRequestStatus) -> Self {
        match s {
            LeaveRequestStatus::Pending => LeaveStatus::Pending,
            LeaveRequestStatus::Approved => LeaveStatus::Approved,
            LeaveRequestStatus::Rejected => LeaveStatus::Rejected,
            LeaveRequestStatus::Cancelled => LeaveStatus::Cancelled,
        }
    }
}

/// A leave request and its decision.
pub struct LeaveRequest(pub hr_leave_requests::Model);

#[Object]
impl LeaveRequest {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::LeaveRequest, self.0.id)
    }
    /// The requester.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.user_id).await
    }
    /// The leave type.
    async fn leave_type(&self, ctx: &Context<'_>) -> Result<Option<LeaveType>> {
        Ok(loaders(ctx)?
            .leave_types
            .load_one(self.0.leave_type_id)
            .await
            .map_err(load_err)?
            .map(LeaveType))
    }
    /// First day.
    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }
    /// Last day (inclusive).
    async fn end_date(&self) -> NaiveDate {
        self.0.end_date
    }
    /// The first day is a half day.
    async fn start_half_day(&self) -> bool {
        self.0.start_half_day
    }
    /// The last day is a half day.
    async fn end_half_day(&self) -> bool {
        self.0.end_half_day
    }
    /// Working days requested (Monday to Friday, half days counted as 0.5).
    async fn days(&self) -> f64 {
        resolvers::hr::leave::days(self.0.half_days)
    }
    /// Reason.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// State.
    async fn status(&self) -> Result<LeaveRequestStatus> {
        Ok(match LeaveStatus::parse(&self.0.status).map_err(to_gql)? {
            LeaveStatus::Pending => LeaveRequestStatus::Pending,
            LeaveStatus::Approved => LeaveRequestStatus::Approved,
            LeaveStatus::Rejected => LeaveRequestStatus::Rejected,
            LeaveStatus::Cancelled => LeaveRequestStatus::Cancelled,
        })
    }
    /// Who was asked to decide (the department manager, else an HR administrator).
    async fn approver(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.approver_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Who decided.
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.decided_by_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }
    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// The decider's comment.
    async fn decision_comment(&self) -> Option<&str> {
        self.0.decision_comment.as_deref()
    }
    /// When it was filed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Leave requests, newest first.
pub type LeaveRequestConnection = Connection<String, LeaveRequest>;

/// Input of `createLeaveType`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateLeaveTypeInput {
    /// 1–100 characters, unique in the workspace.
    pub name: String,
    /// Yearly allowance in days (whole or half).
    pub allowance_days: f64,
}

/// Input of `createLeaveRequest`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateLeaveRequestInput {
    /// The leave type.
    pub leave_type_id: ID,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day (inclusive; same calendar year).
    pub end_date: NaiveDate,
    /// Take the first day as a half day.
    #[graphql(default)]
    pub start_half_day: bool,
    /// Take the last day as a half day.
    #[graphql(default)]
    pub end_half_day: bool,
    /// Up to 2,000 characters.
    #[graphql(default)]
    pub reason: String,
}

// ---------------------------------------------------------------------------------
// Rosters

/// The state of a shift.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ShiftStatus")]
pub enum ShiftStatusGql {
    /// Visible to HR only.
    Draft,
    /// Visible to everyone.
    Published,
}

impl From<ShiftStatusGql> for ShiftStatus {
    fn from(s: ShiftStatusGql) -> Self {
        match s {
            ShiftStatusGql::Draft => ShiftStatus::Draft,
            ShiftStatusGql::Published => ShiftStatus::Published,
        }
    }
}

/// A rostered shift.
pub struct Shift(pub hr_shifts::Model);

#[Object]
impl Shift {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Shift, self.0.id)
    }
    /// The member working it.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.user_id).await
    }
    /// Where.
    async fn site(&self, ctx: &Context<'_>) -> Result<Option<Site>> {
        match self.0.site_id {
            Some(id) => site_row(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Role worked.
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// Note.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// Draft or published.
    async fn status(&self) -> ShiftStatusGql {
        if self.0.status == ShiftStatus::Published.as_str() {
            ShiftStatusGql::Published
        } else {
            ShiftStatusGql::Draft
        }
    }
    /// When it was published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Input of `createShift`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateShiftInput {
    /// The member working it.
    pub user_id: ID,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End: after the start, at most 24 hours later.
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub site_id: Option<ID>,
    /// Role worked, up to 100 characters.
    #[graphql(default)]
    pub role: String,
    /// Up to 500 characters.
    #[graphql(default)]
    pub note: String,
}

/// Input of `updateShift`: absent fields stay unchanged; `siteId: null` clears the site.
#[derive(InputObject)]
pub struct UpdateShiftInput {
    /// New member.
    pub user_id: Option<ID>,
    /// New start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// New site, or null for none.
    pub site_id: MaybeUndefined<ID>,
    /// New role.
    pub role: Option<String>,
    /// New note.
    pub note: Option<String>,
}

/// What a shift conflicts with.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShiftConflictKind {
    /// Another shift of the same member overlaps it.
    OverlappingShift,
    /// It falls on a day of the member's approved leave.
    ApprovedLeave,
}

/// A roster conflict.
pub struct ShiftConflict(resolvers::hr::roster::ShiftConflict);

#[Object]
impl ShiftConflict {
    /// The shift.
    async fn shift(&self) -> Shift {
        Shift(self.0.shift.clone())
    }
    /// What it conflicts with.
    async fn kind(&self) -> ShiftConflictKind {
        match self.0.with {
            ConflictWith::Shift(_) => ShiftConflictKind::OverlappingShift,
            ConflictWith::Leave(_) => ShiftConflictKind::ApprovedLeave,
        }
    }
    /// The overlapping shift.
    async fn other_shift(&self) -> Option<Shift> {
        match &self.0.with {
            ConflictWith::Shift(s) => Some(Shift(s.clone())),
            ConflictWith::Leave(_) => None,
        }
    }
    /// The approved leave.
    async fn leave_request(&self) -> Option<LeaveRequest> {
        match &self.0.with {
            ConflictWith::Leave(l) => Some(LeaveRequest(l.clone())),
            ConflictWith::Shift(_) => None,
        }
    }
}

/// One week of the roster.
pub struct RosterWeek(resolvers::hr::roster::RosterWeek);

#[Object]
impl RosterWeek {
    /// The Monday the week starts on.
    async fn week_start(&self) -> NaiveDate {
        self.0.week_start
    }
    /// The Sunday it ends on.
    async fn week_end(&self) -> NaiveDate {
        self.0.week_start + chrono::Duration::days(6)
    }
    /// Shifts starting that week (UTC days), by start: published ones, drafts for HR.
    async fn shifts(&self) -> Vec<Shift> {
        self.0.shifts.iter().cloned().map(Shift).collect()
    }
    /// Overlapping shifts of one member and shifts during approved leave.
    async fn conflicts(&self) -> Vec<ShiftConflict> {
        self.0
            .conflicts
            .iter()
            .cloned()
            .map(ShiftConflict)
            .collect()
    }
}

/// The result of `publishShifts`.
#[derive(SimpleObject)]
pub struct PublishedShifts {
    /// How many drafts were published.
    pub published: i32,
    /// The shifts published.
    pub shifts: Vec<Shift>,
}

// ---------------------------------------------------------------------------------
// Document vault

/// A vault document shared with a member.
pub struct DocumentShare(entities::hr_document_shares::Model);

#[Object]
impl DocumentShare {
    /// The member it is shared with.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.user_id).await
    }
    /// When it was shared.
    async fn shared_at(&self) -> DateTime<Utc> {
        self.0.shared_at
    }
    /// When the share lapses, if ever.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// A document in a member's HR vault (metadata; the bytes only through
/// `hrDocumentDownloadUrl`).
pub struct HrDocument(resolvers::hr::vault::Document);

#[Object]
impl HrDocument {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::HrDocument, self.0.document.id)
    }
    /// The member it concerns.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.document.owner_id).await
    }
    /// Who uploaded it.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.document.uploaded_by_id).await
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.document.title
    }
    /// Category (`contract`, `payslip`, …).
    async fn category(&self) -> &str {
        &self.0.document.category
    }
    /// File name.
    async fn file_name(&self) -> &str {
        &self.0.document.file_name
    }
    /// Media type.
    async fn mime_type(&self) -> &str {
        &self.0.document.mime_type
    }
    /// Size in bytes.
    async fn size(&self) -> i64 {
        self.0.document.size
    }
    /// Members it is explicitly shared with.
    async fn shared_with(&self) -> Vec<DocumentShare> {
        self.0.shares.iter().cloned().map(DocumentShare).collect()
    }
    /// When it was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.document.created_at
    }
}

/// Vault documents, newest first.
pub type HrDocumentConnection = Connection<String, HrDocument>;

/// Input of `uploadHrDocument`.
#[derive(InputObject, serde::Serialize)]
pub struct UploadHrDocumentInput {
    /// The member it concerns (default: you). Another member's vault is HR's only.
    pub owner_id: Option<ID>,
    /// 1–255 characters (default: the file name).
    pub title: Option<String>,
    /// Up to 100 characters.
    #[graphql(default)]
    pub category: String,
    /// 1–255 characters.
    pub file_name: String,
    /// Media type (default `application/octet-stream`).
    pub mime_type: Option<String>,
    /// The document itself, base64-encoded (standard alphabet, padded). At most
    /// 512 KiB of content inline; more is refused with PAYLOAD_TOO_LARGE.
    pub content_base64: String,
}

/// A short-lived signed download link.
#[derive(SimpleObject)]
pub struct HrDocumentDownload {
    /// GET it (no credential needed) within its lifetime; every download is audited.
    pub url: String,
    /// When it stops working (60 seconds after issue).
    pub expires_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------
// Roots

/// HR queries.
#[derive(Default)]
pub struct HrQuery;

#[Object]
impl HrQuery {
    /// Sites: every site for HR administrators, else the sites you are assigned to.
    async fn sites(&self, ctx: &Context<'_>) -> Result<Vec<Site>> {
        let rows = resolvers::hr::sites::list_sites(rctx(ctx)?).await.gql()?;
        Ok(rows.into_iter().map(Site::from).collect())
    }
    /// One site; null when it does not exist or you cannot see it.
    async fn site(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Site>> {
        let id = ids::decode(&id, Kind::Site, "id")?;
        null_if_missing(resolvers::hr::sites::get_site(rctx(ctx)?, id).await)
            .map(|s| s.map(Site::from))
    }
    /// Your open attendance entry, if you are clocked in.
    async fn current_attendance(&self, ctx: &Context<'_>) -> Result<Option<AttendanceEntry>> {
        Ok(resolvers::hr::attendance::current_entry(rctx(ctx)?)
            .await
            .gql()?
            .map(AttendanceEntry))
    }
    /// One attendance entry (yours, or as the member's manager or HR).
    async fn attendance_entry(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AttendanceEntry>> {
        let id = ids::decode(&id, Kind::AttendanceEntry, "id")?;
        null_if_missing(resolvers::hr::attendance::get_entry(rctx(ctx)?, id).await)
            .map(|e| e.map(AttendanceEntry))
    }
    /// A member's timesheet (yours by default; another member's for their department
    /// manager or HR), `from` to `to` inclusive, at most 92 days.
    async fn timesheet(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Timesheet> {
        let user_id = decode_opt(user_id, Kind::User, "userId")?;
        Ok(Timesheet(
            resolvers::hr::attendance::timesheet(rctx(ctx)?, user_id, from, to)
                .await
                .gql()?,
        ))
    }
    /// Leave types, by name.
    async fn leave_types(&self, ctx: &Context<'_>) -> Result<Vec<LeaveType>> {
        let rows = resolvers::hr::leave::list_leave_types(rctx(ctx)?)
            .await
            .gql()?;
        Ok(rows.into_iter().map(LeaveType).collect())
    }
    /// A member's leave balances for a year (default: this year), one per type.
    async fn leave_balances(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        year: Option<i32>,
    ) -> Result<Vec<LeaveBalance>> {
        let user_id = decode_opt(user_id, Kind::User, "userId")?;
        let rows = resolvers::hr::leave::leave_balances(rctx(ctx)?, user_id, year)
            .await
            .gql()?;
        Ok(rows.into_iter().map(LeaveBalance).collect())
    }
    /// Leave requests, newest first: a member's (yours by default), or with
    /// `awaitingMyDecision` the pending requests you may decide.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn leave_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        user_id: Option<ID>,
        #[graphql(default)] awaiting_my_decision: bool,
        status: Option<LeaveRequestStatus>,
        #[graphql(desc = "Only requests ending on or after this day.")] from: Option<NaiveDate>,
        #[graphql(desc = "Only requests starting on or before this day.")] to: Option<NaiveDate>,
    ) -> Result<LeaveRequestConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let filter = LeaveRequestFilter {
            user_id: decode_opt(user_id, Kind::User, "userId")?,
            awaiting_my_decision,
            status: status.map(Into::into),
            from,
            to,
        };
        let rows = resolvers::hr::leave::list_leave_requests(rctx(ctx)?, filter, page)
            .await
            .gql()?;
        Ok(connection(rows, |r| r.id, LeaveRequest))
    }
    /// One leave request (yours, or as the requester's manager or HR).
    async fn leave_request(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LeaveRequest>> {
        let id = ids::decode(&id, Kind::LeaveRequest, "id")?;
        null_if_missing(resolvers::hr::leave::get_leave_request(rctx(ctx)?, id).await)
            .map(|r| r.map(LeaveRequest))
    }
    /// Shifts starting from `from` to `to` (inclusive UTC days, at most 62), by start:
    /// published ones, and drafts for HR.
    async fn shifts(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
        user_id: Option<ID>,
        site_id: Option<ID>,
        status: Option<ShiftStatusGql>,
    ) -> Result<Vec<Shift>> {
        let filter = resolvers::hr::roster::ShiftFilter {
            from,
            to,
            user_id: decode_opt(user_id, Kind::User, "userId")?,
            site_id: decode_opt(site_id, Kind::Site, "siteId")?,
            status: status.map(Into::into),
        };
        let rows = resolvers::hr::roster::list_shifts(rctx(ctx)?, filter)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Shift).collect())
    }
    /// One shift; drafts only for HR.
    async fn shift(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Shift>> {
        let id = ids::decode(&id, Kind::Shift, "id")?;
        null_if_missing(resolvers::hr::roster::get_shift(rctx(ctx)?, id).await)
            .map(|s| s.map(Shift))
    }
    /// The roster of the week (Monday to Sunday) containing `date`, with its conflicts.
    async fn roster_week(
        &self,
        ctx: &Context<'_>,
        date: NaiveDate,
        site_id: Option<ID>,
    ) -> Result<RosterWeek> {
        let site_id = decode_opt(site_id, Kind::Site, "siteId")?;
        Ok(RosterWeek(
            resolvers::hr::roster::roster_week(rctx(ctx)?, date, site_id)
                .await
                .gql()?,
        ))
    }
    /// Vault documents you may see (your own, shared with you, every one for HR),
    /// newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn hr_documents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        owner_id: Option<ID>,
        category: Option<String>,
    ) -> Result<HrDocumentConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let filter = resolvers::hr::vault::DocumentFilter {
            owner_id: decode_opt(owner_id, Kind::User, "ownerId")?,
            category,
        };
        let rows = resolvers::hr::vault::list_documents(rctx(ctx)?, filter, page)
            .await
            .gql()?;
        Ok(connection(rows, |d| d.document.id, HrDocument))
    }
    /// One vault document; null when it does not exist or you may not see it.
    async fn hr_document(&self, ctx: &Context<'_>, id: ID) -> Result<Option<HrDocument>> {
        let id = ids::decode(&id, Kind::HrDocument, "id")?;
        null_if_missing(resolvers::hr::vault::get_document(rctx(ctx)?, id).await)
            .map(|d| d.map(HrDocument))
    }
}

fn null_if_missing<T>(r: resolvers::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(resolvers::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(to_gql(e)),
    }
}

/// HR mutations.
#[derive(Default)]
pub struct HrMutation;

#[Object]
impl HrMutation {
    /// Grant or revoke a member's HR-admin flag (workspace owners and admins).
    async fn set_hr_admin(&self, ctx: &Context<'_>, user_id: ID, hr_admin: bool) -> Result<User> {
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        Ok(User(
            resolvers::hr::set_hr_admin(rctx(ctx)?, user_id, hr_admin)
                .await
                .gql()?,
        ))
    }
    /// Create a site (HR administrators).
    async fn create_site(
        &self,
        ctx: &Context<'_>,
        input: CreateSiteInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Site> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = resolvers::hr::sites::CreateSiteInput {
            name: input.name,
            address: input.address,
            latitude: input.latitude,
            longitude: input.longitude,
            radius_meters: input.radius_meters,
            timezone: input.timezone,
            member_ids: ids::decode_all(&input.member_ids, Kind::User, "memberIds")?,
        };
        let site = once(c, None, "createSite", &fingerprint, || {
            resolvers::hr::sites::create_site(c, input)
        })
        .await
        .gql()?;
        Ok(Site::from(site))
    }
    /// Change a site (HR administrators).
    async fn update_site(&self, ctx: &Context<'_>, id: ID, input: UpdateSiteInput) -> Result<Site> {
        let id = ids::decode(&id, Kind::Site, "id")?;
        let input = resolvers::hr::sites::UpdateSiteInput {
            name: input.name,
            address: input.address,
            latitude: input.latitude,
            longitude: input.longitude,
            radius_meters: input.radius_meters,
            timezone: input.timezone,
            member_ids: input
                .member_ids
                .map(|m| ids::decode_all(&m, Kind::User, "memberIds"))
                .transpose()?,
        };
        Ok(Site::from(
            resolvers::hr::sites::update_site(rctx(ctx)?, id, input)
                .await
                .gql()?,
        ))
    }
    /// Delete a site (HR administrators); refused (INVALID_STATE) while a member is
    /// clocked in there. Returns the deleted site's id.
    async fn delete_site(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = ids::decode(&id, Kind::Site, "id")?;
        let id = resolvers::hr::sites::delete_site(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(ids::encode(Kind::Site, id))
    }
    /// Clock in at one of your sites. Refused outside every fence of your sites
    /// (OUTSIDE_GEOFENCE, naming the nearest site and the distance), without a site
    /// (NO_SITE_ASSIGNED) or when already clocked in (ALREADY_CLOCKED_IN).
    async fn clock_in(
        &self,
        ctx: &Context<'_>,
        input: ClockInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<AttendanceEntry> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let entry = once(c, None, "clockIn", &fingerprint, || {
            resolvers::hr::attendance::clock_in(c, input.into())
        })
        .await
        .gql()?;
        Ok(AttendanceEntry(entry))
    }
    /// Clock out; the position must be inside the fence of the site you clocked in at
    /// (OUTSIDE_GEOFENCE); NOT_CLOCKED_IN without an open entry.
    async fn clock_out(&self, ctx: &Context<'_>, input: ClockInput) -> Result<AttendanceEntry> {
        Ok(AttendanceEntry(
            resolvers::hr::attendance::clock_out(rctx(ctx)?, input.into())
                .await
                .gql()?,
        ))
    }
    /// Close a member's open attendance entry on their behalf (HR administrators), at
    /// `at` (default now).
    async fn close_attendance_entry(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: Option<DateTime<Utc>>,
        note: Option<String>,
    ) -> Result<AttendanceEntry> {
        let id = ids::decode(&id, Kind::AttendanceEntry, "id")?;
        Ok(AttendanceEntry(
            resolvers::hr::attendance::close_attendance_entry(rctx(ctx)?, id, at, note)
                .await
                .gql()?,
        ))
    }
    /// Create a leave type with its default yearly allowance (HR administrators).
    async fn create_leave_type(
        &self,
        ctx: &Context<'_>,
        input: CreateLeaveTypeInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<LeaveType> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = resolvers::hr::leave::LeaveTypeInput {
            name: input.name,
            allowance_days: input.allowance_days,
        };
        let leave_type = once(c, None, "createLeaveType", &fingerprint, || {
            resolvers::hr::leave::create_leave_type(c, input)
        })
        .await
        .gql()?;
        Ok(LeaveType(leave_type))
    }
    /// Rename a leave type or change its default allowance (HR administrators).
    async fn update_leave_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        allowance_days: Option<f64>,
    ) -> Result<LeaveType> {
        let id = ids::decode(&id, Kind::LeaveType, "id")?;
        Ok(LeaveType(
            resolvers::hr::leave::update_leave_type(rctx(ctx)?, id, name, allowance_days)
                .await
                .gql()?,
        ))
    }
    /// Set a member's allowance of a leave type for a year (HR administrators).
    async fn set_leave_allowance(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        leave_type_id: ID,
        year: i32,
        allowance_days: f64,
    ) -> Result<LeaveBalance> {
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        let leave_type_id = ids::decode(&leave_type_id, Kind::LeaveType, "leaveTypeId")?;
        Ok(LeaveBalance(
            resolvers::hr::leave::set_leave_allowance(
                rctx(ctx)?,
                user_id,
                leave_type_id,
                year,
                allowance_days,
            )
            .await
            .gql()?,
        ))
    }
    /// File a leave request. Refused when it overlaps one of your pending or approved
    /// requests (LEAVE_OVERLAP) or exceeds your balance (INSUFFICIENT_LEAVE_BALANCE).
    /// The approver receives a direct message with Approve and Reject buttons.
    async fn create_leave_request(
        &self,
        ctx: &Context<'_>,
        input: CreateLeaveRequestInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<LeaveRequest> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let domain = resolvers::hr::leave::CreateLeaveRequestInput {
            leave_type_id: ids::decode(&input.leave_type_id, Kind::LeaveType, "leaveTypeId")?,
            start_date: input.start_date,
            end_date: input.end_date,
            start_half_day: input.start_half_day,
            end_half_day: input.end_half_day,
            reason: input.reason,
        };
        let request = once(c, None, "createLeaveRequest", &fingerprint, || {
            resolvers::hr::leave::create_leave_request(c, domain)
        })
        .await
        .gql()?;
        Ok(LeaveRequest(request))
    }
    /// Approve a pending request (the requester's department manager or HR; not your
    /// own). The days move into the balance's used days.
    async fn approve_leave_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        comment: Option<String>,
    ) -> Result<LeaveRequest> {
        let id = ids::decode(&id, Kind::LeaveRequest, "id")?;
        Ok(LeaveRequest(
            resolvers::hr::leave::decide_leave_request(rctx(ctx)?, id, true, comment)
                .await
                .gql()?,
        ))
    }
    /// Reject a pending request (the requester's department manager or HR; not your own).
    async fn reject_leave_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        comment: Option<String>,
    ) -> Result<LeaveRequest> {
        let id = ids::decode(&id, Kind::LeaveRequest, "id")?;
        Ok(LeaveRequest(
            resolvers::hr::leave::decide_leave_request(rctx(ctx)?, id, false, comment)
                .await
                .gql()?,
        ))
    }
    /// Cancel your own request: while pending, or approved and not yet started (the
    /// days return to your balance).
    async fn cancel_leave_request(&self, ctx: &Context<'_>, id: ID) -> Result<LeaveRequest> {
        let id = ids::decode(&id, Kind::LeaveRequest, "id")?;
        Ok(LeaveRequest(
            resolvers::hr::leave::cancel_leave_request(rctx(ctx)?, id)
                .await
                .gql()?,
        ))
    }
    /// Draft a shift (HR administrators). A member's overlapping shift or approved
    /// leave on its days → SHIFT_CONFLICT naming it.
    async fn create_shift(
        &self,
        ctx: &Context<'_>,
        input: CreateShiftInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Shift> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let domain = resolvers::hr::roster::CreateShiftInput {
            user_id: ids::decode(&input.user_id, Kind::User, "userId")?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            site_id: decode_opt(input.site_id, Kind::Site, "siteId")?,
            role: input.role,
            note: input.note,
        };
        let shift = once(c, None, "createShift", &fingerprint, || {
            resolvers::hr::roster::create_shift(c, domain)
        })
        .await
        .gql()?;
        Ok(Shift(shift))
    }
    /// Change a shift (HR administrators); conflicts are checked again; a published
    /// shift stays published.
    async fn update_shift(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateShiftInput,
    ) -> Result<Shift> {
        let id = ids::decode(&id, Kind::Shift, "id")?;
        let site_id = match input.site_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(ids::decode(&id, Kind::Site, "siteId")?)),
        };
        let domain = resolvers::hr::roster::UpdateShiftInput {
            user_id: decode_opt(input.user_id, Kind::User, "userId")?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            site_id,
            role: input.role,
            note: input.note,
        };
        Ok(Shift(
            resolvers::hr::roster::update_shift(rctx(ctx)?, id, domain)
                .await
                .gql()?,
        ))
    }
    /// Delete a shift (HR administrators). Returns the deleted shift's id.
    async fn delete_shift(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = ids::decode(&id, Kind::Shift, "id")?;
        let shift = resolvers::hr::roster::delete_shift(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(ids::encode(Kind::Shift, shift.id))
    }
    /// Publish the draft shifts starting from `from` to `to` (inclusive UTC days),
    /// optionally of one site (HR administrators).
    async fn publish_shifts(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
        site_id: Option<ID>,
    ) -> Result<PublishedShifts> {
        let site_id = decode_opt(site_id, Kind::Site, "siteId")?;
        let done = resolvers::hr::roster::publish_shifts(rctx(ctx)?, from, to, site_id)
            .await
            .gql()?;
        Ok(PublishedShifts {
            published: i32::try_from(done.shifts.len()).unwrap_or(i32::MAX),
            shifts: done.shifts.into_iter().map(Shift).collect(),
        })
    }
    /// Upload a document into a member's vault (your own; anyone's for HR). The
    /// content travels base64-encoded in the input, at most 512 KiB
    /// (PAYLOAD_TOO_LARGE beyond); it is kept in the file store.
    async fn upload_hr_document(
        &self,
        ctx: &Context<'_>,
        input: UploadHrDocumentInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<HrDocument> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let content =
            resolvers::hr::vault::decode_inline(&input.content_base64, "contentBase64").gql()?;
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let domain = resolvers::hr::vault::UploadDocumentInput {
            owner_id: decode_opt(input.owner_id, Kind::User, "ownerId")?,
            title: input.title,
            category: input.category,
            file_name: input.file_name,
            mime_type: input.mime_type,
            content,
        };
        let id = once(c, None, "uploadHrDocument", &fingerprint, || async {
            resolvers::hr::vault::upload_document(c, domain)
                .await
                .map(|d| d.document.id)
        })
        .await
        .gql()?;
        Ok(HrDocument(
            resolvers::hr::vault::get_document(c, id).await.gql()?,
        ))
    }
    /// Share a document with members, optionally until `expiresAt` (its owner or HR).
    async fn share_hr_document(
        &self,
        ctx: &Context<'_>,
        id: ID,
        user_ids: Vec<ID>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<HrDocument> {
        let id = ids::decode(&id, Kind::HrDocument, "id")?;
        let user_ids = ids::decode_all(&user_ids, Kind::User, "userIds")?;
        Ok(HrDocument(
            resolvers::hr::vault::share_document(rctx(ctx)?, id, &user_ids, expires_at)
                .await
                .gql()?,
        ))
    }
    /// Stop sharing a document with a member (its owner or HR).
    async fn unshare_hr_document(
        &self,
        ctx: &Context<'_>,
        id: ID,
        user_id: ID,
    ) -> Result<HrDocument> {
        let id = ids::decode(&id, Kind::HrDocument, "id")?;
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        Ok(HrDocument(
            resolvers::hr::vault::unshare_document(rctx(ctx)?, id, user_id)
                .await
                .gql()?,
        ))
    }
    /// Delete a document and erase its bytes (its uploader or HR). Returns its id.
    async fn delete_hr_document(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = ids::decode(&id, Kind::HrDocument, "id")?;
        let id = resolvers::hr::vault::delete_document(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(ids::encode(Kind::HrDocument, id))
    }
    /// A signed link to a document's bytes, valid 60 seconds, for a document you may
    /// see (owner, shared with you, HR). Each download through it is audited.
    async fn hr_document_download_url(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<HrDocumentDownload> {
        let id = ids::decode(&id, Kind::HrDocument, "id")?;
        let link = resolvers::hr::vault::download_url(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(HrDocumentDownload {
            url: link.url,
            expires_at: link.expires_at,
        })
    }
}

// ---------------------------------------------------------------------------------
// Subscriptions

/// What happened to an attendance entry.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AttendanceChangeKind {
    /// The member clocked in.
    ClockedIn,
    /// The member clocked out, or HR closed the entry.
    ClockedOut,
}

/// An attendance change.
#[derive(SimpleObject)]
pub struct AttendanceChange {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// What happened.
    pub change: AttendanceChangeKind,
    /// The entry after the change.
    pub entry: AttendanceEntry,
}

/// What happened to a leave request.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LeaveRequestChangeKind {
    /// Filed.
    Requested,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// Cancelled by the requester.
    Cancelled,
}

/// A leave request change.
#[derive(SimpleObject)]
pub struct LeaveRequestChange {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// What happened.
    pub change: LeaveRequestChangeKind,
    /// The request after the change.
    pub request: LeaveRequest,
}

/// HR events about members the subscriber may see (themselves; their reports as
/// department manager; everyone as HR), optionally of one member.
fn member_events(feed: Feed, only_user: Option<i64>) -> impl Stream<Item = Result<Arc<Event>>> {
    stream::unfold(Some(feed), move |state| async move {
        let mut feed = state?;
        loop {
            let ev = match feed.next().await {
                Ok(Some(ev)) => ev,
                Ok(None) => return None,
                Err(e) => return Some((Err(to_gql(e)), None)),
            };
            let EventKind::Hr { event } = &ev.kind else {
                continue;
            };
            let Some(member) = event.member_id() else {
                continue;
            };
            if only_user.is_some_and(|u| u != member) {
                continue;
            }
            match resolvers::hr::can_see_member(feed.ctx(), member).await {
                Ok(true) => return Some((Ok(ev), Some(feed))),
                Ok(false) => continue,
                Err(e) => return Some((Err(to_gql(e)), None)),
            }
        }
    })
}

async fn start_member_feed(
    ctx: &Context<'_>,
    user_id: Option<ID>,
    after: Option<String>,
) -> Result<(Feed, Option<i64>)> {
    let after = after
        .map(|a| resolvers::events::decode_event_cursor(&a, "after"))
        .transpose()
        .gql()?;
    let rc = rctx(ctx)?.clone();
    rc.require(Scope::HrRead).gql()?;
    let only = decode_opt(user_id, Kind::User, "userId")?;
    if let Some(id) = only
        && !resolvers::hr::can_see_member(&rc, id).await.gql()?
    {
        return Err(to_gql(resolvers::Error::NotFound("user")));
    }
    Ok((Feed::start(rc, after).await.gql()?, only))
}

/// HR subscriptions.
#[derive(Default)]
pub struct HrSubscription;

#[Subscription]
impl HrSubscription {
    /// Clock-ins and clock-outs of members you may see (yourself; your department's
    /// members as their manager; everyone as HR), optionally of one member.
    async fn attendance_changed(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<AttendanceChange>>> {
        let (feed, only) = start_member_feed(ctx, user_id, after).await?;
        Ok(member_events(feed, only).filter_map(|ev| async move {
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => return Some(Err(e)),
            };
            let (change, entry) = match &ev.kind {
                EventKind::Hr {
                    event: HrEvent::ClockedIn { entry },
                } => (AttendanceChangeKind::ClockedIn, entry),
                EventKind::Hr {
                    event: HrEvent::ClockedOut { entry },
                } => (AttendanceChangeKind::ClockedOut, entry),
                _ => return None,
            };
            Some(Ok(AttendanceChange {
                event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                change,
                entry: AttendanceEntry(entry.clone()),
            }))
        }))
    }

    /// Leave requests filed, decided or cancelled, of members you may see, optionally
    /// of one member.
    async fn leave_request_changed(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<LeaveRequestChange>>> {
        let (feed, only) = start_member_feed(ctx, user_id, after).await?;
        Ok(member_events(feed, only).filter_map(|ev| async move {
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => return Some(Err(e)),
            };
            let EventKind::Hr { event } = &ev.kind else {
                return None;
            };
            let (change, request) = match event {
                HrEvent::LeaveRequested { request } => (LeaveRequestChangeKind::Requested, request),
                HrEvent::LeaveApproved { request } => (LeaveRequestChangeKind::Approved, request),
                HrEvent::LeaveRejected { request } => (LeaveRequestChangeKind::Rejected, request),
                HrEvent::LeaveCancelled { request } => (LeaveRequestChangeKind::Cancelled, request),
                _ => return None,
            };
            Some(Ok(LeaveRequestChange {
                event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                change,
                request: LeaveRequest(request.clone()),
            }))
        }))
    }
}
