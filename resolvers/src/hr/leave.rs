//! Leave: types with yearly allowances, balances per member and year, requests (with
//! half days) that may neither overlap another pending or approved request nor exceed
//! the balance, decisions by the member's department manager or HR, and cancellation
//! by the requester. Filing a request sends its approver a direct message with Approve
//! and Reject buttons (`sb:leave:approve:<id>`, `sb:leave:reject:<id>`).
//!
//! Days are working days (Monday to Friday); amounts are kept in half days so half-day
//! arithmetic is exact. A request lies within one calendar year (the balance's year).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use entities::{hr_leave_balances, hr_leave_requests, hr_leave_types, users};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{HrEvent, is_hr_admin, manages, me, require_hr};
use crate::auth::{Scope, Scopes};
use crate::error::OnConstraint;
use crate::events::{EventKind, record};
use crate::pagination::{Page, PageArgs};
use crate::people::role_of;
use crate::{Ctx, Error, Result};

/// The state of a leave request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeaveStatus {
    /// Waiting for a decision.
    Pending,
    /// Granted; the balance is used.
    Approved,
    /// Refused.
    Rejected,
    /// Withdrawn by the requester.
    Cancelled,
}

impl LeaveStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "pending",
            LeaveStatus::Approved => "approved",
            LeaveStatus::Rejected => "rejected",
            LeaveStatus::Cancelled => "cancelled",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(LeaveStatus::Pending),
            "approved" => Ok(LeaveStatus::Approved),
            "rejected" => Ok(LeaveStatus::Rejected),
            "cancelled" => Ok(LeaveStatus::Cancelled),
            other => Err(Error::invalid(
                "status",
                format!("unknown status `{other}`"),
            )),
        }
    }
}

/// Half days → days.
pub fn days(half_days: i32) -> f64 {
    f64::from(half_days) / 2.0
}

/// Days → half days; only whole and half days, 0–366.
fn half_days_of(days: f64, field: &str) -> Result<i32> {
    let doubled = days * 2.0;
    if !days.is_finite() || !(0.0..=366.0).contains(&days) || doubled.fract() != 0.0 {
        return Err(Error::invalid(
            field,
            "must be a whole or half number of days between 0 and 366",
        ));
    }
    // In 0..=732 by the check above.
    Ok(doubled as i32)
}

// ---------------------------------------------------------------------------------
// Leave types and allowances

/// Input of [`create_leave_type`].
#[derive(Clone, Debug, Default)]
pub struct LeaveTypeInput {
    /// 1–100 characters, unique in the workspace.
    pub name: String,
    /// Yearly allowance in days (whole or half).
    pub allowance_days: f64,
}

/// Create a leave type (HR administrators).
pub async fn create_leave_type(ctx: &Ctx, input: LeaveTypeInput) -> Result<hr_leave_types::Model> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let name = super::required_text(&input.name, "name", 100)?;
    let allowance = half_days_of(input.allowance_days, "allowanceDays")?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let row = hr_leave_types::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        name: Set(name),
        allowance_half_days: Set(allowance),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_unique("name", "a leave type with this name already exists")?;
    let event = HrEvent::LeaveTypeChanged {
        leave_type_id: row.id,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(row)
}

/// Rename a leave type or change its default allowance (HR administrators). Balances
/// already created keep their allowance.
pub async fn update_leave_type(
    ctx: &Ctx,
    id: i64,
    name: Option<String>,
    allowance_days: Option<f64>,
) -> Result<hr_leave_types::Model> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let row = find_type(&ctx.db, ctx, id, "id").await?;
    let mut am: hr_leave_types::ActiveModel = row.into();
    if let Some(name) = name {
        am.name = Set(super::required_text(&name, "name", 100)?);
    }
    if let Some(days) = allowance_days {
        am.allowance_half_days = Set(half_days_of(days, "allowanceDays")?);
    }
    am.updated_at = Set(Utc::now());
    let txn = ctx.write().await?;
    let row = am
        .update(&txn)
        .await
        .on_unique("name", "a leave type with this name already exists")?;
    let event = HrEvent::LeaveTypeChanged {
        leave_type_id: row.id,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    Ok(row)
}

