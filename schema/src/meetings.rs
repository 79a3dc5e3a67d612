//! Meetings ("Pulse") over GraphQL: queries, mutations and the `meetingChanged` /
//! `callChanged` subscriptions. Every field decodes ids and calls one `resolvers`
//! operation.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{
    Context, Enum, ErrorExtensions, ID, MaybeUndefined, Object, Result, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use futures::Stream;
use futures::stream;
use resolvers::events::{Event, EventKind};
use resolvers::idempotency::once;
use resolvers::meetings::{
    CallChange, CallTarget, MeetingChange, MeetingFilter, ScheduleMeetingInput as DomainSchedule,
    SegmentInput, StartCallInput as DomainStartCall, UpdateMeetingInput as DomainUpdate,
};
use resolvers::pagination::PageArgs;

use crate::context::rctx;
use crate::error::{GqlResult, to_gql};
use crate::feed::Feed;
use crate::ids::{self, Kind};
use crate::types::meeting::*;
use crate::types::{connection, page_cost};

/// Meetings, by start time.
pub type MeetingConnection = Connection<String, Meeting>;

fn decode_opt(id: Option<ID>, kind: Kind, field: &str) -> Result<Option<i64>> {
    id.map(|id| ids::decode(&id, kind, field)).transpose()
}

fn or_null<T>(r: resolvers::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(resolvers::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(to_gql(e)),
    }
}

/// Queries about meetings, calls, transcripts, notes and the calendar feed.
#[derive(Default)]
pub struct MeetingsQuery;

