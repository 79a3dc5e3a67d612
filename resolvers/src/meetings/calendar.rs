//! Calendar integration: a secret per-user iCalendar feed URL that calendar apps
//! subscribe to (`/calendar/<token>.ics`), and a meeting's single-event calendar.
//!
//! The token is 256 random bits shown once when the feed is (re)created; only its
//! SHA-256 is stored, so rotating stops the previous URL at once and a database leak
//! reveals no feed. Each meeting is one `VEVENT` with a UID stable for its lifetime,
//! its `SEQUENCE` (raised by every change), `STATUS` (`CONFIRMED` or `CANCELLED`), the
//! organiser and every attendee with their `PARTSTAT`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entities::{calendar_feeds, meeting_attendees, meetings, users};
use icalendar::{Attendee, Calendar, Component, Event, EventLike, EventStatus, PartStat, Property};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::{MeetingStatus, MeetingView, Rsvp, views, visible_meeting};
use crate::auth::Scope;
use crate::events::EventKind;
use crate::{Ctx, Error, Result};

/// How far back the feed reaches.
pub const FEED_DAYS_BACK: i64 = 30;
/// How far ahead the feed reaches.
pub const FEED_DAYS_AHEAD: i64 = 365;
/// Most events in one feed.
const FEED_MAX_EVENTS: u64 = 2_000;
/// Every feed token starts with this, so secret scanners can recognise one.
const TOKEN_PREFIX: &str = "sbcal_";
/// Characters of the token kept visible (`sbcal_` + 6).
const VISIBLE: usize = 12;

/// The caller's feed: whether one is enabled, and its URL only right after rotation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CalendarFeed {
    /// Whether a feed URL works.
    pub enabled: bool,
    /// The token's visible start, to recognise it.
    pub prefix: Option<String>,
    /// When the current URL was made.
    pub created_at: Option<DateTime<Utc>>,
    /// The secret token: only in the answer of [`rotate_calendar_feed`].
    pub token: Option<String>,
}

impl CalendarFeed {
    /// The feed's path (`/calendar/<token>.ics`), when the token is known.
    pub fn path(&self) -> Option<String> {
        self.token.as_ref().map(|t| format!("/calendar/{t}.ics"))
    }
}

use crate::auth::hash_secret as hash;