/// The workspace's leave types, by name.
pub async fn list_leave_types(ctx: &Ctx) -> Result<Vec<hr_leave_types::Model>> {
    ctx.require(Scope::HrRead)?;
    Ok(hr_leave_types::Entity::find()
        .filter(hr_leave_types::Column::WorkspaceId.eq(ctx.workspace_id()))
        .order_by_asc(hr_leave_types::Column::Name)
        .all(&ctx.db)
        .await?)
}

/// Leave types by id within one workspace (a batch).
pub async fn leave_types_by_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, hr_leave_types::Model>> {
    let rows = hr_leave_types::Entity::find()
        .filter(hr_leave_types::Column::WorkspaceId.eq(workspace_id))
        .filter(hr_leave_types::Column::Id.is_in(crate::sql::distinct(ids)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

async fn find_type<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    id: i64,
    field: &str,
) -> Result<hr_leave_types::Model> {
    hr_leave_types::Entity::find_by_id(id)
        .filter(hr_leave_types::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(db)
        .await?
        .ok_or_else(|| {
            if field == "id" {
                Error::NotFound("leave type")
            } else {
                Error::invalid(field, "no such leave type")
            }
        })
}

/// The balance row of (member, type, year), created from the type's allowance on first use.
async fn balance_row<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    user_id: i64,
    leave_type: &hr_leave_types::Model,
    year: i32,
) -> Result<hr_leave_balances::Model> {
    hr_leave_balances::Entity::insert(hr_leave_balances::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        user_id: Set(user_id),
        leave_type_id: Set(leave_type.id),
        year: Set(year),
        allowance_half_days: Set(leave_type.allowance_half_days),
        used_half_days: Set(0),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            hr_leave_balances::Column::UserId,
            hr_leave_balances::Column::LeaveTypeId,
            hr_leave_balances::Column::Year,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    hr_leave_balances::Entity::find()
        .filter(hr_leave_balances::Column::UserId.eq(user_id))
        .filter(hr_leave_balances::Column::LeaveTypeId.eq(leave_type.id))
        .filter(hr_leave_balances::Column::Year.eq(year))
        .one(txn)
        .await?
        .ok_or(Error::NotFound("leave balance"))
}

/// Set a member's allowance of one leave type for one year (HR administrators).
pub async fn set_leave_allowance(
    ctx: &Ctx,
    user_id: i64,
    leave_type_id: i64,
    year: i32,
    allowance_days: f64,
) -> Result<LeaveBalance> {
    ctx.require(Scope::HrWrite)?;
    require_hr(ctx).await?;
    let allowance = half_days_of(allowance_days, "allowanceDays")?;
    validate_year(year)?;
    let member = super::member(&ctx.db, ctx, user_id, "userId").await?;
    let leave_type = find_type(&ctx.db, ctx, leave_type_id, "leaveTypeId").await?;
    let txn = ctx.write().await?;
    let row = balance_row(&txn, ctx, member.id, &leave_type, year).await?;
    let mut am: hr_leave_balances::ActiveModel = row.into();
    am.allowance_half_days = Set(allowance);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    let event = HrEvent::LeaveBalanceChanged {
        user_id: member.id,
        leave_type_id,
        year,
    };
    ctx.commit_one(txn, EventKind::Hr { event }).await?;
    let mut all = balances_of(ctx, member.id, year).await?;
    all.retain(|b| b.leave_type.id == leave_type_id);
    all.pop().ok_or(Error::NotFound("leave balance"))
}

fn validate_year(year: i32) -> Result<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(Error::invalid("year", "must be between 2000 and 2100"))
    }
}

/// A member's balance of one leave type for one year.
#[derive(Clone, Debug)]
pub struct LeaveBalance {
    /// The member.
    pub user_id: i64,
    /// The type.
    pub leave_type: hr_leave_types::Model,
    /// The year.
    pub year: i32,
    /// Allowance, in half days.
    pub allowance_half_days: i32,
    /// Taken by approved requests, in half days.
    pub used_half_days: i32,
    /// Held by pending requests, in half days.
    pub pending_half_days: i32,
}

impl LeaveBalance {
    /// What a new request may still take, in half days.
    pub fn remaining_half_days(&self) -> i32 {
        self.allowance_half_days - self.used_half_days - self.pending_half_days
    }
}

async fn pending_half_days<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    user_id: i64,
    year: i32,
) -> Result<HashMap<i64, i32>> {
    let (Some(lo), Some(hi)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(Error::invalid("year", "out of range"));
    };
    let rows = hr_leave_requests::Entity::find()
        .filter(hr_leave_requests::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_leave_requests::Column::UserId.eq(user_id))
        .filter(hr_leave_requests::Column::Status.eq(LeaveStatus::Pending.as_str()))
        .filter(hr_leave_requests::Column::StartDate.gte(lo))
        .filter(hr_leave_requests::Column::StartDate.lte(hi))
        .all(db)
        .await?;
    let mut out: HashMap<i64, i32> = HashMap::new();
    for r in rows {
        *out.entry(r.leave_type_id).or_default() += r.half_days;
    }
    Ok(out)
}

