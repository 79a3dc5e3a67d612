//! Read state: one watermark per member per chat. "Who read message M" is the set of
//! members whose watermark is at or past M; a member's unread count is the number of
//! others' live messages past their watermark.

use entities::{chat_members, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::get_message_unchecked;
use crate::auth::Scope;
use crate::chats::access;
use crate::events::EventKind;
use crate::pagination::{Page, PageArgs};
use crate::{Ctx, Error, Result};

/// Move a member's watermark forward to `message_id` (never backward). Returns whether
/// it moved.
pub(crate) async fn advance<C: ConnectionTrait>(
    db: &C,
    chat_id: i64,
    user_id: i64,
    message_id: i64,
) -> Result<bool> {
    let res = chat_members::Entity::update_many()
        .col_expr(
            chat_members::Column::LastReadMessageId,
            Expr::value(message_id),
        )
        .filter(chat_members::Column::ChatId.eq(chat_id))
        .filter(chat_members::Column::UserId.eq(user_id))
        .filter(chat_members::Column::LastReadMessageId.lt(message_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Mark everything up to `message_id` in a chat as read by the caller. Returns the
/// caller's watermark after the call.
pub async fn mark_read(ctx: &Ctx, chat_id: i64, message_id: i64) -> Result<i64> {
    ctx.require(Scope::MessagesRead)?;
    let acc = access(&ctx.db, &ctx.principal, chat_id).await?;
    let membership = acc
        .membership
        .ok_or_else(|| Error::conflict("chatId", "not a member of this chat"))?;
    let message = get_message_unchecked(&ctx.db, ctx.workspace_id(), message_id)
        .await
        .map_err(|_| Error::invalid("messageId", "no such message in this chat"))?;
    if message.chat_id != chat_id {
        return Err(Error::invalid("messageId", "no such message in this chat"));
    }
    let txn = ctx.write().await?;
    if !advance(&txn, chat_id, ctx.user_id(), message_id).await? {
        return Ok(membership.last_read_message_id);
    }
    let moved = EventKind::ReadStateChanged {
        chat_id,
        user_id: ctx.user_id(),
        last_read_message_id: message_id,
    };
    ctx.commit_one(txn, moved).await?;
    Ok(message_id)
}

/// The users who have read a message (its author excluded), by user id.
pub async fn list_readers(
    ctx: &Ctx,
    message_id: i64,
    page: PageArgs,
) -> Result<Page<users::Model>> {
    ctx.require(Scope::MessagesRead)?;
    let (message, _) = super::visible_message(ctx, message_id).await?;
    let mut q = chat_members::Entity::find()
        .select_only()
        .column(chat_members::Column::UserId)
        .filter(chat_members::Column::ChatId.eq(message.chat_id))
        .filter(chat_members::Column::LastReadMessageId.gte(message.id))
        .filter(chat_members::Column::UserId.ne(message.author_id));
    if let Some(after) = page.after {
        q = q.filter(chat_members::Column::UserId.gt(after));
    }
    let ids: Vec<i64> = q
        .order_by_asc(chat_members::Column::UserId)
        .limit(page.fetch())
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let found = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?;
    let rows = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
    Ok(Page::from_probe(rows, &page))
}
