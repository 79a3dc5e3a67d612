//! Chats — channels, group conversations, direct conversations and threads — and their
//! members.
//!
//! Who may see a chat is decided here and only here ([`access`]): a member sees it; a
//! non-guest sees a public channel or group; a thread is visible to whoever sees the chat
//! of its root message. Anything else answers "chat not found", exactly like a chat that
//! does not exist or belongs to another workspace.

mod access;
mod browse;
mod members;

pub use access::{Access, ChatKind, ChatRole, access, can_read, visible_chat_ids};
pub(crate) use browse::sync_tag_members;
pub use browse::{
    ChatQuery, MemberFilter, browse_chats, company_chats, create_standalone_thread, get_thread,
    group_tag_ids_by_chat, link_group_tags, list_members, list_threads, mark_unread,
    member_ids_by_chat, partition_users, unlink_group_tag,
};
pub(crate) use members::insert_members;
pub use members::{
    add_chat_members, add_chat_members_listed, join_chat, leave_chat, list_chat_members,
    member_counts, memberships_of, remove_chat_member, set_chat_member_role,
};

use std::collections::HashMap;

use chrono::Utc;
use entities::{chat_members, chats, messages};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::auth::Scope;
use crate::events::{EventKind, MembershipChange, record};
use crate::pagination::{Page, PageArgs};
use crate::people::{Role, users_by_ids};
use crate::{Ctx, Error, Result};

/// Input of [`create_chat`].
#[derive(Clone, Debug, Default)]
pub struct CreateChatInput {
    /// Name, 1–255 characters.
    pub name: String,
    /// An announcement channel (only chat admins and editors post) rather than a group.
    pub is_channel: bool,
    /// Visible to, and joinable by, every non-guest member of the workspace.
    pub is_public: bool,
    /// Initial members besides the creator, who becomes the chat's admin.
    pub member_ids: Vec<i64>,
    /// Up to 4,000 characters.
    pub description: String,
    /// Optional department the chat belongs to.
    pub department_id: Option<i64>,
}

/// Create a channel or group conversation; the creator becomes its admin.
pub async fn create_chat(ctx: &Ctx, input: CreateChatInput) -> Result<chats::Model> {
    ctx.require(Scope::ChatsCreate)?;
    if ctx.principal.role == Role::Guest {
        return Err(Error::Forbidden("guests cannot create chats".into()));
    }
    let name = crate::people::validate_name(&input.name, "name")?;
    validate_description(&input.description)?;
    if let Some(dep) = input.department_id {
        crate::people::get_department(ctx, dep)
            .await
            .map_err(|_| Error::invalid("departmentId", "no such department"))?;
    }
    let member_ids = existing_users(ctx, &input.member_ids, "memberIds").await?;
    let kind = if input.is_channel {
        ChatKind::Channel
    } else {
        ChatKind::Group
    };
    let now = Utc::now();
    let txn = ctx.write().await?;
    let chat = chats::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name),
        description: Set(input.description.trim().to_owned()),
        is_public: Set(input.is_public),
        archived_at: Set(None),
        department_id: Set(input.department_id),
        creator_id: Set(ctx.user_id()),
        root_message_id: Set(None),
        direct_key: Set(None),
        created_at: Set(now),
        last_message_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    members::insert_members(&txn, &chat, &[ctx.user_id()], ChatRole::Admin).await?;
    let others: Vec<i64> = member_ids
        .into_iter()
        .filter(|id| *id != ctx.user_id())
        .collect();
    members::insert_members(&txn, &chat, &others, ChatRole::Member).await?;
    let mut everyone = vec![ctx.user_id()];
    everyone.extend(others);
    let created = record(
        &txn,
        ctx,
        EventKind::ChatCreated { chat: chat.clone() },
        None,
    )
    .await?;
    let joined = record(
        &txn,
        ctx,
        EventKind::ChatMembershipChanged {
            chat_id: chat.id,
            user_ids: everyone,
            change: MembershipChange::Added,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [created, joined]).await?;
    Ok(chat)
}

/// Input of [`update_chat`]; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct UpdateChatInput {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New visibility.
    pub is_public: Option<bool>,
}