async fn balances_of(ctx: &Ctx, user_id: i64, year: i32) -> Result<Vec<LeaveBalance>> {
    let types = list_leave_types(ctx).await?;
    let rows: HashMap<i64, hr_leave_balances::Model> = hr_leave_balances::Entity::find()
        .filter(hr_leave_balances::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_leave_balances::Column::UserId.eq(user_id))
        .filter(hr_leave_balances::Column::Year.eq(year))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|b| (b.leave_type_id, b))
        .collect();
    let pending = pending_half_days(&ctx.db, ctx, user_id, year).await?;
    Ok(types
        .into_iter()
        .map(|t| {
            let row = rows.get(&t.id);
            LeaveBalance {
                user_id,
                year,
                allowance_half_days: row.map_or(t.allowance_half_days, |r| r.allowance_half_days),
                used_half_days: row.map_or(0, |r| r.used_half_days),
                pending_half_days: pending.get(&t.id).copied().unwrap_or(0),
                leave_type: t,
            }
        })
        .collect())
}

/// A member's balances for a year (default: this year), one per leave type. The
/// caller's own by default; another member's for their manager or HR.
pub async fn leave_balances(
    ctx: &Ctx,
    user_id: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<LeaveBalance>> {
    ctx.require(Scope::HrRead)?;
    let year = year.unwrap_or_else(|| Utc::now().year());
    validate_year(year)?;
    let member = super::subject_member(ctx, user_id).await?;
    balances_of(ctx, member.id, year).await
}

// ---------------------------------------------------------------------------------
// Requests

/// Working half days from `start` to `end` (inclusive), Monday to Friday.
pub fn count_half_days(start: NaiveDate, end: NaiveDate, start_half: bool, end_half: bool) -> i32 {
    let working = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut total = 0;
    let mut day = start;
    while day <= end {
        if working(day) {
            total += 2;
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    if start == end {
        if (start_half || end_half) && working(start) {
            total -= 1;
        }
        return total;
    }
    if start_half && working(start) {
        total -= 1;
    }
    if end_half && working(end) {
        total -= 1;
    }
    total
}

/// Input of [`create_leave_request`].
#[derive(Clone, Debug)]
pub struct CreateLeaveRequestInput {
    /// The leave type.
    pub leave_type_id: i64,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day (inclusive, same year).
    pub end_date: NaiveDate,
    /// The first day is a half day.
    pub start_half_day: bool,
    /// The last day is a half day.
    pub end_half_day: bool,
    /// Up to 2,000 characters.
    pub reason: String,
}

/// The person asked to decide a member's requests: their department's manager, else an
/// HR administrator (flagged HR admins first, then owners and admins), never the
/// member themselves.
async fn approver_for<C: ConnectionTrait>(db: &C, member: &users::Model) -> Result<Option<i64>> {
    if let Some(dep) = member.department_id
        && let Some(d) = entities::departments::Entity::find_by_id(dep)
            .one(db)
            .await?
        && let Some(manager) = d.manager_id
        && manager != member.id
        && crate::people::find_user(db, member.workspace_id, manager)
            .await?
            .is_some_and(|m| !m.suspended)
    {
        return Ok(Some(manager));
    }
    let candidates = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(member.workspace_id))
        .filter(users::Column::Id.ne(member.id))
        .filter(users::Column::IsBot.eq(false))
        .filter(users::Column::Suspended.eq(false))
        .filter(
            Condition::any()
                .add(users::Column::HrAdmin.eq(true))
                .add(users::Column::Role.is_in(["owner", "admin"])),
        )
        .order_by_desc(users::Column::HrAdmin)
        .order_by_asc(users::Column::Id)
        .limit(1)
        .one(db)
        .await?;
    Ok(candidates.map(|u| u.id))
}

/// File a leave request for the caller. Refused when it overlaps one of their pending
/// or approved requests (LEAVE_OVERLAP) or exceeds what remains of the balance
/// (INSUFFICIENT_LEAVE_BALANCE). Its approver then gets a direct message with Approve
/// and Reject buttons.
pub async fn create_leave_request(
    ctx: &Ctx,
    input: CreateLeaveRequestInput,
) -> Result<hr_leave_requests::Model> {
    ctx.require(Scope::HrWrite)?;
    if input.end_date < input.start_date {
        return Err(Error::invalid("endDate", "must not be before startDate"));
    }
    if input.end_date.year() != input.start_date.year() {
        return Err(Error::invalid(
            "endDate",
            "a request lies within one calendar year; file one per year",
        ));
    }
    let year = input.start_date.year();
    validate_year(year)
        .map_err(|_| Error::invalid("startDate", "must be between 2000 and 2100"))?;
    let reason = super::short_text(&input.reason, "reason", 2000)?;
    let half_days = count_half_days(
        input.start_date,
        input.end_date,
        input.start_half_day,
        input.end_half_day,
    );
    if half_days <= 0 {
        return Err(Error::invalid("endDate", "the period holds no working day"));
    }
    let leave_type = find_type(&ctx.db, ctx, input.leave_type_id, "leaveTypeId").await?;
    let txn = ctx.write().await?;
    super::lock_member(&txn, ctx.user_id()).await?;
    let requester = me(&txn, ctx).await?;
    if let Some(other) = overlapping(
        &txn,
        ctx,
        ctx.user_id(),
        input.start_date,
        input.end_date,
        None,
    )
    .await?
    {
        return Err(Error::rule(
            "LEAVE_OVERLAP",
            "startDate",
            format!(
                "overlaps your {} request {} ({} – {})",
                other.status, other.id, other.start_date, other.end_date
            ),
        ));
    }
    let balance = balance_row(&txn, ctx, ctx.user_id(), &leave_type, year).await?;
    let pending = pending_half_days(&txn, ctx, ctx.user_id(), year)
        .await?
        .get(&leave_type.id)
        .copied()
        .unwrap_or(0);
    let remaining = balance.allowance_half_days - balance.used_half_days - pending;
    if half_days > remaining {
        return Err(Error::rule(
            "INSUFFICIENT_LEAVE_BALANCE",
            "endDate",
            format!(
                "the request takes {} day(s) of {} but only {} remain in {year}",
                days(half_days),
                leave_type.name,
                days(Ord::max(remaining, 0))
            ),
        ));
    }
    let approver = approver_for(&txn, &requester).await?;
    let now = Utc::now();
    let request = hr_leave_requests::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        user_id: Set(ctx.user_id()),
        leave_type_id: Set(leave_type.id),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        start_half_day: Set(input.start_half_day),
        end_half_day: Set(input.end_half_day),
        half_days: Set(half_days),
        reason: Set(reason),
        status: Set(LeaveStatus::Pending.as_str().to_owned()),
        approver_id: Set(approver),
        decided_by_id: Set(None),
        decided_at: Set(None),
        decision_comment: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = EventKind::Hr {
        event: HrEvent::LeaveRequested {
            request: request.clone(),
        },
    };
    ctx.commit_one(txn, event).await?;
    // The request stands if the message fails; the approver still finds it in their list.
    if let Some(approver) = approver
        && let Err(e) = notify_approver(ctx, &requester, &leave_type, &request, approver).await
    {
        tracing::warn!(error = %e, request = request.id, "leave request: approver message not sent");
    }
    Ok(request)
}

/// The button data of a leave decision.
pub fn button_data(approve: bool, request_id: i64) -> String {
    let verb = if approve { "approve" } else { "reject" };
    format!("sb:leave:{verb}:{request_id}")
}

/// Perform a leave button (`approve:<id>` or `reject:<id>`, after `sb:leave:`) as the
/// clicking user: the usual decision rules apply to them.
pub async fn perform_button(ctx: &Ctx, action: &str) -> Result<()> {
    let bad = || Error::invalid("data", format!("unknown leave action `{action}`"));
    let (verb, id) = action.split_once(':').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let approve = match verb {
        "approve" => true,
        "reject" => false,
        _ => return Err(bad()),
    };
    decide_leave_request(ctx, id, approve, None).await?;
    Ok(())
}

/// Post the approval request into the direct chat of the requester and the approver.
async fn notify_approver(
    ctx: &Ctx,
    requester: &users::Model,
    leave_type: &hr_leave_types::Model,
    request: &hr_leave_requests::Model,
    approver_id: i64,
) -> Result<()> {
    // The message is Switchboard's doing, not the credential's: post it with every
    // scope the requester's role allows, whatever the token was narrowed to.
    let mut dm = ctx.clone();
    dm.principal.scopes = Scopes::for_role(role_of(requester)?, requester.is_bot);
    let halves = |flag: bool| if flag { " (half day)" } else { "" };
    let mut content = format!(
        "Leave request: {} asks for {} day(s) of {} from {}{} to {}{}.",
        crate::people::display_name(requester),
        days(request.half_days),
        leave_type.name,
        request.start_date,
        halves(request.start_half_day),
        request.end_date,
        halves(request.end_half_day),
    );
    if !request.reason.is_empty() {
        content.push_str(&format!("\nReason: {}", request.reason));
    }
    let buttons = json!([[
        { "text": "Approve", "data": button_data(true, request.id) },
        { "text": "Reject", "data": button_data(false, request.id) },
    ]]);
    let input = crate::messages::SendMessageInput {
        content,
        metadata: Some(json!({ "hr": { "leaveRequestId": request.id } })),
        buttons: Some(buttons),
        ..Default::default()
    };
    crate::messages::send_direct_message(&dm, approver_id, input).await?;
    Ok(())
}

/// The first pending or approved request of `user_id` sharing a day with the period.
pub(crate) async fn overlapping<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    user_id: i64,
    start: NaiveDate,
    end: NaiveDate,
    only_approved: Option<bool>,
) -> Result<Option<hr_leave_requests::Model>> {
    let statuses: Vec<&str> = if only_approved == Some(true) {
        vec![LeaveStatus::Approved.as_str()]
    } else {
        vec![
            LeaveStatus::Pending.as_str(),
            LeaveStatus::Approved.as_str(),
        ]
    };
    Ok(hr_leave_requests::Entity::find()
        .filter(hr_leave_requests::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_leave_requests::Column::UserId.eq(user_id))
        .filter(hr_leave_requests::Column::Status.is_in(statuses))
        .filter(hr_leave_requests::Column::StartDate.lte(end))
        .filter(hr_leave_requests::Column::EndDate.gte(start))
        .order_by_asc(hr_leave_requests::Column::StartDate)
        .one(db)
        .await?)
}

async fn find_request<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    id: i64,
) -> Result<hr_leave_requests::Model> {
    hr_leave_requests::Entity::find_by_id(id)
        .filter(hr_leave_requests::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("leave request"))
}

