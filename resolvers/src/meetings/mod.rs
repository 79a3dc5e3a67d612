//! Meetings ("Pulse"): scheduling, RSVPs, the per-user iCalendar feed, calls with
//! media-server join tokens, transcripts and meeting notes.
//!
//! Who sees a meeting: its organiser, its attendees, the readers of its chat (per
//! `chats::access`) and the workspace's admins. Anyone else — and anyone of another
//! workspace — gets "meeting not found". Only the organiser and admins change or cancel
//! it; only attendees answer it. A call belongs to a meeting or to a chat and is seen by
//! whoever sees that (and by its participants).
//!
//! Layout: this file holds the meeting operations and the visibility rule;
//! [`calendar`] the feed, [`calls`] calls and join tokens, [`transcripts`] segments and
//! their search, [`notes`] notes with revisions.

pub mod calendar;
pub mod calls;
pub mod notes;
pub mod transcripts;

pub use calendar::{
    CalendarFeed, FEED_DAYS_AHEAD, FEED_DAYS_BACK, calendar_feed_events, disable_calendar_feed,
    get_calendar_feed, meeting_calendar, rotate_calendar_feed,
};
pub use calls::{
    CallJoin, CallTarget, CallView, DEV_API_KEY, DEV_API_SECRET, JoinClaims, LiveKitConfig,
    StartCallInput, VideoGrant, can_see_call_id, end_call, get_call, join_call, leave_call,
    running_call_id, start_call,
};
pub use notes::{
    create_meeting_note, delete_meeting_note, get_meeting_note, list_meeting_notes,
    list_note_revisions, update_meeting_note,
};
pub use transcripts::{
    SegmentInput, Transcript, append_transcript_segments, call_transcript, meeting_transcripts,
};

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use entities::{chat_members, chats, meeting_attendees, meetings};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;
use crate::chats::ChatKind;
use crate::ctx::Principal;
use crate::events::{EventKind, record};
use crate::pagination::{Page, PageArgs};
use crate::people::Role;
use crate::{Ctx, Error, Result};

/// Longest meeting.
pub const MAX_DURATION_HOURS: i64 = 24;
/// Most attendees of one meeting.
pub const MAX_ATTENDEES: usize = 200;
/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest agenda, in characters.
pub const MAX_AGENDA: usize = 10_000;
/// Longest location, in characters.
pub const MAX_LOCATION: usize = 500;
/// Longest RSVP comment, in characters.
pub const MAX_COMMENT: usize = 500;
/// Widest `meetings` window.
pub const MAX_RANGE_DAYS: i64 = 400;
/// The default `meetings` window.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

macro_rules! spelled {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $s:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($s => Ok($name::$variant),)*
                    other => Err(Error::invalid($field, format!("unknown value `{other}`"))),
                }
            }
        }
    };
}

spelled!(
    /// What a meeting or call carries.
    Media, "media" {
        /// Voice only.
        Audio => "audio",
        /// Voice and video.
        Video => "video",
    }
);

spelled!(
    /// Whether a meeting still takes place.
    MeetingStatus, "status" {
        /// Planned.
        Scheduled => "scheduled",
        /// Called off (kept, and shown as cancelled in calendars).
        Cancelled => "cancelled",
    }
);

spelled!(
    /// An attendee's answer.
    Rsvp, "response" {
        /// Not answered yet (and after every time change).
        Pending => "pending",
        /// Coming.
        Accepted => "accepted",
        /// Not coming.
        Declined => "declined",
        /// Maybe.
        Tentative => "tentative",
    }
);

spelled!(
    /// What happened to a meeting (the `change` of its event).
    MeetingChange, "change" {
        /// Scheduled.
        Scheduled => "scheduled",
        /// Changed by its organiser or an admin.
        Updated => "updated",
        /// Cancelled.
        Cancelled => "cancelled",
        /// An attendee answered.
        Rsvp => "rsvp",
        /// A note was added.
        NoteCreated => "note_created",
        /// A note was edited.
        NoteUpdated => "note_updated",
        /// A note was deleted.
        NoteDeleted => "note_deleted",
    }
);

spelled!(
    /// What happened to a call (the `change` of its event).
    CallChange, "change" {
        /// Started (its starter joined).
        Started => "started",
        /// Someone joined.
        Joined => "joined",
        /// Someone left.
        Left => "left",
        /// Ended: no more joins.
        Ended => "ended",
        /// Transcript segments arrived.
        TranscriptAppended => "transcript_appended",
    }
);