#[Object]
impl MeetingsQuery {
    /// Meetings overlapping a window (default: now to 30 days ahead) that a user
    /// organises or attends (default: you), among those you can see; by start time.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments, reason = "one GraphQL argument each")]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        status: Option<MeetingStatusGql>,
        attendee_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MeetingConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let filter = MeetingFilter {
            from,
            to,
            status: status.map(Into::into),
            attendee_id: decode_opt(attendee_id, Kind::User, "attendeeId")?,
        };
        let rows = resolvers::meetings::list_meetings(rctx(ctx)?, filter, page)
            .await
            .gql()?;
        Ok(connection(rows, |m| m.meeting.id, Meeting))
    }
    /// One meeting; null when it does not exist or you cannot see it.
    async fn meeting(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Meeting>> {
        let id = ids::decode(&id, Kind::Meeting, "id")?;
        Ok(or_null(resolvers::meetings::get_meeting(rctx(ctx)?, id).await)?.map(Meeting))
    }
    /// Your iCalendar feed (its secret URL is shown only by `rotateCalendarFeed`).
    async fn calendar_feed(&self, ctx: &Context<'_>) -> Result<CalendarFeed> {
        Ok(CalendarFeed(
            resolvers::meetings::get_calendar_feed(rctx(ctx)?)
                .await
                .gql()?,
        ))
    }
    /// One call; null when it does not exist or you cannot see it.
    async fn call(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Call>> {
        let id = ids::decode(&id, Kind::Call, "id")?;
        Ok(or_null(resolvers::meetings::get_call(rctx(ctx)?, id).await)?.map(Call))
    }
    /// The transcripts of a meeting, one per call, oldest first.
    async fn meeting_transcripts(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> Result<Vec<Transcript>> {
        let id = ids::decode(&meeting_id, Kind::Meeting, "meetingId")?;
        let rows = resolvers::meetings::meeting_transcripts(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Transcript).collect())
    }
    /// A call's transcript (the segments so far while it runs).
    async fn call_transcript(&self, ctx: &Context<'_>, call_id: ID) -> Result<Transcript> {
        let id = ids::decode(&call_id, Kind::Call, "callId")?;
        Ok(Transcript(
            resolvers::meetings::call_transcript(rctx(ctx)?, id)
                .await
                .gql()?,
        ))
    }
    /// The notes of a meeting, oldest first.
    async fn meeting_notes(&self, ctx: &Context<'_>, meeting_id: ID) -> Result<Vec<MeetingNote>> {
        let id = ids::decode(&meeting_id, Kind::Meeting, "meetingId")?;
        let rows = resolvers::meetings::list_meeting_notes(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(MeetingNote).collect())
    }
    /// One meeting note; null when it does not exist or you cannot see it.
    async fn meeting_note(&self, ctx: &Context<'_>, id: ID) -> Result<Option<MeetingNote>> {
        let id = ids::decode(&id, Kind::MeetingNote, "id")?;
        Ok(or_null(resolvers::meetings::get_meeting_note(rctx(ctx)?, id).await)?.map(MeetingNote))
    }
}

/// Mutations of meetings, calls, transcripts, notes and the calendar feed.
#[derive(Default)]
pub struct MeetingsMutation;

#[Object]
impl MeetingsMutation {
    /// Schedule a meeting; attendees start `PENDING` and it enters their calendar feeds.
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleMeetingInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Meeting> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let domain = DomainSchedule {
            title: input.title,
            agenda: input.agenda,
            location: input.location,
            time_zone: input.timezone,
            media: input.media.map(Into::into),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            attendee_ids: ids::decode_all(&input.attendee_ids, Kind::User, "attendeeIds")?,
            chat_id: decode_opt(input.chat_id, Kind::Chat, "chatId")?,
        };
        let view = once(c, None, "scheduleMeeting", &fingerprint, || {
            resolvers::meetings::schedule_meeting(c, domain)
        })
        .await
        .gql()?;
        Ok(Meeting(view))
    }
    /// Change a meeting (organiser or admin). A time change resets answers to `PENDING`;
    /// every change raises the iCalendar `SEQUENCE`.
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateMeetingInput,
    ) -> Result<Meeting> {
        let id = ids::decode(&id, Kind::Meeting, "id")?;
        let chat_id = match input.chat_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(chat) => Some(Some(ids::decode(&chat, Kind::Chat, "chatId")?)),
        };
        let attendee_ids = input
            .attendee_ids
            .map(|ids| ids::decode_all(&ids, Kind::User, "attendeeIds"))
            .transpose()?;
        let domain = DomainUpdate {
            title: input.title,
            agenda: input.agenda,
            location: input.location,
            time_zone: input.timezone,
            media: input.media.map(Into::into),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            attendee_ids,
            chat_id,
        };
        Ok(Meeting(
            resolvers::meetings::update_meeting(rctx(ctx)?, id, domain)
                .await
                .gql()?,
        ))
    }
    /// Cancel a meeting (organiser or admin); its running call ends.
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> Result<Meeting> {
        let id = ids::decode(&id, Kind::Meeting, "id")?;
        Ok(Meeting(
            resolvers::meetings::cancel_meeting(rctx(ctx)?, id, reason)
                .await
                .gql()?,
        ))
    }
    /// Answer an invitation (attendees only).
    async fn rsvp_meeting(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        response: RsvpStatus,
        comment: Option<String>,
    ) -> Result<MeetingAttendee> {
        let id = ids::decode(&meeting_id, Kind::Meeting, "meetingId")?;
        Ok(MeetingAttendee(
            resolvers::meetings::rsvp_meeting(rctx(ctx)?, id, response.into(), comment)
                .await
                .gql()?,
        ))
    }
    /// Make a new secret calendar feed URL (shown once); the previous one stops working.
    async fn rotate_calendar_feed(&self, ctx: &Context<'_>) -> Result<CalendarFeed> {
        Ok(CalendarFeed(
            resolvers::meetings::rotate_calendar_feed(rctx(ctx)?)
                .await
                .gql()?,
        ))
    }
    /// Turn your calendar feed off; `false` when there was none.
    async fn disable_calendar_feed(&self, ctx: &Context<'_>) -> Result<bool> {
        resolvers::meetings::disable_calendar_feed(rctx(ctx)?)
            .await
            .gql()
    }
    /// Start a call for a meeting or a chat; you join it and get a media join token.
    /// A call already running → `CONFLICT` with its id in `extensions.callId`.
    async fn start_call(
        &self,
        ctx: &Context<'_>,
        input: StartCallInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CallJoin> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let target = match (&input.meeting_id, &input.chat_id) {
            (Some(m), None) => CallTarget::Meeting(ids::decode(m, Kind::Meeting, "meetingId")?),
            (None, Some(chat)) => CallTarget::Chat(ids::decode(chat, Kind::Chat, "chatId")?),
            _ => {
                return Err(to_gql(resolvers::Error::invalid(
                    "meetingId",
                    "give exactly one of `meetingId` and `chatId`",
                )));
            }
        };
        let domain = DomainStartCall {
            target,
            media: input.media.map(Into::into),
        };
        let result = once(c, None, "startCall", &fingerprint, || {
            resolvers::meetings::start_call(c, domain)
        })
        .await;
        match result {
            Ok(join) => Ok(CallJoin(join)),
            Err(e @ resolvers::Error::Conflict { .. }) => {
                let running = resolvers::meetings::running_call_id(c, target)
                    .await
                    .ok()
                    .flatten();
                let err = to_gql(e);
                Err(match running {
                    Some(id) => err.extend_with(|_, ext| {
                        ext.set("callId", ids::encode(Kind::Call, id).to_string())
                    }),
                    None => err,
                })
            }
            Err(e) => Err(to_gql(e)),
        }
    }
    /// Join a running call; you get a media join token. An ended call → `CONFLICT`.
    async fn join_call(&self, ctx: &Context<'_>, id: ID) -> Result<CallJoin> {
        let id = ids::decode(&id, Kind::Call, "id")?;
        Ok(CallJoin(
            resolvers::meetings::join_call(rctx(ctx)?, id).await.gql()?,
        ))
    }
    /// Leave a call.
    async fn leave_call(&self, ctx: &Context<'_>, id: ID) -> Result<Call> {
        let id = ids::decode(&id, Kind::Call, "id")?;
        Ok(Call(
            resolvers::meetings::leave_call(rctx(ctx)?, id)
                .await
                .gql()?,
        ))
    }
    /// End a call (its starter, the meeting's organiser, the chat's admins, admins).
    async fn end_call(&self, ctx: &Context<'_>, id: ID) -> Result<Call> {
        let id = ids::decode(&id, Kind::Call, "id")?;
        Ok(Call(
            resolvers::meetings::end_call(rctx(ctx)?, id).await.gql()?,
        ))
    }
    /// Append segments to a call's transcript (the media pipeline's write path).
    async fn append_transcript_segments(
        &self,
        ctx: &Context<'_>,
        call_id: ID,
        language: Option<String>,
        segments: Vec<TranscriptSegmentInput>,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Vec<TranscriptSegment>> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([call_id, language, segments]);
        let id = ids::decode(&call_id, Kind::Call, "callId")?;
        let segments = segments
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(SegmentInput {
                    speaker_id: decode_opt(
                        s.speaker_id,
                        Kind::User,
                        &format!("segments[{i}].speakerId"),
                    )?,
                    speaker_name: s.speaker_name,
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    text: s.text,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let rows = once(c, None, "appendTranscriptSegments", &fingerprint, || {
            resolvers::meetings::append_transcript_segments(c, id, language, segments)
        })
        .await
        .gql()?;
        Ok(rows.into_iter().map(TranscriptSegment).collect())
    }
    /// Add a note to a meeting (revision 1).
    async fn create_meeting_note(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        title: Option<String>,
        content: String,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<MeetingNote> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([meeting_id, title, content]);
        let id = ids::decode(&meeting_id, Kind::Meeting, "meetingId")?;
        let note = once(c, None, "createMeetingNote", &fingerprint, || {
            resolvers::meetings::create_meeting_note(c, id, title, content)
        })
        .await
        .gql()?;
        Ok(MeetingNote(note))
    }
    /// Edit a note based on `revision`; a stale revision → `CONFLICT`.
    async fn update_meeting_note(
        &self,
        ctx: &Context<'_>,
        id: ID,
        revision: i64,
        title: Option<String>,
        content: Option<String>,
    ) -> Result<MeetingNote> {
        let id = ids::decode(&id, Kind::MeetingNote, "id")?;
        Ok(MeetingNote(
            resolvers::meetings::update_meeting_note(rctx(ctx)?, id, revision, title, content)
                .await
                .gql()?,
        ))
    }
    /// Delete a note (its author, the meeting's organiser, admins); returns its id.
    async fn delete_meeting_note(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let raw = ids::decode(&id, Kind::MeetingNote, "id")?;
        let note = resolvers::meetings::delete_meeting_note(rctx(ctx)?, raw)
            .await
            .gql()?;
        Ok(ids::encode(Kind::MeetingNote, note.id))
    }
}

/// What happened to a meeting.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MeetingChangeKind {
    /// Scheduled.
    Scheduled,
    /// Changed.
    Updated,
    /// Cancelled.
    Cancelled,
    /// An attendee answered.
    Rsvp,
    /// A note was added.
    NoteCreated,
    /// A note was edited.
    NoteUpdated,
    /// A note was deleted.
    NoteDeleted,
}

