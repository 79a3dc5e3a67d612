//! Meetings ("Pulse"): meetings and attendees, calls and join tokens, transcripts, notes
//! and the calendar feed. Thin wrappers: every field reads the resolver's output or
//! calls a resolver.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entities::{
    call_participants, meeting_attendees, meeting_note_revisions, meeting_notes,
    transcript_segments,
};
use resolvers::meetings::{
    CalendarFeed as DomainFeed, CallJoin as DomainJoin, CallView, Media, MeetingStatus,
    MeetingView, Rsvp, Transcript as DomainTranscript,
};
use serde::Serialize;

use super::{Chat, User};
use crate::context::{loaders, rctx};
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::loaders::load_err;

async fn user(ctx: &Context<'_>, id: i64) -> Result<Option<User>> {
    Ok(loaders(ctx)?
        .users
        .load_one(id)
        .await
        .map_err(load_err)?
        .map(User))
}

/// A missing or invisible object is `null`; every other error stays an error.
fn or_null<T>(r: resolvers::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(resolvers::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(crate::error::to_gql(e)),
    }
}

/// What a meeting or call carries.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[graphql(name = "MeetingMedia")]
pub enum MediaGql {
    /// Voice only.
    Audio,
    /// Voice and video.
    Video,
}

impl From<MediaGql> for Media {
    fn from(m: MediaGql) -> Self {
        match m {
            MediaGql::Audio => Media::Audio,
            MediaGql::Video => Media::Video,
        }
    }
}

fn media_of(stored: &str) -> Result<MediaGql> {
    Ok(match stored.parse::<Media>().gql()? {
        Media::Audio => MediaGql::Audio,
        Media::Video => MediaGql::Video,
    })
}

/// Whether a meeting still takes place.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "MeetingStatus")]
pub enum MeetingStatusGql {
    /// Planned.
    Scheduled,
    /// Called off.
    Cancelled,
}

impl From<MeetingStatusGql> for MeetingStatus {
    fn from(s: MeetingStatusGql) -> Self {
        match s {
            MeetingStatusGql::Scheduled => MeetingStatus::Scheduled,
            MeetingStatusGql::Cancelled => MeetingStatus::Cancelled,
        }
    }
}

/// An attendee's answer.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RsvpStatus {
    /// Not answered yet (again after a time change).
    Pending,
    /// Coming.
    Accepted,
    /// Not coming.
    Declined,
    /// Maybe.
    Tentative,
}

impl From<RsvpStatus> for Rsvp {
    fn from(r: RsvpStatus) -> Self {
        match r {
            RsvpStatus::Pending => Rsvp::Pending,
            RsvpStatus::Accepted => Rsvp::Accepted,
            RsvpStatus::Declined => Rsvp::Declined,
            RsvpStatus::Tentative => Rsvp::Tentative,
        }
    }
}

/// Whether a call runs.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// Running: joins are accepted.
    Active,
    /// Over.
    Ended,
}

/// A meeting.
pub struct Meeting(pub MeetingView);

