//! Two-way keyset listings of messages, reactions and readers (REST cursors that both
//! continue and poll).

use entities::{chat_members, messages, reactions};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::visible_message;
use crate::auth::Scope;
use crate::chats::access;
use crate::pagination::{Slice, Window};
use crate::{Ctx, Result};

/// The live messages of a chat the caller can see, by id (`desc`: newest first).
pub async fn list_messages_window(
    ctx: &Ctx,
    chat_id: i64,
    desc: bool,
    window: Window,
) -> Result<Slice<messages::Model>> {
    ctx.require(Scope::MessagesRead)?;
    access(&ctx.db, &ctx.principal, chat_id).await?;
    let q = messages::Entity::find()
        .filter(messages::Column::ChatId.eq(chat_id))
        .filter(messages::Column::DeletedAt.is_null());
    let q = window.apply(q, messages::Column::Id, messages::Column::Id, desc);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// The reactions on a message, oldest first.
pub async fn list_reactions_window(
    ctx: &Ctx,
    message_id: i64,
    window: Window,
) -> Result<Slice<reactions::Model>> {
    ctx.require(Scope::ReactionsRead)?;
    let (message, _) = visible_message(ctx, message_id).await?;
    let q = reactions::Entity::find().filter(reactions::Column::MessageId.eq(message.id));
    let q = window.apply(q, reactions::Column::Id, reactions::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// The ids of the users who have read a message (its author excluded), ascending.
pub async fn list_reader_ids(ctx: &Ctx, message_id: i64, window: Window) -> Result<Slice<i64>> {
    ctx.require(Scope::MessagesRead)?;
    let (message, _) = visible_message(ctx, message_id).await?;
    let q = chat_members::Entity::find()
        .filter(chat_members::Column::ChatId.eq(message.chat_id))
        .filter(chat_members::Column::LastReadMessageId.gte(message.id))
        .filter(chat_members::Column::UserId.ne(message.author_id));
    let q = window.apply(
        q,
        chat_members::Column::UserId,
        chat_members::Column::UserId,
        false,
    );
    let ids: Vec<i64> = q
        .select_only()
        .column(chat_members::Column::UserId)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(window.finish(ids))
}
