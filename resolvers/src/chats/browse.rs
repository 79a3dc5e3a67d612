//! Chat listings with sorting and filters, company-wide listings for admins, group tags
//! linked to chats (whose members follow the tag), unread marks, member listings by
//! role, and threads (including standalone ones, which have no root message).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{
    chat_group_tags, chat_members, chats, group_tag_members, group_tags, messages, users,
};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{ChatKind, ChatRole, access, members::insert_members};
use crate::auth::Scope;
use crate::events::{Event, EventKind, MembershipChange, record};
use crate::pagination::{Slice, Window};
use crate::people::Role;
use crate::{Ctx, Error, Result};

/// What [`browse_chats`] lists and in which order.
#[derive(Clone, Debug, Default)]
pub struct ChatQuery {
    /// Sort by last activity rather than id.
    pub by_activity: bool,
    /// Newest (or highest id) first.
    pub desc: bool,
    /// Only public chats (the caller may join) rather than the caller's own.
    pub public_only: bool,
    /// Archived chats instead of active ones.
    pub archived: bool,
    /// Only direct (`true`) or only non-direct (`false`) chats.
    pub personal: Option<bool>,
    /// Only chats active at or after this time.
    pub active_after: Option<DateTime<Utc>>,
    /// Only chats active at or before this time.
    pub active_before: Option<DateTime<Utc>>,
}

fn mine(user_id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(chat_members::Column::ChatId)
        .from(chat_members::Entity)
        .and_where(chat_members::Column::UserId.eq(user_id))
        .to_owned()
}

fn group_kinds() -> [&'static str; 2] {
    [ChatKind::Channel.as_str(), ChatKind::Group.as_str()]
}

/// Channels, groups and direct chats the caller can see (threads are listed by
/// [`list_threads`]).
pub async fn browse_chats(
    ctx: &Ctx,
    query: ChatQuery,
    window: Window,
) -> Result<Slice<chats::Model>> {
    ctx.require(Scope::ChatsRead)?;
    let mut q = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chats::Column::Kind.ne(ChatKind::Thread.as_str()));
    if query.public_only {
        if ctx.principal.role == Role::Guest {
            return Ok(window.finish(Vec::new()));
        }
        q = q
            .filter(chats::Column::IsPublic.eq(true))
            .filter(chats::Column::Kind.is_in(group_kinds()));
    } else {
        q = q.filter(chats::Column::Id.in_subquery(mine(ctx.user_id())));
    }
    q = if query.archived {
        q.filter(chats::Column::ArchivedAt.is_not_null())
    } else {
        q.filter(chats::Column::ArchivedAt.is_null())
    };
    match query.personal {
        Some(true) => q = q.filter(chats::Column::Kind.eq(ChatKind::Direct.as_str())),
        Some(false) => q = q.filter(chats::Column::Kind.ne(ChatKind::Direct.as_str())),
        None => {}
    }
    if let Some(at) = query.active_after {
        q = q.filter(chats::Column::LastMessageAt.gte(at));
    }
    if let Some(at) = query.active_before {
        q = q.filter(chats::Column::LastMessageAt.lte(at));
    }
    let sort = if query.by_activity {
        chats::Column::LastMessageAt
    } else {
        chats::Column::Id
    };
    let q = window.apply(q, sort, chats::Column::Id, query.desc);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// Every channel and group of the workspace, active or archived (workspace admins).
pub async fn company_chats(
    ctx: &Ctx,
    archived: bool,
    window: Window,
) -> Result<Slice<chats::Model>> {
    ctx.require(Scope::ChatsRead)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace admins can list every chat".into(),
        ));
    }
    let mut q = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chats::Column::Kind.is_in(group_kinds()));
    q = if archived {
        q.filter(chats::Column::ArchivedAt.is_not_null())
    } else {
        q.filter(chats::Column::ArchivedAt.is_null())
    };
    let q = window.apply(q, chats::Column::Id, chats::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// Member ids per chat, ascending (a batch).
pub async fn member_ids_by_chat<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = chat_members::Entity::find()
        .select_only()
        .column(chat_members::Column::ChatId)
        .column(chat_members::Column::UserId)
        .filter(chat_members::Column::WorkspaceId.eq(workspace_id))
        .filter(chat_members::Column::ChatId.is_in(crate::sql::distinct(chat_ids)))
        .order_by_asc(chat_members::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for (chat, user) in rows {
        out.entry(chat).or_default().push(user);
    }
    Ok(out)
}

/// Linked group tag ids per chat, ascending (a batch).
pub async fn group_tag_ids_by_chat<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>> {
    let rows = chat_group_tags::Entity::find()
        .filter(chat_group_tags::Column::WorkspaceId.eq(workspace_id))
        .filter(chat_group_tags::Column::ChatId.is_in(crate::sql::distinct(chat_ids)))
        .order_by_asc(chat_group_tags::Column::TagId)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        out.entry(row.chat_id).or_default().push(row.tag_id);
    }
    Ok(out)
}