#[Object]
impl Meeting {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Meeting, self.0.meeting.id)
    }
    /// The row id, as the REST dialects render it.
    async fn database_id(&self) -> i64 {
        self.0.meeting.id
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.meeting.title
    }
    /// Agenda (Markdown; empty when none).
    async fn agenda(&self) -> &str {
        &self.0.meeting.agenda
    }
    /// Location (empty when none).
    async fn location(&self) -> &str {
        &self.0.meeting.location
    }
    /// IANA time zone it was planned in.
    async fn timezone(&self) -> &str {
        &self.0.meeting.time_zone
    }
    /// Audio or video.
    async fn media(&self) -> Result<MediaGql> {
        media_of(&self.0.meeting.media)
    }
    /// Scheduled or cancelled.
    async fn status(&self) -> Result<MeetingStatusGql> {
        Ok(
            match self.0.meeting.status.parse::<MeetingStatus>().gql()? {
                MeetingStatus::Scheduled => MeetingStatusGql::Scheduled,
                MeetingStatus::Cancelled => MeetingStatusGql::Cancelled,
            },
        )
    }
    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.meeting.starts_at
    }
    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.meeting.ends_at
    }
    /// The organiser's global id.
    async fn organiser_id(&self) -> ID {
        ids::encode(Kind::User, self.0.meeting.organiser_id)
    }
    /// The organiser.
    async fn organiser(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.meeting.organiser_id).await
    }
    /// Invited users and their answers.
    async fn attendees(&self) -> Vec<MeetingAttendee> {
        self.0
            .attendees
            .iter()
            .cloned()
            .map(MeetingAttendee)
            .collect()
    }
    /// The chat's global id, when it belongs to one.
    async fn chat_id(&self) -> Option<ID> {
        self.0.meeting.chat_id.map(|id| ids::encode(Kind::Chat, id))
    }
    /// The chat, when it belongs to one you can see.
    async fn chat(&self, ctx: &Context<'_>) -> Result<Option<Chat>> {
        match self.0.meeting.chat_id {
            Some(id) => Ok(or_null(resolvers::chats::get_chat(rctx(ctx)?, id).await)?.map(Chat)),
            None => Ok(None),
        }
    }
    /// The running call's global id.
    async fn active_call_id(&self) -> Option<ID> {
        self.0.active_call_id.map(|id| ids::encode(Kind::Call, id))
    }
    /// The running call.
    async fn active_call(&self, ctx: &Context<'_>) -> Result<Option<Call>> {
        match self.0.active_call_id {
            Some(id) => Ok(or_null(resolvers::meetings::get_call(rctx(ctx)?, id).await)?.map(Call)),
            None => Ok(None),
        }
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.meeting.cancel_reason.as_deref()
    }
    /// iCalendar `SEQUENCE`: raised by every change.
    async fn sequence(&self) -> i64 {
        self.0.meeting.sequence
    }
    /// Created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.meeting.created_at
    }
    /// Last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.meeting.updated_at
    }
    /// The meeting as an iCalendar document (one `VEVENT`).
    async fn icalendar(&self, ctx: &Context<'_>) -> Result<String> {
        resolvers::meetings::meeting_calendar(rctx(ctx)?, self.0.meeting.id)
            .await
            .gql()
    }
    /// Its notes, oldest first.
    async fn notes(&self, ctx: &Context<'_>) -> Result<Vec<MeetingNote>> {
        let rows = resolvers::meetings::list_meeting_notes(rctx(ctx)?, self.0.meeting.id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(MeetingNote).collect())
    }
    /// Its transcripts, one per call, oldest first.
    async fn transcripts(&self, ctx: &Context<'_>) -> Result<Vec<Transcript>> {
        let rows = resolvers::meetings::meeting_transcripts(rctx(ctx)?, self.0.meeting.id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Transcript).collect())
    }
}

/// An invited user and their answer.
pub struct MeetingAttendee(pub meeting_attendees::Model);

#[Object]
impl MeetingAttendee {
    /// The user's global id.
    async fn user_id(&self) -> ID {
        ids::encode(Kind::User, self.0.user_id)
    }
    /// The user.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.user_id).await
    }
    /// Their answer.
    async fn rsvp(&self) -> Result<RsvpStatus> {
        Ok(match self.0.rsvp.parse::<Rsvp>().gql()? {
            Rsvp::Pending => RsvpStatus::Pending,
            Rsvp::Accepted => RsvpStatus::Accepted,
            Rsvp::Declined => RsvpStatus::Declined,
            Rsvp::Tentative => RsvpStatus::Tentative,
        })
    }
    /// Their comment.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// When they answered.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
}

/// A call of a meeting or a chat.
pub struct Call(pub CallView);

#[Object]
impl Call {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Call, self.0.call.id)
    }
    /// The row id.
    async fn database_id(&self) -> i64 {
        self.0.call.id
    }
    /// The meeting's global id, for a meeting call.
    async fn meeting_id(&self) -> Option<ID> {
        self.0
            .call
            .meeting_id
            .map(|id| ids::encode(Kind::Meeting, id))
    }
    /// The meeting, for a meeting call you can see.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>> {
        match self.0.call.meeting_id {
            Some(id) => {
                Ok(or_null(resolvers::meetings::get_meeting(rctx(ctx)?, id).await)?.map(Meeting))
            }
            None => Ok(None),
        }
    }
    /// The chat it posts to.
    async fn chat_id(&self) -> Option<ID> {
        self.0.call.chat_id.map(|id| ids::encode(Kind::Chat, id))
    }
    /// Audio or video.
    async fn media(&self) -> Result<MediaGql> {
        media_of(&self.0.call.media)
    }
    /// Running or ended.
    async fn status(&self) -> CallStatus {
        if self.0.call.status == "active" {
            CallStatus::Active
        } else {
            CallStatus::Ended
        }
    }
    /// Who started it.
    async fn started_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.call.started_by_id).await
    }
    /// Its starter's global id.
    async fn started_by_id(&self) -> ID {
        ids::encode(Kind::User, self.0.call.started_by_id)
    }
    /// Started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.call.started_at
    }
    /// Ended.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.call.ended_at
    }
    /// Everyone who joined.
    async fn participants(&self) -> Vec<CallParticipant> {
        self.0
            .participants
            .iter()
            .cloned()
            .map(CallParticipant)
            .collect()
    }
    /// The system message that announced the start.
    async fn start_message_id(&self) -> Option<ID> {
        self.0
            .call
            .start_message_id
            .map(|id| ids::encode(Kind::Message, id))
    }
    /// The system message that announced the end.
    async fn end_message_id(&self) -> Option<ID> {
        self.0
            .call
            .end_message_id
            .map(|id| ids::encode(Kind::Message, id))
    }
    /// Its transcript so far.
    async fn transcript(&self, ctx: &Context<'_>) -> Result<Transcript> {
        Ok(Transcript(
            resolvers::meetings::call_transcript(rctx(ctx)?, self.0.call.id)
                .await
                .gql()?,
        ))
    }
}