/// A meeting with its attendees and its running call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MeetingView {
    /// The row.
    pub meeting: meetings::Model,
    /// Attendees, by user id.
    pub attendees: Vec<meeting_attendees::Model>,
    /// The call running for it, if any.
    pub active_call_id: Option<i64>,
}

/// Input of [`schedule_meeting`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScheduleMeetingInput {
    /// 1–200 characters.
    pub title: String,
    /// Markdown, up to 10,000 characters.
    pub agenda: Option<String>,
    /// Up to 500 characters.
    pub location: Option<String>,
    /// IANA name; default `UTC`.
    pub time_zone: Option<String>,
    /// Default `video`.
    pub media: Option<Media>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End: after the start, at most 24 hours later.
    pub ends_at: DateTime<Utc>,
    /// Invited users (the organiser may be among them).
    pub attendee_ids: Vec<i64>,
    /// A chat whose readers see the meeting and where its calls post.
    pub chat_id: Option<i64>,
}

/// Input of [`update_meeting`]: `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct UpdateMeetingInput {
    /// New title.
    pub title: Option<String>,
    /// New agenda (empty clears it).
    pub agenda: Option<String>,
    /// New location (empty clears it).
    pub location: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New media.
    pub media: Option<Media>,
    /// New start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// The new attendee list (kept attendees keep their answers unless the time changes).
    pub attendee_ids: Option<Vec<i64>>,
    /// `Some(None)` unlinks the chat.
    pub chat_id: Option<Option<i64>>,
}

/// Filters of [`list_meetings`].
#[derive(Clone, Debug, Default)]
pub struct MeetingFilter {
    /// Meetings ending after this (default now).
    pub from: Option<DateTime<Utc>>,
    /// Meetings starting before this (default `from` + 30 days).
    pub to: Option<DateTime<Utc>>,
    /// Only this status.
    pub status: Option<MeetingStatus>,
    /// Meetings this user organises or attends (default the caller).
    pub attendee_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------
// Visibility

/// Whether `p` may see meeting `m`.
pub(crate) async fn can_see<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    m: &meetings::Model,
) -> Result<bool> {
    if m.workspace_id != p.workspace_id {
        return Ok(false);
    }
    if p.is_admin() || m.organiser_id == p.user_id {
        return Ok(true);
    }
    if meeting_attendees::Entity::find_by_id((m.id, p.user_id))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    match m.chat_id {
        Some(chat) => crate::chats::can_read(db, p, chat).await,
        None => Ok(false),
    }
}

/// The meeting `id` if `p` may see it; "meeting not found" otherwise (missing, foreign
/// and invisible alike).
pub(crate) async fn visible_meeting<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    id: i64,
) -> Result<meetings::Model> {
    let m = meetings::Entity::find_by_id(id)
        .filter(meetings::Column::WorkspaceId.eq(p.workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("meeting"))?;
    if can_see(db, p, &m).await? {
        Ok(m)
    } else {
        Err(Error::NotFound("meeting"))
    }
}

/// Whether the principal may see meeting `id` (for filtering events).
pub async fn can_see_meeting(ctx: &Ctx, id: i64) -> Result<bool> {
    match visible_meeting(&ctx.db, &ctx.principal, id).await {
        Ok(_) => Ok(true),
        Err(Error::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The SQL form of [`can_see`] for lists (admins see everything, so callers skip it).
fn visible_condition(p: &Principal) -> Condition {
    let mut cond = Condition::any()
        .add(meetings::Column::OrganiserId.eq(p.user_id))
        .add(
            meetings::Column::Id.in_subquery(
                Query::select()
                    .column(meeting_attendees::Column::MeetingId)
                    .from(meeting_attendees::Entity)
                    .and_where(meeting_attendees::Column::UserId.eq(p.user_id))
                    .to_owned(),
            ),
        )
        .add(
            meetings::Column::ChatId.in_subquery(
                Query::select()
                    .column(chat_members::Column::ChatId)
                    .from(chat_members::Entity)
                    .and_where(chat_members::Column::UserId.eq(p.user_id))
                    .to_owned(),
            ),
        );
    if p.role != Role::Guest {
        // What `chats::access` lets non-members read: public channels and groups.
        cond = cond.add(
            meetings::Column::ChatId.in_subquery(
                Query::select()
                    .column(chats::Column::Id)
                    .from(chats::Entity)
                    .and_where(chats::Column::WorkspaceId.eq(p.workspace_id))
                    .and_where(chats::Column::IsPublic.eq(true))
                    .and_where(
                        chats::Column::Kind
                            .is_in([ChatKind::Channel.as_str(), ChatKind::Group.as_str()]),
                    )
                    .to_owned(),
            ),
        );
    }
    cond
}

fn ensure_manager(p: &Principal, m: &meetings::Model) -> Result<()> {
    if p.is_admin() || m.organiser_id == p.user_id {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the organiser or a workspace admin can change a meeting".into(),
        ))
    }
}

fn ensure_scheduled(m: &meetings::Model) -> Result<()> {
    if m.status == MeetingStatus::Cancelled.as_str() {
        Err(Error::conflict("id", "the meeting is cancelled"))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Validation

fn text_field(value: &str, field: &str, max: usize, required: bool) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let n = v.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters, got {n}"),
        ));
    }
    Ok(v.to_owned())
}