/// The given user ids split into those of the caller's workspace and the rest
/// (unknown, removed or foreign), each in the given order without duplicates.
pub async fn partition_users(ctx: &Ctx, ids: &[i64]) -> Result<(Vec<i64>, Vec<i64>)> {
    let ids = crate::sql::distinct(ids);
    let found: Vec<i64> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null())
        .filter(users::Column::Id.is_in(ids.clone()))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(ids.into_iter().partition(|id| found.contains(id)))
}

/// Put `user_ids` into every chat linked to one of `tag_ids` (inside the caller's
/// transaction); returns the recorded membership events.
pub(crate) async fn sync_tag_members(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    tag_ids: &[i64],
    user_ids: &[i64],
) -> Result<Vec<Event>> {
    if tag_ids.is_empty() || user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let links = chat_group_tags::Entity::find()
        .filter(chat_group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chat_group_tags::Column::TagId.is_in(crate::sql::distinct(tag_ids)))
        .all(txn)
        .await?;
    let chat_ids = crate::sql::distinct(&links.iter().map(|l| l.chat_id).collect::<Vec<_>>());
    let mut events = Vec::new();
    for chat_id in chat_ids {
        let Some(chat) = chats::Entity::find_by_id(chat_id).one(txn).await? else {
            continue;
        };
        let existing = super::members::member_ids_of(txn, chat_id).await?;
        let new: Vec<i64> = crate::sql::distinct(user_ids)
            .into_iter()
            .filter(|id| !existing.contains(id))
            .collect();
        if new.is_empty() {
            continue;
        }
        insert_members(txn, &chat, &new, ChatRole::Member).await?;
        let change = EventKind::ChatMembershipChanged {
            chat_id,
            user_ids: new,
            change: MembershipChange::Added,
        };
        events.push(record(txn, ctx, change, None).await?);
    }
    Ok(events)
}

