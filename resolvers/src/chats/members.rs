//! Chat membership: add, remove, join, leave, roles, and batch lookups.

use std::collections::HashMap;

use chrono::Utc;
use entities::{chat_members, chats};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{ChatKind, ChatRole, access};
use crate::auth::Scope;
use crate::events::{EventKind, MembershipChange};
use crate::pagination::{Page, PageArgs};
use crate::people::Role;
use crate::sql::{id_values, placeholders, stmt};
use crate::{Ctx, Error, Result};

/// Insert memberships (existing ones are left as they are).
pub(crate) async fn insert_members(
    txn: &DatabaseTransaction,
    chat: &chats::Model,
    user_ids: &[i64],
    role: ChatRole,
) -> Result<()> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = user_ids.iter().map(|user_id| chat_members::ActiveModel {
        chat_id: Set(chat.id),
        user_id: Set(*user_id),
        workspace_id: Set(chat.workspace_id),
        role: Set(role.as_str().to_owned()),
        last_read_message_id: Set(0),
        joined_at: Set(now),
    });
    chat_members::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([chat_members::Column::ChatId, chat_members::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

fn ensure_has_members(kind: ChatKind) -> Result<()> {
    match kind {
        ChatKind::Direct => Err(Error::Forbidden(
            "a direct chat's members cannot change".into(),
        )),
        ChatKind::Thread => Err(Error::Forbidden(
            "a thread's members follow its chat".into(),
        )),
        ChatKind::Channel | ChatKind::Group => Ok(()),
    }
}

/// Add users to a chat (its admins, or workspace admins). Existing members are kept as
/// they are; unknown or foreign user ids are rejected before anything is written.
pub async fn add_chat_members(
    ctx: &Ctx,
    chat_id: i64,
    user_ids: &[i64],
    role: ChatRole,
) -> Result<chats::Model> {
    Ok(add_members(ctx, chat_id, user_ids, role).await?.0)
}

/// Like [`add_chat_members`], answering the memberships it added (existing members are
/// skipped and not listed), by user id.
pub async fn add_chat_members_listed(
    ctx: &Ctx,
    chat_id: i64,
    user_ids: &[i64],
    role: ChatRole,
) -> Result<Vec<chat_members::Model>> {
    let (_, added) = add_members(ctx, chat_id, user_ids, role).await?;
    if added.is_empty() {
        return Ok(Vec::new());
    }
    Ok(chat_members::Entity::find()
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .filter(chat_members::Column::UserId.is_in(added))
        .order_by_asc(chat_members::Column::UserId)
        .all(&ctx.db)
        .await?)
}

async fn add_members(
    ctx: &Ctx,
    chat_id: i64,
    user_ids: &[i64],
    role: ChatRole,
) -> Result<(chats::Model, Vec<i64>)> {
    ctx.require(Scope::ChatMembersWrite)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    ensure_has_members(acc.kind()?)?;
    acc.ensure_manager(&ctx.principal)?;
    if user_ids.is_empty() {
        return Err(Error::invalid("userIds", "must not be empty"));
    }
    let ids = super::existing_users(ctx, user_ids, "userIds").await?;
    let existing = member_ids_of(&ctx.db, chat_id).await?;
    let new: Vec<i64> = ids
        .into_iter()
        .filter(|id| !existing.contains(id))
        .collect();
    if new.is_empty() {
        return Ok((acc.chat, new));
    }
    let txn = ctx.write().await?;
    insert_members(&txn, &acc.chat, &new, role).await?;
    let change = EventKind::ChatMembershipChanged {
        chat_id,
        user_ids: new.clone(),
        change: MembershipChange::Added,
    };
    ctx.commit_one(txn, change).await?;
    Ok((acc.chat, new))
}

/// Remove a member (chat admins, workspace admins). Removing a non-member is "not found".
pub async fn remove_chat_member(ctx: &Ctx, chat_id: i64, user_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ChatMembersWrite)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    ensure_has_members(acc.kind()?)?;
    if user_id != ctx.user_id() {
        acc.ensure_manager(&ctx.principal)?;
    }
    if user_id == acc.chat.creator_id {
        return Err(Error::Rule {
            code: "CANNOT_KICK_OWNER",
            field: "userId".into(),
            message: "the chat's owner cannot be removed (they may leave the chat)".into(),
        });
    }
    let txn = ctx.write().await?;
    let removed = chat_members::Entity::delete_many()
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .filter(chat_members::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(Error::NotFound("chat member"));
    }
    let change = EventKind::ChatMembershipChanged {
        chat_id,
        user_ids: vec![user_id],
        change: if user_id == ctx.user_id() {
            MembershipChange::Left
        } else {
            MembershipChange::Removed
        },
    };
    ctx.commit_one(txn, change).await?;
    Ok(acc.chat)
}

/// Leave a chat.
pub async fn leave_chat(ctx: &Ctx, chat_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ChatsLeave)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    ensure_has_members(acc.kind()?)?;
    if acc.membership.is_none() {
        return Err(Error::conflict("chatId", "not a member of this chat"));
    }
    let txn = ctx.write().await?;
    chat_members::Entity::delete_many()
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .filter(chat_members::Column::UserId.eq(ctx.user_id()))
        .exec(&txn)
        .await?;
    let change = EventKind::ChatMembershipChanged {
        chat_id,
        user_ids: vec![ctx.user_id()],
        change: MembershipChange::Left,
    };
    ctx.commit_one(txn, change).await?;
    Ok(acc.chat)
}