fn validate_time_zone(tz: &str) -> Result<String> {
    let tz = tz.trim();
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    if ok {
        Ok(tz.to_owned())
    } else {
        Err(Error::invalid("timezone", "must be an IANA time zone name"))
    }
}

fn validate_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<()> {
    if ends_at <= starts_at {
        return Err(Error::invalid("endsAt", "must be after startsAt"));
    }
    if ends_at - starts_at > Duration::hours(MAX_DURATION_HOURS) {
        return Err(Error::invalid(
            "endsAt",
            format!("a meeting lasts at most {MAX_DURATION_HOURS} hours"),
        ));
    }
    Ok(())
}

async fn validate_attendees(ctx: &Ctx, ids: &[i64]) -> Result<Vec<i64>> {
    let mut seen = HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if ids.len() > MAX_ATTENDEES {
        return Err(Error::invalid(
            "attendeeIds",
            format!("at most {MAX_ATTENDEES} attendees"),
        ));
    }
    let users = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?;
    for id in &ids {
        match users.get(id) {
            Some(u) if !u.suspended => {}
            _ => {
                return Err(Error::invalid("attendeeIds", format!("no such user: {id}")));
            }
        }
    }
    Ok(ids)
}

async fn validate_chat(ctx: &Ctx, chat_id: i64) -> Result<i64> {
    let acc = crate::chats::access(&ctx.db, &ctx.principal, chat_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::invalid("chatId", "no such chat"),
            other => other,
        })?;
    if acc.kind()? == ChatKind::Thread {
        return Err(Error::invalid(
            "chatId",
            "a meeting cannot belong to a thread",
        ));
    }
    Ok(chat_id)
}

// ---------------------------------------------------------------------------------------
// Loading

/// Attendees and running calls of meetings (one statement each).
pub(crate) async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<meetings::Model>,
) -> Result<Vec<MeetingView>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut attendees: HashMap<i64, Vec<meeting_attendees::Model>> = HashMap::new();
    for a in meeting_attendees::Entity::find()
        .filter(meeting_attendees::Column::MeetingId.is_in(ids.clone()))
        .order_by_asc(meeting_attendees::Column::UserId)
        .all(db)
        .await?
    {
        attendees.entry(a.meeting_id).or_default().push(a);
    }
    let running = calls::running_by_meeting(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|meeting| MeetingView {
            attendees: attendees.remove(&meeting.id).unwrap_or_default(),
            active_call_id: running.get(&meeting.id).copied(),
            meeting,
        })
        .collect())
}

async fn view<C: ConnectionTrait>(db: &C, row: meetings::Model) -> Result<MeetingView> {
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("meeting"))
}

// ---------------------------------------------------------------------------------------
// Operations