/// One leave request: the requester's own, or as their manager or HR.
pub async fn get_leave_request(ctx: &Ctx, id: i64) -> Result<hr_leave_requests::Model> {
    ctx.require(Scope::HrRead)?;
    let request = find_request(&ctx.db, ctx, id).await?;
    if super::can_see_member(ctx, request.user_id).await? {
        Ok(request)
    } else {
        Err(Error::NotFound("leave request"))
    }
}

/// Approve (`approve`) or reject a pending request, as the requester's department
/// manager or HR — never one's own (FORBIDDEN). Not pending → INVALID_STATE. Approval
/// moves the days into the balance's `used`.
pub async fn decide_leave_request(
    ctx: &Ctx,
    id: i64,
    approve: bool,
    comment: Option<String>,
) -> Result<hr_leave_requests::Model> {
    ctx.require(Scope::HrWrite)?;
    let comment = comment
        .map(|c| super::short_text(&c, "comment", 2000))
        .transpose()?
        .filter(|c| !c.is_empty());
    let txn = ctx.write().await?;
    let request = find_request(&txn, ctx, id).await?;
    super::lock_member(&txn, request.user_id).await?;
    let request = find_request(&txn, ctx, id).await?;
    let decider = me(&txn, ctx).await?;
    let requester = crate::people::find_user(&txn, ctx.workspace_id(), request.user_id)
        .await?
        .ok_or(Error::NotFound("leave request"))?;
    let may = manages(&txn, &decider, &requester).await?;
    if !may && requester.id != decider.id {
        return Err(Error::NotFound("leave request"));
    }
    if requester.id == decider.id {
        return Err(Error::Forbidden(
            "you cannot decide your own leave request".into(),
        ));
    }
    if LeaveStatus::parse(&request.status)? != LeaveStatus::Pending {
        return Err(Error::rule(
            "INVALID_STATE",
            "id",
            format!("the request is {}, not pending", request.status),
        ));
    }
    let now = Utc::now();
    if approve {
        let leave_type = find_type(&txn, ctx, request.leave_type_id, "leaveTypeId").await?;
        let balance = balance_row(
            &txn,
            ctx,
            request.user_id,
            &leave_type,
            request.start_date.year(),
        )
        .await?;
        hr_leave_balances::Entity::update_many()
            .col_expr(
                hr_leave_balances::Column::UsedHalfDays,
                Expr::col(hr_leave_balances::Column::UsedHalfDays).add(request.half_days),
            )
            .col_expr(hr_leave_balances::Column::UpdatedAt, Expr::value(now))
            .filter(hr_leave_balances::Column::Id.eq(balance.id))
            .exec(&txn)
            .await?;
    }
    let status = if approve {
        LeaveStatus::Approved
    } else {
        LeaveStatus::Rejected
    };
    let mut am: hr_leave_requests::ActiveModel = request.into();
    am.status = Set(status.as_str().to_owned());
    am.decided_by_id = Set(Some(decider.id));
    am.decided_at = Set(Some(now));
    am.decision_comment = Set(comment);
    am.updated_at = Set(now);
    let request = am.update(&txn).await?;
    let event = if approve {
        HrEvent::LeaveApproved {
            request: request.clone(),
        }
    } else {
        HrEvent::LeaveRejected {
            request: request.clone(),
        }
    };
    let summary =
        json!({ "before": { "status": "pending" }, "after": { "status": status.as_str() } });
    let event = record(&txn, ctx, EventKind::Hr { event }, Some(summary)).await?;
    ctx.commit(txn, [event]).await?;
    Ok(request)
}