/// Link group tags to a chat (its admins, workspace admins): the tags' members join the
/// chat now and whenever they join the tag later. Unknown or foreign tags are bad input.
pub async fn link_group_tags(ctx: &Ctx, chat_id: i64, tag_ids: &[i64]) -> Result<()> {
    ctx.require(Scope::ChatMembersWrite)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    if !matches!(acc.kind()?, ChatKind::Channel | ChatKind::Group) {
        return Err(Error::Forbidden(
            "only channels and groups take group tags".into(),
        ));
    }
    acc.ensure_manager(&ctx.principal)?;
    let ids = crate::sql::distinct(tag_ids);
    if ids.is_empty() {
        return Err(Error::invalid("groupTagIds", "must not be empty"));
    }
    let found: Vec<i64> = group_tags::Entity::find()
        .select_only()
        .column(group_tags::Column::Id)
        .filter(group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(group_tags::Column::Id.is_in(ids.clone()))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    if ids.iter().any(|id| !found.contains(id)) {
        return Err(Error::NotFound("group tag"));
    }
    let txn = ctx.write().await?;
    let now = Utc::now();
    for tag in &ids {
        chat_group_tags::Entity::insert(chat_group_tags::ActiveModel {
            chat_id: Set(chat_id),
            tag_id: Set(*tag),
            workspace_id: Set(ctx.workspace_id()),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                chat_group_tags::Column::ChatId,
                chat_group_tags::Column::TagId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let members: Vec<i64> = group_tag_members::Entity::find()
        .select_only()
        .column(group_tag_members::Column::UserId)
        .filter(group_tag_members::Column::TagId.is_in(ids.clone()))
        .into_tuple()
        .all(&txn)
        .await?;
    let linked = EventKind::ChatGroupTagsChanged {
        chat_id,
        tag_ids: ids.clone(),
        added: true,
    };
    let mut events = vec![record(&txn, ctx, linked, None).await?];
    events.extend(sync_tag_members(&txn, ctx, &ids, &members).await?);
    ctx.commit(txn, events).await
}

/// Unlink a group tag from a chat (its admins, workspace admins). The tag's members who
/// are in the chat stay; an unlinked tag is "not found".
pub async fn unlink_group_tag(ctx: &Ctx, chat_id: i64, tag_id: i64) -> Result<()> {
    ctx.require(Scope::ChatMembersWrite)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    acc.ensure_manager(&ctx.principal)?;
    let txn = ctx.write().await?;
    let removed = chat_group_tags::Entity::delete_many()
        .filter(chat_group_tags::Column::ChatId.eq(chat_id))
        .filter(chat_group_tags::Column::TagId.eq(tag_id))
        .filter(chat_group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(Error::NotFound("group tag"));
    }
    let change = EventKind::ChatGroupTagsChanged {
        chat_id,
        tag_ids: vec![tag_id],
        added: false,
    };
    ctx.commit_one(txn, change).await?;
    Ok(())
}

/// Mark a chat unread for the caller: from `message_id` on (that message included), or
/// from its latest message. Returns the new read watermark.
pub async fn mark_unread(ctx: &Ctx, chat_id: i64, message_id: Option<i64>) -> Result<i64> {
    ctx.require(Scope::MessagesRead)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    if acc.membership.is_none() {
        return Err(Error::conflict("chatId", "not a member of this chat"));
    }
    let target = match message_id {
        Some(id) => {
            let m = crate::messages::get_message_unchecked(&ctx.db, ctx.workspace_id(), id)
                .await
                .map_err(|_| Error::invalid("messageId", "no such message in this chat"))?;
            if m.chat_id != chat_id {
                return Err(Error::invalid("messageId", "no such message in this chat"));
            }
            m.id
        }
        None => messages::Entity::find()
            .filter(messages::Column::ChatId.eq(chat_id))
            .filter(messages::Column::DeletedAt.is_null())
            .order_by_desc(messages::Column::Id)
            .one(&ctx.db)
            .await?
            .map(|m| m.id)
            .unwrap_or(1),
    };
    let watermark = target - 1;
    let txn = ctx.write().await?;
    chat_members::Entity::update_many()
        .col_expr(
            chat_members::Column::LastReadMessageId,
            sea_orm::sea_query::Expr::value(watermark),
        )
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .filter(chat_members::Column::UserId.eq(ctx.user_id()))
        .exec(&txn)
        .await?;
    let moved = EventKind::ReadStateChanged {
        chat_id,
        user_id: ctx.user_id(),
        last_read_message_id: watermark,
    };
    ctx.commit_one(txn, moved).await?;
    Ok(watermark)
}

/// Which members [`list_members`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberFilter {
    /// Everyone.
    All,
    /// The chat's creator.
    Owner,
    /// Members with this role.
    Role(ChatRole),
}

/// The members of a chat the caller can see, as users by id.
pub async fn list_members(
    ctx: &Ctx,
    chat_id: i64,
    filter: MemberFilter,
    window: Window,
) -> Result<Slice<users::Model>> {
    ctx.require(Scope::ChatMembersRead)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    let mut members = Query::select()
        .column(chat_members::Column::UserId)
        .from(chat_members::Entity)
        .and_where(chat_members::Column::ChatId.eq(chat_id))
        .to_owned();
    if let MemberFilter::Role(role) = filter {
        members.and_where(chat_members::Column::Role.eq(role.as_str()));
    }
    let mut q = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::Id.in_subquery(members));
    if filter == MemberFilter::Owner {
        q = q.filter(users::Column::Id.eq(acc.chat.creator_id));
    }
    let q = window.apply(q, users::Column::Id, users::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// Threads the caller follows, by last activity, newest first.
pub async fn list_threads(
    ctx: &Ctx,
    active_after: Option<DateTime<Utc>>,
    active_before: Option<DateTime<Utc>>,
    window: Window,
) -> Result<Slice<chats::Model>> {
    ctx.require(Scope::ThreadsRead)?;
    let mut q = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chats::Column::Kind.eq(ChatKind::Thread.as_str()))
        .filter(chats::Column::Id.in_subquery(mine(ctx.user_id())));
    if let Some(at) = active_after {
        q = q.filter(chats::Column::LastMessageAt.gte(at));
    }
    if let Some(at) = active_before {
        q = q.filter(chats::Column::LastMessageAt.lte(at));
    }
    let q = window.apply(q, chats::Column::LastMessageAt, chats::Column::Id, true);
    let rows = q.all(&ctx.db).await?;
    // Drop threads whose chat the caller can no longer see.
    let mut visible = Vec::with_capacity(rows.len());
    for chat in rows {
        if super::can_read(&ctx.db, &ctx.principal, chat.id).await? {
            visible.push(chat);
        }
    }
    Ok(window.finish(visible))
}

/// Start a standalone thread (no root message); the caller is its only member.
pub async fn create_standalone_thread(ctx: &Ctx) -> Result<chats::Model> {
    ctx.require(Scope::ThreadsCreate)?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let thread = chats::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        kind: Set(ChatKind::Thread.as_str().to_owned()),
        name: Set(String::new()),
        description: Set(String::new()),
        is_public: Set(false),
        archived_at: Set(None),
        department_id: Set(None),
        creator_id: Set(ctx.user_id()),
        root_message_id: Set(None),
        direct_key: Set(None),
        created_at: Set(now),
        last_message_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_members(&txn, &thread, &[ctx.user_id()], ChatRole::Admin).await?;
    let created = record(
        &txn,
        ctx,
        EventKind::ChatCreated {
            chat: thread.clone(),
        },
        None,
    )
    .await?;
    let joined = record(
        &txn,
        ctx,
        EventKind::ChatMembershipChanged {
            chat_id: thread.id,
            user_ids: vec![ctx.user_id()],
            change: MembershipChange::Added,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [created, joined]).await?;
    Ok(thread)
}

/// One thread the caller can see.
pub async fn get_thread(ctx: &Ctx, thread_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ThreadsRead)?;
    let acc = access(&ctx.db, &ctx.principal, thread_id).await?;
    if acc.kind()? != ChatKind::Thread {
        return Err(Error::NotFound("thread"));
    }
    Ok(acc.chat)
}