/// Schedule a meeting; its attendees start `pending`. It enters their calendar feeds.
pub async fn schedule_meeting(ctx: &Ctx, input: ScheduleMeetingInput) -> Result<MeetingView> {
    ctx.require(Scope::MeetingsWrite)?;
    let title = text_field(&input.title, "title", MAX_TITLE, true)?;
    let agenda = text_field(
        input.agenda.as_deref().unwrap_or_default(),
        "agenda",
        MAX_AGENDA,
        false,
    )?;
    let location = text_field(
        input.location.as_deref().unwrap_or_default(),
        "location",
        MAX_LOCATION,
        false,
    )?;
    let time_zone = validate_time_zone(input.time_zone.as_deref().unwrap_or("UTC"))?;
    validate_times(input.starts_at, input.ends_at)?;
    let attendee_ids = validate_attendees(ctx, &input.attendee_ids).await?;
    let chat_id = match input.chat_id {
        Some(chat) => Some(validate_chat(ctx, chat).await?),
        None => None,
    };
    let now = Utc::now();
    let txn = ctx.write().await?;
    let meeting = meetings::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        organiser_id: Set(ctx.user_id()),
        chat_id: Set(chat_id),
        title: Set(title),
        agenda: Set(agenda),
        location: Set(location),
        time_zone: Set(time_zone),
        media: Set(input.media.unwrap_or(Media::Video).as_str().to_owned()),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        status: Set(MeetingStatus::Scheduled.as_str().to_owned()),
        cancel_reason: Set(None),
        sequence: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_attendees(&txn, ctx, meeting.id, &attendee_ids).await?;
    let event = record(
        &txn,
        ctx,
        EventKind::MeetingChanged {
            meeting: meeting.clone(),
            change: MeetingChange::Scheduled,
            user_id: None,
            note_id: None,
        },
        None,
    )
    .await?;
    let out = view(&txn, meeting).await?;
    ctx.commit(txn, [event]).await?;
    Ok(out)
}