/// Rename a chat, change its description or visibility (chat admins, workspace admins).
pub async fn update_chat(ctx: &Ctx, chat_id: i64, input: UpdateChatInput) -> Result<chats::Model> {
    let chat = editable(ctx, chat_id).await?;
    let before = chat_summary(&chat);
    let mut am: chats::ActiveModel = chat.into();
    if let Some(name) = input.name {
        am.name = Set(crate::people::validate_name(&name, "name")?);
    }
    if let Some(description) = input.description {
        validate_description(&description)?;
        am.description = Set(description.trim().to_owned());
    }
    if let Some(public) = input.is_public {
        am.is_public = Set(public);
    }
    save_chat(ctx, am, before).await
}

/// A channel or group chat the caller may edit (`chats:update`, chat managers):
/// direct chats and threads have nothing to edit.
pub async fn editable(ctx: &Ctx, chat_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ChatsUpdate)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    acc.ensure_manager(&ctx.principal)?;
    let kind = acc.kind()?;
    if matches!(kind, ChatKind::Direct | ChatKind::Thread) {
        return Err(Error::Forbidden(format!(
            "a {} chat cannot be edited",
            kind.as_str()
        )));
    }
    Ok(acc.chat)
}

/// Archive (`true`) or unarchive (`false`) a chat (chat admins, workspace admins). An
/// archived chat stays readable and takes no new messages.
pub async fn set_chat_archived(ctx: &Ctx, chat_id: i64, archived: bool) -> Result<chats::Model> {
    ctx.require(Scope::ChatsArchive)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    acc.ensure_manager(&ctx.principal)?;
    if acc.kind()? == ChatKind::Thread {
        return Err(Error::Forbidden(
            "a thread follows its chat and cannot be archived".into(),
        ));
    }
    if acc.chat.archived_at.is_some() == archived {
        return Ok(acc.chat);
    }
    let before = chat_summary(&acc.chat);
    let mut am: chats::ActiveModel = acc.chat.into();
    am.archived_at = Set(archived.then(Utc::now));
    save_chat(ctx, am, before).await
}

/// Delete a channel or group conversation for good (chat admins, workspace admins):
/// its messages, threads, reactions, attachments, memberships and read state go with it
/// (the schema cascades them in the same statement). Direct chats and threads cannot be
/// deleted. Afterwards the id answers "chat not found" like one that never existed.
pub async fn delete_chat(ctx: &Ctx, chat_id: i64) -> Result<()> {
    ctx.require(Scope::ChatsArchive)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    acc.ensure_manager(&ctx.principal)?;
    let kind = acc.kind()?;
    if matches!(kind, ChatKind::Direct | ChatKind::Thread) {
        return Err(Error::Forbidden(format!(
            "a {} chat cannot be deleted",
            kind.as_str()
        )));
    }
    let summary = serde_json::json!({ "before": chat_summary(&acc.chat), "after": null });
    let txn = ctx.write().await?;
    // The threads of its messages first: their chats reference the messages.
    let roots = Query::select()
        .column(messages::Column::Id)
        .from(messages::Entity)
        .and_where(messages::Column::ChatId.eq(chat_id))
        .to_owned();
    chats::Entity::delete_many()
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chats::Column::RootMessageId.in_subquery(roots))
        .exec(&txn)
        .await?;
    chats::Entity::delete_many()
        .filter(chats::Column::Id.eq(chat_id))
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .exec(&txn)
        .await?;
    let event = record(&txn, ctx, EventKind::ChatDeleted { chat_id }, Some(summary)).await?;
    ctx.commit(txn, [event]).await?;
    Ok(())
}

/// One member's read state of one chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadState {
    /// The chat.
    pub chat_id: i64,
    /// Others' live messages past the watermark.
    pub unread: i64,
    /// The watermark: the last message read (0: none).
    pub last_read_message_id: i64,
}

