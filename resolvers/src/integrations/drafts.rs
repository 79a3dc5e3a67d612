//! Drafts: a user's unsent messages, one or more per chat, optionally scheduled. They
//! are private to their author: anyone else's draft id is NOT_FOUND.

use chrono::{DateTime, Utc};
use entities::drafts;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value as Json, json};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::pagination::{Page, PageArgs, Slice, Window};
use crate::{Ctx, Error, Result};

/// Which drafts to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DraftKind {
    /// Without a schedule (the default).
    #[default]
    Regular,
    /// With a schedule.
    Scheduled,
    /// Both.
    All,
}

/// Input of [`create_draft`] and [`update_draft`].
#[derive(Clone, Debug, Default)]
pub struct DraftInput {
    /// The chat (a thread is a chat); required on create, fixed afterwards.
    pub chat_id: Option<i64>,
    /// Up to 10,000 characters.
    pub content: Option<String>,
    /// A message of the chat this draft answers.
    pub parent_message_id: Option<i64>,
    /// Files, as the client sends them (a JSON array).
    pub files: Option<Json>,
    /// `{start_date, repetition?, end_date?}`.
    pub schedule: Option<Json>,
}

fn next_send_at(schedule: Option<&Json>) -> Result<Option<DateTime<Utc>>> {
    let Some(s) = schedule.filter(|s| !s.is_null()) else {
        return Ok(None);
    };
    let start = s
        .get("start_date")
        .and_then(Json::as_str)
        .ok_or_else(|| Error::invalid("schedule.start_date", "schedule_invalid: required"))?;
    let at = DateTime::parse_from_rfc3339(start)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|d| d.and_utc())
        })
        .map_err(|_| Error::invalid("schedule.start_date", "schedule_invalid: not a date-time"))?;
    if at <= Utc::now() {
        return Err(Error::invalid(
            "schedule.start_date",
            "next_send_at_invalid: must be in the future",
        ));
    }
    Ok(Some(at))
}

fn validate(input: &DraftInput) -> Result<()> {
    if input
        .content
        .as_ref()
        .is_some_and(|c| c.chars().count() > 10_000)
    {
        return Err(Error::invalid("content", "at most 10000 characters"));
    }
    if let Some(f) = &input.files
        && (!f.is_array() || f.as_array().is_some_and(|a| a.len() > 10))
    {
        return Err(Error::invalid("files", "a list of at most 10 files"));
    }
    Ok(())
}

async fn check_parent(ctx: &Ctx, chat_id: i64, parent: Option<i64>) -> Result<()> {
    if let Some(p) = parent {
        let m = crate::messages::get_message_unchecked(&ctx.db, ctx.workspace_id(), p)
            .await
            .map_err(|_| Error::NotFound("message"))?;
        if m.chat_id != chat_id {
            return Err(Error::NotFound("message"));
        }
    }
    Ok(())
}

/// Save a draft in a chat the caller can see (`drafts:write`).
pub async fn create_draft(ctx: &Ctx, input: DraftInput) -> Result<drafts::Model> {
    ctx.require(Scope::DraftsWrite)?;
    validate(&input)?;
    let chat_id = input
        .chat_id
        .ok_or_else(|| Error::invalid("entity_id", "required"))?;
    if !crate::chats::can_read(&ctx.db, &ctx.principal, chat_id).await? {
        return Err(Error::NotFound("chat"));
    }
    check_parent(ctx, chat_id, input.parent_message_id).await?;
    let next = next_send_at(input.schedule.as_ref())?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let row = drafts::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        user_id: Set(ctx.user_id()),
        chat_id: Set(chat_id),
        parent_message_id: Set(input.parent_message_id),
        content: Set(input.content.unwrap_or_default()),
        files: Set(input.files.unwrap_or_else(|| json!([]))),
        schedule: Set(input.schedule.filter(|s| !s.is_null())),
        next_send_at: Set(next),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(
        txn,
        EventKind::DraftChanged {
            draft_id: row.id,
            chat_id,
        },
    )
    .await?;
    Ok(row)
}