async fn insert_attendees<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    meeting_id: i64,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    meeting_attendees::Entity::insert_many(ids.iter().map(|id| meeting_attendees::ActiveModel {
        meeting_id: Set(meeting_id),
        user_id: Set(*id),
        workspace_id: Set(ctx.workspace_id()),
        rsvp: Set(Rsvp::Pending.as_str().to_owned()),
        comment: Set(None),
        responded_at: Set(None),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Change a meeting (its organiser or an admin). Every change raises the iCalendar
/// `SEQUENCE`; a change of time also resets every answer to `pending`.
pub async fn update_meeting(
    ctx: &Ctx,
    meeting_id: i64,
    input: UpdateMeetingInput,
) -> Result<MeetingView> {
    ctx.require(Scope::MeetingsWrite)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    ensure_manager(&ctx.principal, &meeting)?;
    ensure_scheduled(&meeting)?;
    let mut am: meetings::ActiveModel = meeting.clone().into();
    let mut changed = false;
    if let Some(title) = &input.title {
        am.title = Set(text_field(title, "title", MAX_TITLE, true)?);
        changed = true;
    }
    if let Some(agenda) = &input.agenda {
        am.agenda = Set(text_field(agenda, "agenda", MAX_AGENDA, false)?);
        changed = true;
    }
    if let Some(location) = &input.location {
        am.location = Set(text_field(location, "location", MAX_LOCATION, false)?);
        changed = true;
    }
    if let Some(tz) = &input.time_zone {
        am.time_zone = Set(validate_time_zone(tz)?);
        changed = true;
    }
    if let Some(media) = input.media {
        am.media = Set(media.as_str().to_owned());
        changed = true;
    }
    let starts_at = input.starts_at.unwrap_or(meeting.starts_at);
    let ends_at = input.ends_at.unwrap_or(meeting.ends_at);
    let time_changed = starts_at != meeting.starts_at || ends_at != meeting.ends_at;
    if input.starts_at.is_some() || input.ends_at.is_some() {
        validate_times(starts_at, ends_at)?;
        am.starts_at = Set(starts_at);
        am.ends_at = Set(ends_at);
        changed = true;
    }
    if let Some(chat) = input.chat_id {
        am.chat_id = Set(match chat {
            Some(chat) => Some(validate_chat(ctx, chat).await?),
            None => None,
        });
        changed = true;
    }
    let attendee_ids = match &input.attendee_ids {
        Some(ids) => {
            changed = true;
            Some(validate_attendees(ctx, ids).await?)
        }
        None => None,
    };
    if !changed {
        return Err(Error::invalid("input", "nothing to change"));
    }
    let now = Utc::now();
    am.sequence = Set(meeting.sequence + 1);
    am.updated_at = Set(now);
    let txn = ctx.write().await?;
    let updated = am.update(&txn).await?;
    if let Some(ids) = attendee_ids {
        let existing: HashSet<i64> = meeting_attendees::Entity::find()
            .filter(meeting_attendees::Column::MeetingId.eq(meeting.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|a| a.user_id)
            .collect();
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        let removed: Vec<i64> = existing.difference(&wanted).copied().collect();
        if !removed.is_empty() {
            meeting_attendees::Entity::delete_many()
                .filter(meeting_attendees::Column::MeetingId.eq(meeting.id))
                .filter(meeting_attendees::Column::UserId.is_in(removed))
                .exec(&txn)
                .await?;
        }
        let added: Vec<i64> = ids
            .into_iter()
            .filter(|id| !existing.contains(id))
            .collect();
        insert_attendees(&txn, ctx, meeting.id, &added).await?;
    }
    if time_changed {
        meeting_attendees::Entity::update_many()
            .col_expr(
                meeting_attendees::Column::Rsvp,
                sea_orm::sea_query::Expr::value(Rsvp::Pending.as_str()),
            )
            .col_expr(
                meeting_attendees::Column::Comment,
                sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .col_expr(
                meeting_attendees::Column::RespondedAt,
                sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(meeting_attendees::Column::MeetingId.eq(meeting.id))
            .exec(&txn)
            .await?;
    }
    let summary = serde_json::json!({
        "before": { "title": meeting.title, "startsAt": meeting.starts_at, "endsAt": meeting.ends_at },
        "after": { "title": updated.title, "startsAt": updated.starts_at, "endsAt": updated.ends_at },
    });
    let event = record(
        &txn,
        ctx,
        EventKind::MeetingChanged {
            meeting: updated.clone(),
            change: MeetingChange::Updated,
            user_id: None,
            note_id: None,
        },
        Some(summary),
    )
    .await?;
    let out = view(&txn, updated).await?;
    ctx.commit(txn, [event]).await?;
    Ok(out)
}

/// Cancel a meeting (its organiser or an admin): it stays, marked cancelled (calendar
/// feeds show `STATUS:CANCELLED`), and its running call ends. Cancelling twice changes
/// nothing.
pub async fn cancel_meeting(
    ctx: &Ctx,
    meeting_id: i64,
    reason: Option<String>,
) -> Result<MeetingView> {
    ctx.require(Scope::MeetingsWrite)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    ensure_manager(&ctx.principal, &meeting)?;
    if meeting.status == MeetingStatus::Cancelled.as_str() {
        return view(&ctx.db, meeting).await;
    }
    let reason = reason
        .map(|r| text_field(&r, "reason", MAX_COMMENT, false))
        .transpose()?
        .filter(|r| !r.is_empty());
    let txn = ctx.write().await?;
    let mut events = calls::end_running_for_meeting(&txn, ctx, meeting.id).await?;
    let mut am: meetings::ActiveModel = meeting.clone().into();
    am.status = Set(MeetingStatus::Cancelled.as_str().to_owned());
    am.cancel_reason = Set(reason);
    am.sequence = Set(meeting.sequence + 1);
    am.updated_at = Set(Utc::now());
    let updated = am.update(&txn).await?;
    events.push(
        record(
            &txn,
            ctx,
            EventKind::MeetingChanged {
                meeting: updated.clone(),
                change: MeetingChange::Cancelled,
                user_id: None,
                note_id: None,
            },
            None,
        )
        .await?,
    );
    let out = view(&txn, updated).await?;
    ctx.commit(txn, events).await?;
    Ok(out)
}

/// Answer an invitation (attendees only; not for cancelled meetings).
pub async fn rsvp_meeting(
    ctx: &Ctx,
    meeting_id: i64,
    response: Rsvp,
    comment: Option<String>,
) -> Result<meeting_attendees::Model> {
    ctx.require(Scope::MeetingsWrite)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    let attendee = meeting_attendees::Entity::find_by_id((meeting.id, ctx.user_id()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::Forbidden("only attendees can answer an invitation".into()))?;
    ensure_scheduled(&meeting)?;
    if response == Rsvp::Pending {
        return Err(Error::invalid(
            "response",
            "answer `accepted`, `declined` or `tentative`",
        ));
    }
    let comment = comment
        .map(|c| text_field(&c, "comment", MAX_COMMENT, false))
        .transpose()?
        .filter(|c| !c.is_empty());
    let mut am: meeting_attendees::ActiveModel = attendee.into();
    am.rsvp = Set(response.as_str().to_owned());
    am.comment = Set(comment);
    am.responded_at = Set(Some(Utc::now()));
    let txn = ctx.write().await?;
    let updated = am.update(&txn).await?;
    let event = record(
        &txn,
        ctx,
        EventKind::MeetingChanged {
            meeting,
            change: MeetingChange::Rsvp,
            user_id: Some(ctx.user_id()),
            note_id: None,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(updated)
}

/// One meeting the caller can see.
pub async fn get_meeting(ctx: &Ctx, meeting_id: i64) -> Result<MeetingView> {
    ctx.require(Scope::MeetingsRead)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    view(&ctx.db, meeting).await
}

/// Meetings overlapping a window that a user organises or attends (default: the
/// caller), among those the caller can see; by start time.
pub async fn list_meetings(
    ctx: &Ctx,
    filter: MeetingFilter,
    page: PageArgs,
) -> Result<Page<MeetingView>> {
    ctx.require(Scope::MeetingsRead)?;
    let from = filter.from.unwrap_or_else(Utc::now);
    let to = filter
        .to
        .unwrap_or_else(|| from + Duration::days(DEFAULT_RANGE_DAYS));
    if to <= from {
        return Err(Error::invalid("to", "must be after `from`"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(Error::invalid(
            "to",
            format!("the window spans at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let who = filter.attendee_id.unwrap_or(ctx.user_id());
    let mut q = meetings::Entity::find()
        .filter(meetings::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(meetings::Column::StartsAt.lt(to))
        .filter(meetings::Column::EndsAt.gt(from))
        .filter(
            Condition::any()
                .add(meetings::Column::OrganiserId.eq(who))
                .add(
                    meetings::Column::Id.in_subquery(
                        Query::select()
                            .column(meeting_attendees::Column::MeetingId)
                            .from(meeting_attendees::Entity)
                            .and_where(meeting_attendees::Column::UserId.eq(who))
                            .to_owned(),
                    ),
                ),
        );
    if !ctx.principal.is_admin() {
        q = q.filter(visible_condition(&ctx.principal));
    }
    if let Some(status) = filter.status {
        q = q.filter(meetings::Column::Status.eq(status.as_str()));
    }
    if let Some(after) = page.after {
        let anchor = meetings::Entity::find_by_id(after)
            .filter(meetings::Column::WorkspaceId.eq(ctx.workspace_id()))
            .one(&ctx.db)
            .await?
            .ok_or_else(|| Error::invalid("after", "not a valid cursor"))?;
        q = q.filter(
            Condition::any()
                .add(meetings::Column::StartsAt.gt(anchor.starts_at))
                .add(
                    Condition::all()
                        .add(meetings::Column::StartsAt.eq(anchor.starts_at))
                        .add(meetings::Column::Id.gt(anchor.id)),
                ),
        );
    }
    let rows = q
        .order_by_asc(meetings::Column::StartsAt)
        .order_by_asc(meetings::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    let page = Page::from_probe(rows, &page);
    let items = views(&ctx.db, page.items).await?;
    Ok(Page {
        items,
        has_next: page.has_next,
        has_prev: page.has_prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_last_at_most_a_day_and_end_after_they_start() {
        let start = Utc::now();
        assert!(validate_times(start, start + Duration::hours(1)).is_ok());
        assert!(validate_times(start, start + Duration::hours(24)).is_ok());
        assert!(validate_times(start, start).is_err());
        assert!(validate_times(start, start - Duration::minutes(1)).is_err());
        assert!(validate_times(start, start + Duration::hours(24) + Duration::seconds(1)).is_err());
    }

    #[test]
    fn time_zones_look_like_iana_names() {
        assert!(validate_time_zone("Europe/Berlin").is_ok());
        assert!(validate_time_zone("America/Argentina/Buenos_Aires").is_ok());
        assert!(validate_time_zone("").is_err());
        assert!(validate_time_zone("Europe/Berlin; DROP").is_err());
    }

    #[test]
    fn spellings_round_trip() {
        for r in [
            Rsvp::Pending,
            Rsvp::Accepted,
            Rsvp::Declined,
            Rsvp::Tentative,
        ] {
            assert_eq!(r.as_str().parse::<Rsvp>().ok(), Some(r));
        }
        assert!("maybe".parse::<Rsvp>().is_err());
    }
}