/// Join a public channel or group (not guests).
pub async fn join_chat(ctx: &Ctx, chat_id: i64) -> Result<chats::Model> {
    ctx.require(Scope::ChatsRead)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    ensure_has_members(acc.kind()?)?;
    if acc.membership.is_some() {
        return Ok(acc.chat);
    }
    if !acc.chat.is_public || ctx.principal.role == Role::Guest {
        return Err(Error::NotFound("chat"));
    }
    if acc.chat.archived_at.is_some() {
        return Err(Error::conflict("chatId", "the chat is archived"));
    }
    let txn = ctx.write().await?;
    insert_members(&txn, &acc.chat, &[ctx.user_id()], ChatRole::Member).await?;
    let change = EventKind::ChatMembershipChanged {
        chat_id,
        user_ids: vec![ctx.user_id()],
        change: MembershipChange::Joined,
    };
    ctx.commit_one(txn, change).await?;
    Ok(acc.chat)
}

/// Change a member's chat role (chat admins, workspace admins).
pub async fn set_chat_member_role(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    role: ChatRole,
) -> Result<chat_members::Model> {
    ctx.require(Scope::ChatMembersWrite)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    ensure_has_members(acc.kind()?)?;
    acc.ensure_manager(&ctx.principal)?;
    let member = chat_members::Entity::find_by_id((chat_id, user_id))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("chat member"))?;
    let txn = ctx.write().await?;
    chat_members::Entity::update_many()
        .col_expr(chat_members::Column::Role, Expr::value(role.as_str()))
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .filter(chat_members::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let change = EventKind::ChatMembershipChanged {
        chat_id,
        user_ids: vec![user_id],
        change: MembershipChange::RoleChanged,
    };
    let summary = serde_json::json!({ "before": { "role": member.role }, "after": { "role": role.as_str() } });
    let event = crate::events::record(&txn, ctx, change, Some(summary)).await?;
    ctx.commit(txn, [event]).await?;
    Ok(chat_members::Model {
        role: role.as_str().to_owned(),
        ..member
    })
}

/// The members of a chat the caller can see, by user id.
pub async fn list_chat_members(
    ctx: &Ctx,
    chat_id: i64,
    page: PageArgs,
) -> Result<Page<chat_members::Model>> {
    ctx.require(Scope::ChatMembersRead)?;
    access(&ctx.db, &ctx.principal, chat_id).await?;
    let mut q = chat_members::Entity::find().filter(chat_members::Column::ChatId.eq(chat_id));
    if let Some(after) = page.after {
        q = q.filter(chat_members::Column::UserId.gt(after));
    }
    let rows = q
        .order_by_asc(chat_members::Column::UserId)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

pub(crate) async fn member_ids_of<C: ConnectionTrait>(db: &C, chat_id: i64) -> Result<Vec<i64>> {
    Ok(chat_members::Entity::find()
        .select_only()
        .column(chat_members::Column::UserId)
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// Member counts per chat (a batch: one statement).
pub async fn member_counts<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let ids = crate::sql::distinct(chat_ids);
    let sql = format!(
        "SELECT chat_id, COUNT(*) AS n FROM chat_members WHERE workspace_id = ? AND chat_id IN ({}) GROUP BY chat_id",
        placeholders(ids.len())
    );
    let mut values = vec![workspace_id.into()];
    values.extend(id_values(&ids));
    let rows = db
        .query_all_raw(stmt(db.get_database_backend(), &sql, values))
        .await?;
    let mut out = HashMap::new();
    for row in rows {
        out.insert(
            row.try_get::<i64>("", "chat_id")?,
            row.try_get::<i64>("", "n")?,
        );
    }
    Ok(out)
}

/// One user's memberships of the given chats (a batch).
pub async fn memberships_of<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, chat_members::Model>> {
    let rows = chat_members::Entity::find()
        .filter(chat_members::Column::UserId.eq(user_id))
        .filter(chat_members::Column::ChatId.is_in(crate::sql::distinct(chat_ids)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.chat_id, m)).collect())
}