impl From<MeetingChange> for MeetingChangeKind {
    fn from(c: MeetingChange) -> Self {
        match c {
            MeetingChange::Scheduled => MeetingChangeKind::Scheduled,
            MeetingChange::Updated => MeetingChangeKind::Updated,
            MeetingChange::Cancelled => MeetingChangeKind::Cancelled,
            MeetingChange::Rsvp => MeetingChangeKind::Rsvp,
            MeetingChange::NoteCreated => MeetingChangeKind::NoteCreated,
            MeetingChange::NoteUpdated => MeetingChangeKind::NoteUpdated,
            MeetingChange::NoteDeleted => MeetingChangeKind::NoteDeleted,
        }
    }
}

/// What happened to a call.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CallChangeKind {
    /// Started.
    Started,
    /// Someone joined.
    Joined,
    /// Someone left.
    Left,
    /// Ended.
    Ended,
    /// Transcript segments arrived.
    TranscriptAppended,
}

impl From<CallChange> for CallChangeKind {
    fn from(c: CallChange) -> Self {
        match c {
            CallChange::Started => CallChangeKind::Started,
            CallChange::Joined => CallChangeKind::Joined,
            CallChange::Left => CallChangeKind::Left,
            CallChange::Ended => CallChangeKind::Ended,
            CallChange::TranscriptAppended => CallChangeKind::TranscriptAppended,
        }
    }
}

