//! Meeting notes: Markdown documents of a meeting, editable by whoever sees the meeting,
//! with every previous version kept. Edits name the revision they were based on; a stale
//! one is refused (optimistic concurrency), so two editors never overwrite each other.

use chrono::Utc;
use entities::{meeting_note_revisions, meeting_notes, meetings};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{MeetingChange, text_field, visible_meeting};
use crate::auth::Scope;
use crate::events::{EventKind, record};
use crate::{Ctx, Error, Result};

/// Longest note, in characters.
pub const MAX_NOTE: usize = 50_000;
/// Longest note title, in characters.
pub const MAX_NOTE_TITLE: usize = 200;

/// A note the caller can see, with its meeting.
async fn visible_note(ctx: &Ctx, note_id: i64) -> Result<(meeting_notes::Model, meetings::Model)> {
    let note = meeting_notes::Entity::find_by_id(note_id)
        .filter(meeting_notes::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("meeting note"))?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, note.meeting_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("meeting note"),
            other => other,
        })?;
    Ok((note, meeting))
}

/// The notes of a meeting, oldest first.
pub async fn list_meeting_notes(ctx: &Ctx, meeting_id: i64) -> Result<Vec<meeting_notes::Model>> {
    ctx.require(Scope::MeetingsRead)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    Ok(meeting_notes::Entity::find()
        .filter(meeting_notes::Column::MeetingId.eq(meeting.id))
        .order_by_asc(meeting_notes::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// One note.
pub async fn get_meeting_note(ctx: &Ctx, note_id: i64) -> Result<meeting_notes::Model> {
    ctx.require(Scope::MeetingsRead)?;
    Ok(visible_note(ctx, note_id).await?.0)
}

/// Every previous version of a note, oldest first.
pub async fn list_note_revisions(
    ctx: &Ctx,
    note_id: i64,
) -> Result<Vec<meeting_note_revisions::Model>> {
    ctx.require(Scope::MeetingsRead)?;
    let (note, _) = visible_note(ctx, note_id).await?;
    Ok(meeting_note_revisions::Entity::find()
        .filter(meeting_note_revisions::Column::NoteId.eq(note.id))
        .order_by_asc(meeting_note_revisions::Column::Revision)
        .all(&ctx.db)
        .await?)
}

/// Add a note to a meeting (revision 1).
pub async fn create_meeting_note(
    ctx: &Ctx,
    meeting_id: i64,
    title: Option<String>,
    content: String,
) -> Result<meeting_notes::Model> {
    ctx.require(Scope::MeetingsWrite)?;
    let meeting = visible_meeting(&ctx.db, &ctx.principal, meeting_id).await?;
    let title = text_field(
        title.as_deref().unwrap_or_default(),
        "title",
        MAX_NOTE_TITLE,
        false,
    )?;
    let content = text_field(&content, "content", MAX_NOTE, true)?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let note = meeting_notes::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        meeting_id: Set(meeting.id),
        title: Set(title),
        content: Set(content),
        revision: Set(1),
        created_by_id: Set(ctx.user_id()),
        updated_by_id: Set(ctx.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = record(
        &txn,
        ctx,
        EventKind::MeetingChanged {
            meeting,
            change: MeetingChange::NoteCreated,
            user_id: None,
            note_id: Some(note.id),
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(note)
}

/// Edit a note based on `revision`: the previous version is kept and the revision goes
/// up by one. A stale `revision` (someone edited meanwhile) is a conflict.
pub async fn update_meeting_note(
    ctx: &Ctx,
    note_id: i64,
    revision: i64,
    title: Option<String>,
    content: Option<String>,
) -> Result<meeting_notes::Model> {
    ctx.require(Scope::MeetingsWrite)?;
    let (note, meeting) = visible_note(ctx, note_id).await?;
    if title.is_none() && content.is_none() {
        return Err(Error::invalid("content", "nothing to change"));
    }
    let title = title
        .map(|t| text_field(&t, "title", MAX_NOTE_TITLE, false))
        .transpose()?;
    let content = content
        .map(|c| text_field(&c, "content", MAX_NOTE, true))
        .transpose()?;
    let stale = |current: i64| {
        Error::conflict(
            "revision",
            format!("stale revision {revision}: the note is at revision {current}"),
        )
    };
    if revision != note.revision {
        return Err(stale(note.revision));
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    // Compare and set: only the edit based on the current revision wins.
    let updated = meeting_notes::Entity::update_many()
        .col_expr(
            meeting_notes::Column::Title,
            Expr::value(title.unwrap_or_else(|| note.title.clone())),
        )
        .col_expr(
            meeting_notes::Column::Content,
            Expr::value(content.unwrap_or_else(|| note.content.clone())),
        )
        .col_expr(meeting_notes::Column::Revision, Expr::value(revision + 1))
        .col_expr(
            meeting_notes::Column::UpdatedById,
            Expr::value(ctx.user_id()),
        )
        .col_expr(meeting_notes::Column::UpdatedAt, Expr::value(now))
        .filter(meeting_notes::Column::Id.eq(note.id))
        .filter(meeting_notes::Column::Revision.eq(revision))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated == 0 {
        let current = meeting_notes::Entity::find_by_id(note.id)
            .one(&txn)
            .await?
            .map(|n| n.revision)
            .unwrap_or(revision);
        return Err(stale(current));
    }
    meeting_note_revisions::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        note_id: Set(note.id),
        revision: Set(note.revision),
        title: Set(note.title.clone()),
        content: Set(note.content.clone()),
        editor_id: Set(note.updated_by_id),
        replaced_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let fresh = meeting_notes::Entity::find_by_id(note.id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("meeting note"))?;
    let event = record(
        &txn,
        ctx,
        EventKind::MeetingChanged {
            meeting,
            change: MeetingChange::NoteUpdated,
            user_id: None,
            note_id: Some(note.id),
        },
        Some(serde_json::json!({ "revision": fresh.revision })),
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(fresh)
}

/// Delete a note and its revisions (its author, the meeting's organiser, admins).
pub async fn delete_meeting_note(ctx: &Ctx, note_id: i64) -> Result<meeting_notes::Model> {
    ctx.require(Scope::MeetingsWrite)?;
    let (note, meeting) = visible_note(ctx, note_id).await?;
    let p = &ctx.principal;
    if !(p.is_admin() || note.created_by_id == p.user_id || meeting.organiser_id == p.user_id) {
        return Err(Error::Forbidden(
            "only the note's author or the meeting's organiser can delete it".into(),
        ));
    }
    let txn = ctx.write().await?;
    meeting_note_revisions::Entity::delete_many()
        .filter(meeting_note_revisions::Column::NoteId.eq(note.id))
        .exec(&txn)
        .await?;
    meeting_notes::Entity::delete_by_id(note.id)
        .exec(&txn)
        .await?;
    let event = record(
        &txn,
        ctx,
        EventKind::MeetingChanged {
            meeting,
            change: MeetingChange::NoteDeleted,
            user_id: None,
            note_id: Some(note.id),
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(note)
}