/// Someone who joined a call.
pub struct CallParticipant(pub call_participants::Model);

#[Object]
impl CallParticipant {
    /// The user's global id.
    async fn user_id(&self) -> ID {
        ids::encode(Kind::User, self.0.user_id)
    }
    /// The user.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.user_id).await
    }
    /// Their latest join.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
    /// When they left (null while in the call).
    async fn left_at(&self) -> Option<DateTime<Utc>> {
        self.0.left_at
    }
}

/// What a joiner needs to connect to the media server.
pub struct CallJoin(pub DomainJoin);

#[Object]
impl CallJoin {
    /// The call.
    async fn call(&self) -> Call {
        Call(self.0.call.clone())
    }
    /// A short-lived JWT for the media server (LiveKit claims: `iss`, `sub`, `name`,
    /// `nbf`, `exp`, `video.room`, `video.roomJoin`, …).
    async fn join_token(&self) -> &str {
        &self.0.join_token
    }
    /// Where to connect with the token.
    async fn media_url(&self) -> &str {
        &self.0.media_url
    }
    /// The media server's room.
    async fn room(&self) -> &str {
        &self.0.room
    }
    /// When the token expires.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// A call's transcript.
pub struct Transcript(pub DomainTranscript);

#[Object]
impl Transcript {
    /// The call's global id.
    async fn call_id(&self) -> ID {
        ids::encode(Kind::Call, self.0.call.id)
    }
    /// The meeting's global id, for a meeting call.
    async fn meeting_id(&self) -> Option<ID> {
        self.0
            .call
            .meeting_id
            .map(|id| ids::encode(Kind::Meeting, id))
    }
    /// BCP 47 language, when known.
    async fn language(&self) -> Option<&str> {
        self.0.language()
    }
    /// When the call started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at()
    }
    /// When the call ended.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at()
    }
    /// Segments by start offset.
    async fn segments(&self) -> Vec<TranscriptSegment> {
        self.0
            .segments
            .iter()
            .cloned()
            .map(TranscriptSegment)
            .collect()
    }
}

/// One spoken segment.
pub struct TranscriptSegment(pub transcript_segments::Model);

#[Object]
impl TranscriptSegment {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::TranscriptSegment, self.0.id)
    }
    /// The call's global id.
    async fn call_id(&self) -> ID {
        ids::encode(Kind::Call, self.0.call_id)
    }
    /// The meeting's global id, for a meeting call.
    async fn meeting_id(&self) -> Option<ID> {
        self.0.meeting_id.map(|id| ids::encode(Kind::Meeting, id))
    }
    /// The speaker's global id, when a user.
    async fn speaker_id(&self) -> Option<ID> {
        self.0.speaker_id.map(|id| ids::encode(Kind::User, id))
    }
    /// The speaker, when a user.
    async fn speaker(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.speaker_id {
            Some(id) => user(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The speaker's name.
    async fn speaker_name(&self) -> &str {
        &self.0.speaker_name
    }
    /// Start offset from the call's start, in milliseconds.
    async fn start_ms(&self) -> i64 {
        self.0.start_ms
    }
    /// End offset, in milliseconds.
    async fn end_ms(&self) -> i64 {
        self.0.end_ms
    }
    /// What was said.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// When it arrived.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A meeting note (Markdown) with revisions.
pub struct MeetingNote(pub meeting_notes::Model);

#[Object]
impl MeetingNote {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::MeetingNote, self.0.id)
    }
    /// The row id.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// The meeting's global id.
    async fn meeting_id(&self) -> ID {
        ids::encode(Kind::Meeting, self.0.meeting_id)
    }
    /// Title (may be empty).
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Markdown content.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// 1 when created, +1 per edit: pass it to `updateMeetingNote`.
    async fn revision(&self) -> i64 {
        self.0.revision
    }
    /// The author.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.created_by_id).await
    }
    /// The last editor.
    async fn updated_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.updated_by_id).await
    }
    /// Created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last edited.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Previous versions, oldest first.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<MeetingNoteRevision>> {
        let rows = resolvers::meetings::list_note_revisions(rctx(ctx)?, self.0.id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(MeetingNoteRevision).collect())
    }
}

