//! Transcripts: segments (speaker, start, end, text) appended by the media pipeline while
//! or after a call runs, read per call or per meeting, and searched (see
//! `search::search_transcripts`) with the database's full-text engine.

use chrono::{DateTime, Utc};
use entities::{calls, transcript_segments};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, Value};
use serde::{Deserialize, Serialize};

use super::CallChange;
use super::calls::visible_call;
use crate::auth::Scope;
use crate::ctx::Principal;
use crate::events::{EventKind, record};
use crate::people::Role;
use crate::{Ctx, Error, Result};

/// Most segments in one append.
pub const MAX_SEGMENTS: usize = 500;
/// Longest segment text, in characters.
pub const MAX_SEGMENT_TEXT: usize = 5_000;
/// Longest speaker name, in characters.
pub const MAX_SPEAKER_NAME: usize = 200;

/// One segment to append.
#[derive(Clone, Debug, Default)]
pub struct SegmentInput {
    /// The speaker, when a user of the workspace.
    pub speaker_id: Option<i64>,
    /// The speaker's name (default: the user's display name).
    pub speaker_name: Option<String>,
    /// Offset from the call's start, in milliseconds.
    pub start_ms: i64,
    /// End offset, at or after `start_ms`.
    pub end_ms: i64,
    /// What was said: 1–5,000 characters.
    pub text: String,
}

/// A call's transcript: the segments so far, by start offset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Transcript {
    /// The call.
    pub call: calls::Model,
    /// Its segments.
    pub segments: Vec<transcript_segments::Model>,
}

impl Transcript {
    /// The transcript's language, when the pipeline said.
    pub fn language(&self) -> Option<&str> {
        self.call.transcript_language.as_deref()
    }
    /// When the call started.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.call.started_at
    }
    /// When the call ended (`None` while it runs).
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.call.ended_at
    }
}

fn validate_language(language: &str) -> Result<String> {
    let l = language.trim();
    let ok =
        !l.is_empty() && l.len() <= 35 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(l.to_owned())
    } else {
        Err(Error::invalid("language", "must be a BCP 47 language tag"))
    }
}