/// The caller's read state of every channel and group conversation they belong to
/// (archived ones excluded), by chat id.
pub async fn unread_summary(ctx: &Ctx) -> Result<Vec<ReadState>> {
    ctx.require(Scope::ChatsRead)?;
    let memberships = chat_members::Entity::find()
        .filter(chat_members::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chat_members::Column::UserId.eq(ctx.user_id()))
        .filter(
            chat_members::Column::ChatId.in_subquery(
                Query::select()
                    .column(chats::Column::Id)
                    .from(chats::Entity)
                    .and_where(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
                    .and_where(
                        chats::Column::Kind
                            .is_in([ChatKind::Channel.as_str(), ChatKind::Group.as_str()]),
                    )
                    .and_where(chats::Column::ArchivedAt.is_null())
                    .to_owned(),
            ),
        )
        .order_by_asc(chat_members::Column::ChatId)
        .all(&ctx.db)
        .await?;
    let ids: Vec<i64> = memberships.iter().map(|m| m.chat_id).collect();
    let counts =
        crate::messages::batch::unread_counts(&ctx.db, ctx.workspace_id(), ctx.user_id(), &ids)
            .await?;
    Ok(memberships
        .into_iter()
        .map(|m| ReadState {
            chat_id: m.chat_id,
            unread: counts.get(&m.chat_id).copied().unwrap_or(0),
            last_read_message_id: m.last_read_message_id,
        })
        .collect())
}

/// Mark a chat read by the caller up to `message_id`, or up to its newest message when
/// `None`; the read point never moves backwards. Returns the read state after the call.
pub async fn mark_chat_read(ctx: &Ctx, chat_id: i64, message_id: Option<i64>) -> Result<ReadState> {
    ctx.require(Scope::MessagesRead)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    if acc.membership.is_none() {
        return Err(Error::conflict("chatId", "not a member of this chat"));
    }
    let target = match message_id {
        Some(id) => Some(id),
        None => messages::Entity::find()
            .filter(messages::Column::ChatId.eq(chat_id))
            .filter(messages::Column::DeletedAt.is_null())
            .order_by_desc(messages::Column::Id)
            .one(&ctx.db)
            .await?
            .map(|m| m.id),
    };
    let watermark = match target {
        Some(id) => crate::messages::mark_read(ctx, chat_id, id).await?,
        None => acc.membership.map(|m| m.last_read_message_id).unwrap_or(0),
    };
    let counts = crate::messages::batch::unread_counts(
        &ctx.db,
        ctx.workspace_id(),
        ctx.user_id(),
        &[chat_id],
    )
    .await?;
    Ok(ReadState {
        chat_id,
        unread: counts.get(&chat_id).copied().unwrap_or(0),
        last_read_message_id: watermark,
    })
}

/// One chat the caller can see.
pub async fn get_chat(ctx: &Ctx, chat_id: i64) -> Result<chats::Model> {
    Ok(get_chat_access(ctx, chat_id).await?.chat)
}

/// One chat the caller can see, with the access decision that admitted it (membership,
/// a thread's parent): what [`crate::messages::list_messages_of`] takes, so that listing
/// the messages of a chat just read in the same request does not decide it again.
pub async fn get_chat_access(ctx: &Ctx, chat_id: i64) -> Result<Access> {
    ctx.require(Scope::ChatsRead)?;
    access(&ctx.db, &ctx.principal, chat_id).await
}

/// Filters of [`list_chats`].
#[derive(Clone, Debug, Default)]
pub struct ChatFilter {
    /// Only chats the caller is a member of (default: also the public ones they can join).
    pub member_only: bool,
    /// Include archived chats.
    pub include_archived: bool,
    /// Only chats of this kind (threads are listed only when asked for).
    pub kind: Option<ChatKind>,
    /// Only chats the caller is not a member of (public ones they may join).
    pub not_member: bool,
    /// Only channels and group conversations (no direct chats), when `kind` is unset.
    pub open_only: bool,
    /// Only public (`true`) or only private (`false`) chats.
    pub public: Option<bool>,
}

/// Chats the caller can see, by id ascending.
pub async fn list_chats(
    ctx: &Ctx,
    filter: ChatFilter,
    page: PageArgs,
) -> Result<Page<chats::Model>> {
    ctx.require(Scope::ChatsRead)?;
    let mine = Query::select()
        .column(chat_members::Column::ChatId)
        .from(chat_members::Entity)
        .and_where(chat_members::Column::UserId.eq(ctx.user_id()))
        .to_owned();
    let mut visible = Condition::any();
    if !filter.not_member {
        visible = visible.add(chats::Column::Id.in_subquery(mine.clone()));
    }
    if !filter.member_only && ctx.principal.role != Role::Guest {
        visible = visible.add(Condition::all().add(chats::Column::IsPublic.eq(true)).add(
            chats::Column::Kind.is_in([ChatKind::Channel.as_str(), ChatKind::Group.as_str()]),
        ));
    }
    // A thread is visible only while its root message's chat is (as `access` decides):
    // its own membership outlives the caller's membership of that chat.
    let mut parent_visible =
        Condition::any().add(messages::Column::ChatId.in_subquery(mine.clone()));
    if ctx.principal.role != Role::Guest {
        let public = Query::select()
            .column(chats::Column::Id)
            .from(chats::Entity)
            .and_where(chats::Column::IsPublic.eq(true))
            .and_where(
                chats::Column::Kind.is_in([ChatKind::Channel.as_str(), ChatKind::Group.as_str()]),
            )
            .to_owned();
        parent_visible = parent_visible.add(messages::Column::ChatId.in_subquery(public));
    }
    let visible_roots = Query::select()
        .column(messages::Column::Id)
        .from(messages::Entity)
        .cond_where(parent_visible)
        .to_owned();
    let mut q = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(visible);
    if filter.not_member {
        q = q.filter(chats::Column::Id.not_in_subquery(mine));
    }
    let mut q = q.filter(
        Condition::any()
            .add(chats::Column::Kind.ne(ChatKind::Thread.as_str()))
            .add(chats::Column::RootMessageId.in_subquery(visible_roots)),
    );
    q = match filter.kind {
        Some(kind) => q.filter(chats::Column::Kind.eq(kind.as_str())),
        None if filter.open_only => q.filter(
            chats::Column::Kind.is_in([ChatKind::Channel.as_str(), ChatKind::Group.as_str()]),
        ),
        None => q.filter(chats::Column::Kind.ne(ChatKind::Thread.as_str())),
    };
    if let Some(public) = filter.public {
        q = q.filter(chats::Column::IsPublic.eq(public));
    }
    if !filter.include_archived {
        q = q.filter(chats::Column::ArchivedAt.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(chats::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(chats::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

/// The direct chat between the caller and `user_id`, created on first use. There is
/// exactly one per pair: the pair's key is unique in the database, so two concurrent
/// first messages still make one chat.
pub async fn direct_chat_with(ctx: &Ctx, user_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ChatsRead)?;
    let other = crate::people::find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let me = ctx.user_id();
    let (lo, hi) = if me <= other.id {
        (me, other.id)
    } else {
        (other.id, me)
    };
    let key = format!("{lo}:{hi}");
    if let Some(chat) = find_direct(&ctx.db, ctx.workspace_id(), &key).await? {
        return Ok(chat);
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    let inserted = chats::Entity::insert(chats::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        kind: Set(ChatKind::Direct.as_str().to_owned()),
        name: Set(String::new()),
        description: Set(String::new()),
        is_public: Set(false),
        archived_at: Set(None),
        department_id: Set(None),
        creator_id: Set(me),
        root_message_id: Set(None),
        direct_key: Set(Some(key.clone())),
        created_at: Set(now),
        last_message_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([chats::Column::WorkspaceId, chats::Column::DirectKey])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let chat = find_direct(&txn, ctx.workspace_id(), &key)
        .await?
        .ok_or(Error::NotFound("chat"))?;
    let pair: Vec<i64> = if lo == hi { vec![lo] } else { vec![lo, hi] };
    members::insert_members(&txn, &chat, &pair, ChatRole::Member).await?;
    // Another request may have created it meanwhile: announce only our own creation.
    let mut events = Vec::new();
    if inserted > 0 {
        events.push(
            record(
                &txn,
                ctx,
                EventKind::ChatCreated { chat: chat.clone() },
                None,
            )
            .await?,
        );
        let joined = EventKind::ChatMembershipChanged {
            chat_id: chat.id,
            user_ids: pair,
            change: MembershipChange::Added,
        };
        events.push(record(&txn, ctx, joined, None).await?);
    }
    ctx.commit(txn, events).await?;
    Ok(chat)
}

async fn find_direct<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    key: &str,
) -> Result<Option<chats::Model>> {
    Ok(chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(workspace_id))
        .filter(chats::Column::DirectKey.eq(key))
        .one(db)
        .await?)
}

/// Thread chats by root message id (a batch).
pub async fn threads_by_root<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_ids: &[i64],
) -> Result<HashMap<i64, chats::Model>> {
    let rows = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(workspace_id))
        .filter(chats::Column::RootMessageId.is_in(crate::sql::distinct(message_ids)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| c.root_message_id.map(|root| (root, c)))
        .collect())
}

/// Chats by id within one workspace (a batch; no visibility check, callers check).
pub async fn chats_by_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, chats::Model>> {
    let rows = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(workspace_id))
        .filter(chats::Column::Id.is_in(crate::sql::distinct(ids)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// Create the thread of a message, or return the existing one (one per message).
pub async fn create_thread(ctx: &Ctx, message_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ThreadsCreate)?;
    let message =
        crate::messages::get_message_unchecked(&ctx.db, ctx.workspace_id(), message_id).await?;
    let parent = access(&ctx.db, &ctx.principal, message.chat_id)
        .await
        .map_err(|_| Error::NotFound("message"))?;
    if parent.kind()? == ChatKind::Thread {
        return Err(Error::invalid(
            "messageId",
            "a message inside a thread cannot start another thread",
        ));
    }
    if let Some(existing) = threads_by_root(&ctx.db, ctx.workspace_id(), &[message.id])
        .await?
        .remove(&message.id)
    {
        return Ok(existing);
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    let inserted = chats::Entity::insert(chats::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        kind: Set(ChatKind::Thread.as_str().to_owned()),
        name: Set(String::new()),
        description: Set(String::new()),
        is_public: Set(parent.chat.is_public),
        archived_at: Set(None),
        department_id: Set(parent.chat.department_id),
        creator_id: Set(ctx.user_id()),
        root_message_id: Set(Some(message.id)),
        direct_key: Set(None),
        created_at: Set(now),
        last_message_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(chats::Column::RootMessageId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let thread = threads_by_root(&txn, ctx.workspace_id(), &[message.id])
        .await?
        .remove(&message.id)
        .ok_or(Error::NotFound("chat"))?;
    let mut people = vec![ctx.user_id(), message.author_id];
    people.dedup();
    members::insert_members(&txn, &thread, &people, ChatRole::Member).await?;
    let mut events = Vec::new();
    if inserted > 0 {
        events.push(
            record(
                &txn,
                ctx,
                EventKind::ChatCreated {
                    chat: thread.clone(),
                },
                None,
            )
            .await?,
        );
    }
    ctx.commit(txn, events).await?;
    Ok(thread)
}

/// The root message of a thread chat, if the chat is a thread.
pub async fn thread_root(ctx: &Ctx, chat: &chats::Model) -> Result<Option<messages::Model>> {
    match chat.root_message_id {
        Some(id) => Ok(
            crate::messages::get_message_unchecked(&ctx.db, ctx.workspace_id(), id)
                .await
                .ok(),
        ),
        None => Ok(None),
    }
}

/// Save a changed chat and record it, with the audited attributes before and after.
async fn save_chat(
    ctx: &Ctx,
    am: chats::ActiveModel,
    before: serde_json::Value,
) -> Result<chats::Model> {
    let txn = ctx.write().await?;
    let chat = am.update(&txn).await?;
    let summary = serde_json::json!({ "before": before, "after": chat_summary(&chat) });
    let change = EventKind::ChatUpdated { chat: chat.clone() };
    let event = record(&txn, ctx, change, Some(summary)).await?;
    ctx.commit(txn, [event]).await?;
    Ok(chat)
}

/// The audited attributes of a chat.
fn chat_summary(chat: &chats::Model) -> serde_json::Value {
    serde_json::json!({
        "name": chat.name,
        "description": chat.description,
        "is_public": chat.is_public,
        "archived": chat.archived_at.is_some(),
    })
}

fn validate_description(description: &str) -> Result<()> {
    if description.chars().count() > 4000 {
        return Err(Error::invalid(
            "description",
            "must be at most 4000 characters",
        ));
    }
    Ok(())
}

/// The given user ids, deduplicated, all of the caller's workspace; otherwise bad input
/// naming the first unknown id (a foreign id is unknown).
pub(crate) async fn existing_users(ctx: &Ctx, ids: &[i64], field: &str) -> Result<Vec<i64>> {
    let ids = crate::sql::distinct(ids);
    if ids.len() > 1000 {
        return Err(Error::invalid(field, "at most 1000 users at once"));
    }
    let found = users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
        return Err(Error::invalid(field, format!("no such user: {missing}")));
    }
    Ok(ids)
}