/// One of the caller's drafts (`drafts:read`).
pub async fn get_draft(ctx: &Ctx, id: i64) -> Result<drafts::Model> {
    ctx.require(Scope::DraftsRead)?;
    drafts::Entity::find_by_id(id)
        .filter(drafts::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(drafts::Column::UserId.eq(ctx.user_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("draft"))
}

/// The caller's drafts, newest first, optionally of one chat (`drafts:read`).
pub async fn list_drafts(
    ctx: &Ctx,
    kind: DraftKind,
    chat_id: Option<i64>,
    page: PageArgs,
) -> Result<Page<drafts::Model>> {
    let mut q = filtered(ctx, kind, chat_id)?;
    if let Some(after) = page.after {
        q = q.filter(drafts::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(drafts::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

/// The caller's drafts, newest first, optionally of one chat, through a two-way
/// [`Window`] (`drafts:read`).
pub async fn list_drafts_window(
    ctx: &Ctx,
    kind: DraftKind,
    chat_id: Option<i64>,
    window: Window,
) -> Result<Slice<drafts::Model>> {
    let q = filtered(ctx, kind, chat_id)?;
    let q = window.apply(q, drafts::Column::Id, drafts::Column::Id, true);
    Ok(window.finish(q.all(&ctx.db).await?))
}

fn filtered(
    ctx: &Ctx,
    kind: DraftKind,
    chat_id: Option<i64>,
) -> Result<sea_orm::Select<drafts::Entity>> {
    ctx.require(Scope::DraftsRead)?;
    let mut q = drafts::Entity::find()
        .filter(drafts::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(drafts::Column::UserId.eq(ctx.user_id()));
    match kind {
        DraftKind::Regular => q = q.filter(drafts::Column::NextSendAt.is_null()),
        DraftKind::Scheduled => q = q.filter(drafts::Column::NextSendAt.is_not_null()),
        DraftKind::All => {}
    }
    if let Some(c) = chat_id {
        q = q.filter(drafts::Column::ChatId.eq(c));
    }
    Ok(q)
}

/// Change one of the caller's drafts (`drafts:write`). A regular draft cannot become
/// scheduled nor the other way round (`draft_type_change_forbidden`).
pub async fn update_draft(ctx: &Ctx, id: i64, input: DraftInput) -> Result<drafts::Model> {
    ctx.require(Scope::DraftsWrite)?;
    validate(&input)?;
    let row = get_draft(ctx, id).await?;
    if input.chat_id.is_some_and(|c| c != row.chat_id) {
        return Err(Error::invalid(
            "entity_id",
            "a draft cannot move to another chat",
        ));
    }
    let mut am: drafts::ActiveModel = row.clone().into();
    if let Some(schedule) = input.schedule.filter(|s| !s.is_null()) {
        if row.schedule.is_none() {
            return Err(Error::invalid(
                "schedule",
                "draft_type_change_forbidden: a regular draft cannot be scheduled",
            ));
        }
        am.next_send_at = Set(next_send_at(Some(&schedule))?);
        am.schedule = Set(Some(schedule));
    }
    if let Some(p) = input.parent_message_id {
        check_parent(ctx, row.chat_id, Some(p)).await?;
        am.parent_message_id = Set(Some(p));
    }
    if let Some(c) = input.content {
        am.content = Set(c);
    }
    if let Some(f) = input.files {
        am.files = Set(f);
    }
    am.updated_at = Set(Utc::now());
    let txn = ctx.write().await?;
    let row = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::DraftChanged {
            draft_id: row.id,
            chat_id: row.chat_id,
        },
    )
    .await?;
    Ok(row)
}

/// Delete one of the caller's drafts (`drafts:write`).
pub async fn delete_draft(ctx: &Ctx, id: i64) -> Result<()> {
    ctx.require(Scope::DraftsWrite)?;
    let row = get_draft(ctx, id).await?;
    let txn = ctx.write().await?;
    drafts::Entity::delete_by_id(row.id).exec(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::DraftChanged {
            draft_id: row.id,
            chat_id: row.chat_id,
        },
    )
    .await?;
    Ok(())
}