/// A previous version of a note.
pub struct MeetingNoteRevision(pub meeting_note_revisions::Model);

#[Object]
impl MeetingNoteRevision {
    /// The revision number it had.
    async fn revision(&self) -> i64 {
        self.0.revision
    }
    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Its content.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// Who wrote it.
    async fn editor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.0.editor_id).await
    }
    /// When an edit replaced it.
    async fn replaced_at(&self) -> DateTime<Utc> {
        self.0.replaced_at
    }
}

/// Your iCalendar feed.
pub struct CalendarFeed(pub DomainFeed);

#[Object]
impl CalendarFeed {
    /// Whether a feed URL works.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// The secret feed URL (`<server>/calendar/<token>.ics`; relative when the server
    /// does not know its public address): only in the answer of `rotateCalendarFeed`; it
    /// is never shown again.
    async fn url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let base = &rctx(ctx)?.env.public_url;
        Ok(self.0.path().map(|path| format!("{base}{path}")))
    }
    /// The token's visible start, to recognise it.
    async fn prefix(&self) -> Option<&str> {
        self.0.prefix.as_deref()
    }
    /// When the current URL was made.
    async fn created_at(&self) -> Option<DateTime<Utc>> {
        self.0.created_at
    }
}

/// Input of `scheduleMeeting`.
#[derive(InputObject, Serialize)]
pub struct ScheduleMeetingInput {
    /// 1–200 characters.
    pub title: String,
    /// Markdown, up to 10,000 characters.
    pub agenda: Option<String>,
    /// Up to 500 characters.
    pub location: Option<String>,
    /// IANA time zone (default `UTC`).
    pub timezone: Option<String>,
    /// Default `VIDEO`.
    pub media: Option<MediaGql>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End: after the start, at most 24 hours later.
    pub ends_at: DateTime<Utc>,
    /// Invited users.
    #[graphql(default)]
    pub attendee_ids: Vec<ID>,
    /// A chat whose readers see the meeting and where its calls post.
    pub chat_id: Option<ID>,
}

/// Input of `updateMeeting`: absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateMeetingInput {
    /// New title.
    pub title: Option<String>,
    /// New agenda (empty clears it).
    pub agenda: Option<String>,
    /// New location (empty clears it).
    pub location: Option<String>,
    /// New time zone.
    pub timezone: Option<String>,
    /// New media.
    pub media: Option<MediaGql>,
    /// New start (resets every answer to pending).
    pub starts_at: Option<DateTime<Utc>>,
    /// New end (resets every answer to pending).
    pub ends_at: Option<DateTime<Utc>>,
    /// The new attendee list.
    pub attendee_ids: Option<Vec<ID>>,
    /// A chat, or `null` to unlink it.
    pub chat_id: MaybeUndefined<ID>,
}

/// Input of `startCall`: exactly one of `meetingId` and `chatId`.
#[derive(InputObject, Serialize)]
pub struct StartCallInput {
    /// A meeting you can see.
    pub meeting_id: Option<ID>,
    /// A chat you are a member of.
    pub chat_id: Option<ID>,
    /// Default: the meeting's media, else `VIDEO`.
    pub media: Option<MediaGql>,
}

/// One transcript segment to append.
#[derive(InputObject, serde::Serialize)]
pub struct TranscriptSegmentInput {
    /// The speaker, when a user of the workspace.
    pub speaker_id: Option<ID>,
    /// The speaker's name (default: the user's name).
    pub speaker_name: Option<String>,
    /// Offset from the call's start, in milliseconds.
    pub start_ms: i64,
    /// End offset, in milliseconds.
    pub end_ms: i64,
    /// What was said.
    pub text: String,
}