/// Cancel one's own request: while pending, or approved and not yet started (the days
/// return to the balance); otherwise INVALID_STATE. Only the requester (FORBIDDEN for
/// their manager or HR; NOT_FOUND for anyone else).
pub async fn cancel_leave_request(ctx: &Ctx, id: i64) -> Result<hr_leave_requests::Model> {
    ctx.require(Scope::HrWrite)?;
    let txn = ctx.write().await?;
    super::lock_member(&txn, ctx.user_id()).await?;
    let request = find_request(&txn, ctx, id).await?;
    if request.user_id != ctx.user_id() {
        let decider = me(&txn, ctx).await?;
        let visible =
            match crate::people::find_user(&txn, ctx.workspace_id(), request.user_id).await? {
                Some(requester) => manages(&txn, &decider, &requester).await?,
                None => false,
            };
        return Err(if visible {
            Error::Forbidden("only the requester can cancel a leave request".into())
        } else {
            Error::NotFound("leave request")
        });
    }
    let status = LeaveStatus::parse(&request.status)?;
    let today = Utc::now().date_naive();
    match status {
        LeaveStatus::Pending => {}
        LeaveStatus::Approved if request.start_date > today => {
            hr_leave_balances::Entity::update_many()
                .col_expr(
                    hr_leave_balances::Column::UsedHalfDays,
                    Expr::col(hr_leave_balances::Column::UsedHalfDays).sub(request.half_days),
                )
                .filter(hr_leave_balances::Column::UserId.eq(request.user_id))
                .filter(hr_leave_balances::Column::LeaveTypeId.eq(request.leave_type_id))
                .filter(hr_leave_balances::Column::Year.eq(request.start_date.year()))
                .exec(&txn)
                .await?;
        }
        _ => {
            return Err(Error::rule(
                "INVALID_STATE",
                "id",
                format!(
                    "a {} request {}cannot be cancelled",
                    request.status,
                    if status == LeaveStatus::Approved {
                        "that has started "
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    let before = request.status.clone();
    let mut am: hr_leave_requests::ActiveModel = request.into();
    am.status = Set(LeaveStatus::Cancelled.as_str().to_owned());
    am.updated_at = Set(Utc::now());
    let request = am.update(&txn).await?;
    let summary = json!({ "before": { "status": before }, "after": { "status": "cancelled" } });
    let event = record(
        &txn,
        ctx,
        EventKind::Hr {
            event: HrEvent::LeaveCancelled {
                request: request.clone(),
            },
        },
        Some(summary),
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(request)
}

/// Filters of [`list_leave_requests`].
#[derive(Clone, Debug, Default)]
pub struct LeaveRequestFilter {
    /// Whose requests (default: the caller's; another member's for their manager or HR).
    pub user_id: Option<i64>,
    /// Instead of one member's: the pending requests the caller may decide.
    pub awaiting_my_decision: bool,
    /// Only in this state.
    pub status: Option<LeaveStatus>,
    /// Only requests ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Only requests starting on or before this day.
    pub to: Option<NaiveDate>,
}

/// Leave requests, newest first.
pub async fn list_leave_requests(
    ctx: &Ctx,
    filter: LeaveRequestFilter,
    page: PageArgs,
) -> Result<Page<hr_leave_requests::Model>> {
    ctx.require(Scope::HrRead)?;
    let mut q = hr_leave_requests::Entity::find()
        .filter(hr_leave_requests::Column::WorkspaceId.eq(ctx.workspace_id()));
    if filter.awaiting_my_decision {
        let me = me(&ctx.db, ctx).await?;
        q = q
            .filter(hr_leave_requests::Column::Status.eq(LeaveStatus::Pending.as_str()))
            .filter(hr_leave_requests::Column::UserId.ne(me.id));
        if !is_hr_admin(&me) {
            let deps: Vec<i64> = entities::departments::Entity::find()
                .filter(entities::departments::Column::WorkspaceId.eq(ctx.workspace_id()))
                .filter(entities::departments::Column::ManagerId.eq(me.id))
                .all(&ctx.db)
                .await?
                .into_iter()
                .map(|d| d.id)
                .collect();
            let reports: Vec<i64> = users::Entity::find()
                .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
                .filter(users::Column::DepartmentId.is_in(crate::sql::distinct(&deps)))
                .all(&ctx.db)
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect();
            q = q.filter(hr_leave_requests::Column::UserId.is_in(reports));
        }
    } else {
        let member = super::subject_member(ctx, filter.user_id).await?;
        q = q.filter(hr_leave_requests::Column::UserId.eq(member.id));
    }
    if let Some(status) = filter.status {
        q = q.filter(hr_leave_requests::Column::Status.eq(status.as_str()));
    }
    if let Some(from) = filter.from {
        q = q.filter(hr_leave_requests::Column::EndDate.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(hr_leave_requests::Column::StartDate.lte(to));
    }
    if let Some(after) = page.after {
        q = q.filter(hr_leave_requests::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(hr_leave_requests::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

/// Approved leave of `user_id` sharing a day with `start..=end` (for roster conflicts).
pub(crate) async fn approved_leave_between<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    user_ids: &[i64],
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<hr_leave_requests::Model>> {
    Ok(hr_leave_requests::Entity::find()
        .filter(hr_leave_requests::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(hr_leave_requests::Column::UserId.is_in(crate::sql::distinct(user_ids)))
        .filter(hr_leave_requests::Column::Status.eq(LeaveStatus::Approved.as_str()))
        .filter(hr_leave_requests::Column::StartDate.lte(end))
        .filter(hr_leave_requests::Column::EndDate.gte(start))
        .order_by_asc(hr_leave_requests::Column::StartDate)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn working_half_days() {
        // Mon 2030-03-04 … Fri 2030-03-08: five days.
        assert_eq!(
            count_half_days(d("2030-03-04"), d("2030-03-08"), false, false),
            10
        );
        // Over a weekend: Fri … Mon is two days.
        assert_eq!(
            count_half_days(d("2030-03-08"), d("2030-03-11"), false, false),
            4
        );
        // Half days at both ends.
        assert_eq!(
            count_half_days(d("2030-03-04"), d("2030-03-08"), true, true),
            8
        );
        // One half day.
        assert_eq!(
            count_half_days(d("2030-03-04"), d("2030-03-04"), true, false),
            1
        );
        assert_eq!(
            count_half_days(d("2030-03-04"), d("2030-03-04"), true, true),
            1
        );
        // A weekend only.
        assert_eq!(
            count_half_days(d("2030-03-09"), d("2030-03-10"), false, false),
            0
        );
    }

    #[test]
    fn allowances_are_half_day_multiples() {
        assert_eq!(half_days_of(12.5, "x").ok(), Some(25));
        assert!(half_days_of(1.25, "x").is_err());
        assert!(half_days_of(-1.0, "x").is_err());
        assert!(half_days_of(f64::NAN, "x").is_err());
    }
}