/// Append segments to a call's transcript (anyone who can see the call; the media
/// pipeline acts as such a user). All or nothing.
pub async fn append_transcript_segments(
    ctx: &Ctx,
    call_id: i64,
    language: Option<String>,
    segments: Vec<SegmentInput>,
) -> Result<Vec<transcript_segments::Model>> {
    ctx.require(Scope::MeetingsWrite)?;
    let call = visible_call(&ctx.db, &ctx.principal, call_id).await?;
    let language = language.as_deref().map(validate_language).transpose()?;
    if segments.is_empty() || segments.len() > MAX_SEGMENTS {
        return Err(Error::invalid(
            "segments",
            format!("give 1 to {MAX_SEGMENTS} segments"),
        ));
    }
    let speaker_ids: Vec<i64> = segments.iter().filter_map(|s| s.speaker_id).collect();
    let speakers = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), &speaker_ids).await?;
    let mut rows = Vec::with_capacity(segments.len());
    for (i, s) in segments.into_iter().enumerate() {
        let field = |f: &str| format!("segments[{i}].{f}");
        if s.start_ms < 0 {
            return Err(Error::invalid(field("startMs"), "must not be negative"));
        }
        if s.end_ms < s.start_ms {
            return Err(Error::invalid(field("endMs"), "must not be before startMs"));
        }
        let text = s.text.trim();
        let n = text.chars().count();
        if n == 0 || n > MAX_SEGMENT_TEXT {
            return Err(Error::invalid(
                field("text"),
                format!("1 to {MAX_SEGMENT_TEXT} characters required"),
            ));
        }
        let known = match s.speaker_id {
            Some(id) => Some(
                speakers
                    .get(&id)
                    .ok_or_else(|| Error::invalid(field("speakerId"), "no such user"))?,
            ),
            None => None,
        };
        let speaker_name = match (s.speaker_name.as_deref().map(str::trim), known) {
            (Some(name), _) if !name.is_empty() => name.to_owned(),
            (_, Some(user)) => crate::people::display_name(user),
            _ => String::new(),
        };
        if speaker_name.chars().count() > MAX_SPEAKER_NAME {
            return Err(Error::invalid(
                field("speakerName"),
                format!("must be at most {MAX_SPEAKER_NAME} characters"),
            ));
        }
        rows.push((
            s.speaker_id,
            speaker_name,
            s.start_ms,
            s.end_ms,
            text.to_owned(),
        ));
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    let mut out = Vec::with_capacity(rows.len());
    for (speaker_id, speaker_name, start_ms, end_ms, text) in rows {
        out.push(
            transcript_segments::ActiveModel {
                workspace_id: Set(ctx.workspace_id()),
                call_id: Set(call.id),
                meeting_id: Set(call.meeting_id),
                speaker_id: Set(speaker_id),
                speaker_name: Set(speaker_name),
                start_ms: Set(start_ms),
                end_ms: Set(end_ms),
                text: Set(text),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?,
        );
    }
    let call = match language {
        Some(lang) if call.transcript_language.as_deref() != Some(lang.as_str()) => {
            let mut am: calls::ActiveModel = call.into();
            am.transcript_language = Set(Some(lang));
            am.update(&txn).await?
        }
        _ => call,
    };
    let summary = serde_json::json!({ "segments": out.len() });
    let event = record(
        &txn,
        ctx,
        EventKind::CallChanged {
            call,
            change: CallChange::TranscriptAppended,
            user_id: None,
        },
        Some(summary),
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(out)
}

async fn transcript_of(ctx: &Ctx, call: calls::Model) -> Result<Transcript> {
    let segments = transcript_segments::Entity::find()
        .filter(transcript_segments::Column::CallId.eq(call.id))
        .order_by_asc(transcript_segments::Column::StartMs)
        .order_by_asc(transcript_segments::Column::Id)
        .all(&ctx.db)
        .await?;
    Ok(Transcript { call, segments })
}

/// A call's transcript (segments so far while it runs).
pub async fn call_transcript(ctx: &Ctx, call_id: i64) -> Result<Transcript> {
    ctx.require(Scope::MeetingsRead)?;
    let call = visible_call(&ctx.db, &ctx.principal, call_id).await?;
    transcript_of(ctx, call).await
}

/// The transcripts of a meeting, one per call, oldest first.
pub async fn meeting_transcripts(ctx: &Ctx, meeting_id: i64) -> Result<Vec<Transcript>> {
    ctx.require(Scope::MeetingsRead)?;
    let meeting = super::visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    let calls = calls::Entity::find()
        .filter(calls::Column::MeetingId.eq(meeting.id))
        .order_by_asc(calls::Column::Id)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        out.push(transcript_of(ctx, call).await?);
    }
    Ok(out)
}

/// The SQL condition (with its values, `?` placeholders) under which `p` may see the
/// transcript segment aliased `s`: the meetings rule of [`super::can_see`] and the call
/// rule of `calls::can_see_call`, for lists. Admins see every segment of the workspace.
pub(crate) fn visible_segment_sql(p: &Principal) -> (String, Vec<Value>) {
    if p.is_admin() {
        return ("1 = 1".to_owned(), Vec::new());
    }
    let me = p.user_id;
    let guest = p.role == Role::Guest;
    let mut values: Vec<Value> = Vec::new();
    let chat_readable = |col: &str, values: &mut Vec<Value>| {
        values.push(me.into());
        let mut sql = format!(
            "EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = {col} AND cm.user_id = ?)"
        );
        if !guest {
            values.push(true.into());
            sql.push_str(&format!(
                " OR EXISTS (SELECT 1 FROM chats ch WHERE ch.id = {col} AND ch.kind IN ('channel', 'group') AND ch.is_public = ?)"
            ));
        }
        format!("({sql})")
    };
    values.push(me.into());
    values.push(me.into());
    let meeting_chat = chat_readable("mt.chat_id", &mut values);
    let call_chat = chat_readable("sc.chat_id", &mut values);
    values.push(me.into());
    let sql = format!(
        "EXISTS (SELECT 1 FROM calls sc LEFT JOIN meetings mt ON mt.id = sc.meeting_id WHERE sc.id = s.call_id AND ( \
           (sc.meeting_id IS NOT NULL AND (mt.organiser_id = ? \
              OR EXISTS (SELECT 1 FROM meeting_attendees ma WHERE ma.meeting_id = mt.id AND ma.user_id = ?) \
              OR (mt.chat_id IS NOT NULL AND {meeting_chat}))) \
           OR (sc.meeting_id IS NULL AND sc.chat_id IS NOT NULL AND {call_chat}) \
           OR EXISTS (SELECT 1 FROM call_participants cp WHERE cp.call_id = sc.id AND cp.user_id = ?)))"
    );
    (sql, values)
}