fn generate() -> Result<String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// The caller's calendar feed (never its token).
pub async fn get_calendar_feed(ctx: &Ctx) -> Result<CalendarFeed> {
    ctx.require(Scope::MeetingsRead)?;
    let row = calendar_feeds::Entity::find()
        .filter(calendar_feeds::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(calendar_feeds::Column::UserId.eq(ctx.user_id()))
        .one(&ctx.db)
        .await?;
    Ok(CalendarFeed {
        enabled: row.is_some(),
        prefix: row.as_ref().map(|r| r.prefix.clone()),
        created_at: row.map(|r| r.created_at),
        token: None,
    })
}

/// Make a new secret feed URL for the caller; any previous one stops working at once.
/// The answer carries the token, which is never shown again.
pub async fn rotate_calendar_feed(ctx: &Ctx) -> Result<CalendarFeed> {
    ctx.require(Scope::MeetingsWrite)?;
    let token = generate()?;
    let prefix: String = token.chars().take(VISIBLE).collect();
    let now = Utc::now();
    let txn = ctx.write().await?;
    calendar_feeds::Entity::delete_many()
        .filter(calendar_feeds::Column::UserId.eq(ctx.user_id()))
        .exec(&txn)
        .await?;
    let row = calendar_feeds::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        user_id: Set(ctx.user_id()),
        token_hash: Set(hash(&token)),
        prefix: Set(prefix),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(
        txn,
        EventKind::CalendarFeedChanged {
            user_id: ctx.user_id(),
            enabled: true,
        },
    )
    .await?;
    Ok(CalendarFeed {
        enabled: true,
        prefix: Some(row.prefix),
        created_at: Some(row.created_at),
        token: Some(token),
    })
}

/// Turn the caller's feed off: its URL stops working. `false` when there was none.
pub async fn disable_calendar_feed(ctx: &Ctx) -> Result<bool> {
    ctx.require(Scope::MeetingsWrite)?;
    let txn = ctx.write().await?;
    let gone = calendar_feeds::Entity::delete_many()
        .filter(calendar_feeds::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(calendar_feeds::Column::UserId.eq(ctx.user_id()))
        .exec(&txn)
        .await?
        .rows_affected;
    if gone == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    ctx.commit_one(
        txn,
        EventKind::CalendarFeedChanged {
            user_id: ctx.user_id(),
            enabled: false,
        },
    )
    .await?;
    Ok(true)
}

/// The iCalendar feed behind a secret token (the token without `.ics`): the owner's
/// meetings — organised or attended — from 30 days back to a year ahead, cancelled ones
/// included. Unknown or disabled token, or a suspended owner → "calendar feed not found".
pub async fn calendar_feed_events(db: &DatabaseConnection, token: &str) -> Result<String> {
    let token = token.trim();
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(Error::NotFound("calendar feed"));
    }
    let feed = calendar_feeds::Entity::find()
        .filter(calendar_feeds::Column::TokenHash.eq(hash(token)))
        .one(db)
        .await?
        .ok_or(Error::NotFound("calendar feed"))?;
    let owner = users::Entity::find_by_id(feed.user_id)
        .filter(users::Column::WorkspaceId.eq(feed.workspace_id))
        .one(db)
        .await?
        .filter(|u| !u.suspended)
        .ok_or(Error::NotFound("calendar feed"))?;
    let now = Utc::now();
    let rows = meetings::Entity::find()
        .filter(meetings::Column::WorkspaceId.eq(owner.workspace_id))
        .filter(meetings::Column::EndsAt.gt(now - Duration::days(FEED_DAYS_BACK)))
        .filter(meetings::Column::StartsAt.lt(now + Duration::days(FEED_DAYS_AHEAD)))
        .filter(
            Condition::any()
                .add(meetings::Column::OrganiserId.eq(owner.id))
                .add(
                    meetings::Column::Id.in_subquery(
                        Query::select()
                            .column(meeting_attendees::Column::MeetingId)
                            .from(meeting_attendees::Entity)
                            .and_where(meeting_attendees::Column::UserId.eq(owner.id))
                            .to_owned(),
                    ),
                ),
        )
        .order_by_asc(meetings::Column::StartsAt)
        .order_by_asc(meetings::Column::Id)
        .limit(FEED_MAX_EVENTS)
        .all(db)
        .await?;
    let views = views(db, rows).await?;
    let name = format!("Switchboard — {}", crate::people::display_name(&owner));
    render(db, owner.workspace_id, &name, &views).await
}

/// One meeting as an iCalendar document with a single `VEVENT` (its viewers only).
pub async fn meeting_calendar(ctx: &Ctx, meeting_id: i64) -> Result<String> {
    ctx.require(Scope::MeetingsRead)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    let views = views(&ctx.db, vec![meeting]).await?;
    render(&ctx.db, ctx.workspace_id(), "Switchboard", &views).await
}

async fn render(
    db: &DatabaseConnection,
    workspace_id: i64,
    name: &str,
    meetings: &[MeetingView],
) -> Result<String> {
    let mut ids: Vec<i64> = meetings.iter().map(|m| m.meeting.organiser_id).collect();
    ids.extend(
        meetings
            .iter()
            .flat_map(|m| m.attendees.iter().map(|a| a.user_id)),
    );
    let people = crate::people::users_by_ids(db, workspace_id, &ids).await?;
    let mut cal = Calendar::new();
    cal.name(name);
    for m in meetings {
        cal.push(vevent(m, &people));
    }
    Ok(cal.done().to_string())
}

/// The UID of a meeting's `VEVENT`: stable for the meeting's lifetime.
pub fn meeting_uid(meeting: &meetings::Model) -> String {
    format!(
        "meeting-{}-{}@switchboard",
        meeting.workspace_id, meeting.id
    )
}

fn cal_address(user_id: i64, people: &HashMap<i64, users::Model>) -> (String, Option<String>) {
    match people.get(&user_id) {
        Some(u) => (
            u.email
                .as_ref()
                .map(|e| format!("mailto:{e}"))
                .unwrap_or_else(|| format!("urn:switchboard:user:{user_id}")),
            Some(crate::people::display_name(u)),
        ),
        None => (format!("urn:switchboard:user:{user_id}"), None),
    }
}

fn vevent(view: &MeetingView, people: &HashMap<i64, users::Model>) -> Event {
    let m = &view.meeting;
    let mut ev = Event::new();
    ev.uid(&meeting_uid(m))
        .summary(&m.title)
        .starts(m.starts_at)
        .ends(m.ends_at)
        .timestamp(m.updated_at)
        .created(m.created_at)
        .last_modified(m.updated_at)
        .sequence(u32::try_from(m.sequence).unwrap_or(u32::MAX))
        .status(if m.status == MeetingStatus::Cancelled.as_str() {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if !m.agenda.is_empty() {
        ev.description(&m.agenda);
    }
    if !m.location.is_empty() {
        ev.location(&m.location);
    }
    let (organiser, cn) = cal_address(m.organiser_id, people);
    let mut prop = Property::new("ORGANIZER", organiser);
    if let Some(cn) = cn {
        prop.add_parameter("CN", &cn);
    }
    ev.append_property(prop.done());
    for a in &view.attendees {
        let (address, cn) = cal_address(a.user_id, people);
        let partstat = match a.rsvp.parse::<Rsvp>() {
            Ok(Rsvp::Accepted) => PartStat::Accepted,
            Ok(Rsvp::Declined) => PartStat::Declined,
            Ok(Rsvp::Tentative) => PartStat::Tentative,
            _ => PartStat::NeedsAction,
        };
        let mut attendee = Attendee::new(address).partstat(partstat).rsvp(true);
        if let Some(cn) = cn {
            attendee = attendee.cn(cn);
        }
        ev.attendee(attendee);
    }
    ev.done()
}