/// A change of a meeting you can see.
#[derive(SimpleObject)]
pub struct MeetingChangeEvent {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// What happened.
    pub change: MeetingChangeKind,
    /// The meeting's global id.
    pub meeting_id: ID,
    /// The meeting as it is now (null if you can no longer see it).
    pub meeting: Option<Meeting>,
    /// The attendee who answered (RSVP).
    pub user_id: Option<ID>,
    /// The note concerned (note changes).
    pub note_id: Option<ID>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// A change of a call you can see.
#[derive(SimpleObject)]
pub struct CallChangeEvent {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// What happened.
    pub change: CallChangeKind,
    /// The call's global id.
    pub call_id: ID,
    /// The call as it is now.
    pub call: Option<Call>,
    /// Who joined or left.
    pub user_id: Option<ID>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

type Item<T> = Result<T>;

/// Meeting or call events the principal may see, matching `keep`, mapped by `render`.
fn visible_events<T, K, R, Fut>(feed: Feed, keep: K, render: R) -> impl Stream<Item = Item<T>>
where
    K: Fn(&EventKind) -> Option<Subject> + Send + Sync + 'static,
    R: Fn(resolvers::Ctx, Arc<Event>) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Item<T>> + Send,
    T: Send + 'static,
{
    let keep = Arc::new(keep);
    stream::unfold(Some(feed), move |state| {
        let keep = keep.clone();
        async move {
            let mut feed = state?;
            loop {
                let ev = match feed.next().await {
                    Ok(Some(ev)) => ev,
                    Ok(None) => return None,
                    Err(e) => return Some((Err(to_gql(e)), None)),
                };
                let Some(subject) = keep(&ev.kind) else {
                    continue;
                };
                let rc = feed.ctx().clone();
                let visible = match subject {
                    Subject::Meeting(id) => resolvers::meetings::can_see_meeting(&rc, id).await,
                    Subject::Call(id) => resolvers::meetings::can_see_call_id(&rc, id).await,
                };
                match visible {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => return Some((Err(to_gql(e)), None)),
                }
                return Some((render(rc, ev).await, Some(feed)));
            }
        }
    })
}

/// What an event is about, for the visibility check.
#[derive(Clone, Copy)]
enum Subject {
    Meeting(i64),
    Call(i64),
}

fn after_seq(after: Option<&str>) -> Result<Option<i64>> {
    after
        .map(|a| resolvers::events::decode_event_cursor(a, "after"))
        .transpose()
        .gql()
}

/// Live updates of meetings and calls.
#[derive(Default)]
pub struct MeetingsSubscription;

#[Subscription]
impl MeetingsSubscription {
    /// Changes of meetings you can see (scheduled, updated, cancelled, answers, notes);
    /// optionally of one meeting.
    async fn meeting_changed(
        &self,
        ctx: &Context<'_>,
        meeting_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<MeetingChangeEvent>>> {
        let after = after_seq(after.as_deref())?;
        let rc = rctx(ctx)?.clone();
        rc.require(resolvers::auth::Scope::MeetingsRead).gql()?;
        let only = match meeting_id {
            Some(id) => {
                let id = ids::decode(&id, Kind::Meeting, "meetingId")?;
                resolvers::meetings::get_meeting(&rc, id).await.gql()?;
                Some(id)
            }
            None => None,
        };
        let feed = Feed::start(rc, after).await.gql()?;
        Ok(visible_events(
            feed,
            move |kind| match kind {
                EventKind::MeetingChanged { meeting, .. }
                    if only.is_none_or(|only| only == meeting.id) =>
                {
                    Some(Subject::Meeting(meeting.id))
                }
                _ => None,
            },
            |rc, ev| async move {
                let EventKind::MeetingChanged {
                    meeting,
                    change,
                    user_id,
                    note_id,
                } = &ev.kind
                else {
                    return Err(to_gql(resolvers::Error::NotFound("meeting")));
                };
                let current = or_null(resolvers::meetings::get_meeting(&rc, meeting.id).await)?;
                Ok(MeetingChangeEvent {
                    event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                    change: (*change).into(),
                    meeting_id: ids::encode(Kind::Meeting, meeting.id),
                    meeting: current.map(Meeting),
                    user_id: user_id.map(|id| ids::encode(Kind::User, id)),
                    note_id: note_id.map(|id| ids::encode(Kind::MeetingNote, id)),
                    occurred_at: ev.at,
                })
            },
        ))
    }

    /// Changes of calls you can see (started, joined, left, ended, transcript
    /// segments); optionally of one call, or of the calls of one meeting or chat.
    async fn call_changed(
        &self,
        ctx: &Context<'_>,
        call_id: Option<ID>,
        meeting_id: Option<ID>,
        chat_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<CallChangeEvent>>> {
        let after = after_seq(after.as_deref())?;
        let rc = rctx(ctx)?.clone();
        rc.require(resolvers::auth::Scope::MeetingsRead).gql()?;
        let call_id = decode_opt(call_id, Kind::Call, "callId")?;
        let meeting_id = decode_opt(meeting_id, Kind::Meeting, "meetingId")?;
        let chat_id = decode_opt(chat_id, Kind::Chat, "chatId")?;
        if let Some(id) = call_id {
            resolvers::meetings::get_call(&rc, id).await.gql()?;
        }
        if let Some(id) = meeting_id {
            resolvers::meetings::get_meeting(&rc, id).await.gql()?;
        }
        if let Some(id) = chat_id {
            resolvers::chats::get_chat(&rc, id).await.gql()?;
        }
        let feed = Feed::start(rc, after).await.gql()?;
        Ok(visible_events(
            feed,
            move |kind| match kind {
                EventKind::CallChanged { call, .. }
                    if call_id.is_none_or(|id| id == call.id)
                        && meeting_id.is_none_or(|id| call.meeting_id == Some(id))
                        && chat_id.is_none_or(|id| call.chat_id == Some(id)) =>
                {
                    Some(Subject::Call(call.id))
                }
                _ => None,
            },
            |rc, ev| async move {
                let EventKind::CallChanged {
                    call,
                    change,
                    user_id,
                } = &ev.kind
                else {
                    return Err(to_gql(resolvers::Error::NotFound("call")));
                };
                let current = or_null(resolvers::meetings::get_call(&rc, call.id).await)?;
                Ok(CallChangeEvent {
                    event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                    change: (*change).into(),
                    call_id: ids::encode(Kind::Call, call.id),
                    call: current.map(Call),
                    user_id: user_id.map(|id| ids::encode(Kind::User, id)),
                    occurred_at: ev.at,
                })
            },
        ))
    }
}
