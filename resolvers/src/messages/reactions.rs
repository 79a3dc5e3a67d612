//! Reactions, with their limits: 20 distinct emoji per user and 30 distinct emoji per
//! message, 1,000 reactions per message in all.

use chrono::Utc;
use entities::{messages, reactions};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::visible_message;
use crate::auth::Scope;
use crate::events::EventKind;
use crate::pagination::{Page, PageArgs};
use crate::{Ctx, Error, Result};

/// Distinct emoji one user may put on one message.
pub const MAX_UNIQUE_PER_USER: u64 = 20;
/// Distinct emoji on one message.
pub const MAX_UNIQUE_PER_MESSAGE: u64 = 30;
/// Reactions on one message, all users and emoji together.
pub const MAX_REACTIONS_PER_MESSAGE: u64 = 1000;

fn validate_emoji(emoji: &str) -> Result<&str> {
    let emoji = emoji.trim();
    if emoji.is_empty() {
        return Err(Error::invalid("emoji", "must not be empty"));
    }
    if emoji.chars().count() > 16 || emoji.chars().any(char::is_whitespace) {
        return Err(Error::invalid(
            "emoji",
            "must be one emoji (at most 16 characters, no spaces)",
        ));
    }
    Ok(emoji)
}

/// Serialise writers on one message, so concurrent reactions cannot overshoot a limit.
/// SQLite already runs one write transaction at a time (`BEGIN IMMEDIATE`).
async fn lock_message(txn: &DatabaseTransaction, message_id: i64) -> Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        messages::Entity::find_by_id(message_id)
            .lock_exclusive()
            .one(txn)
            .await?;
    }
    Ok(())
}

/// React to a message. Reacting twice with the same emoji is a no-op.
pub async fn add_reaction(ctx: &Ctx, message_id: i64, emoji: &str) -> Result<messages::Model> {
    ctx.require(Scope::ReactionsWrite)?;
    let emoji = validate_emoji(emoji)?;
    let (message, _) = visible_message(ctx, message_id).await?;
    let txn = ctx.write().await?;
    lock_message(&txn, message.id).await?;
    let mine = reactions::Entity::find()
        .filter(reactions::Column::MessageId.eq(message.id))
        .filter(reactions::Column::UserId.eq(ctx.user_id()))
        .all(&txn)
        .await?;
    if mine.iter().any(|r| r.emoji == emoji) {
        txn.commit().await?;
        return Ok(message);
    }
    if mine.len() as u64 >= MAX_UNIQUE_PER_USER {
        return Err(Error::limit(
            "emoji",
            format!("at most {MAX_UNIQUE_PER_USER} different reactions per user on one message"),
        ));
    }
    let total = reactions::Entity::find()
        .filter(reactions::Column::MessageId.eq(message.id))
        .count(&txn)
        .await?;
    if total >= MAX_REACTIONS_PER_MESSAGE {
        return Err(Error::limit(
            "emoji",
            format!("at most {MAX_REACTIONS_PER_MESSAGE} reactions on one message"),
        ));
    }
    let emoji_present = reactions::Entity::find()
        .filter(reactions::Column::MessageId.eq(message.id))
        .filter(reactions::Column::Emoji.eq(emoji))
        .count(&txn)
        .await?
        > 0;
    if !emoji_present {
        let distinct = reactions::Entity::find()
            .select_only()
            .column(reactions::Column::Emoji)
            .distinct()
            .filter(reactions::Column::MessageId.eq(message.id))
            .into_tuple::<String>()
            .all(&txn)
            .await?
            .len() as u64;
        if distinct >= MAX_UNIQUE_PER_MESSAGE {
            return Err(Error::limit(
                "emoji",
                format!("at most {MAX_UNIQUE_PER_MESSAGE} different reactions on one message"),
            ));
        }
    }
    reactions::Entity::insert(reactions::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        message_id: Set(message.id),
        user_id: Set(ctx.user_id()),
        emoji: Set(emoji.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            reactions::Column::MessageId,
            reactions::Column::UserId,
            reactions::Column::Emoji,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let change = EventKind::ReactionChanged {
        chat_id: message.chat_id,
        message_id: message.id,
        user_id: ctx.user_id(),
        emoji: emoji.to_owned(),
        added: true,
    };
    ctx.commit_one(txn, change).await?;
    Ok(message)
}

/// Take back one's reaction. Removing a reaction one has not made is a no-op.
pub async fn remove_reaction(ctx: &Ctx, message_id: i64, emoji: &str) -> Result<messages::Model> {
    ctx.require(Scope::ReactionsWrite)?;
    let emoji = validate_emoji(emoji)?;
    let (message, _) = visible_message(ctx, message_id).await?;
    let txn = ctx.write().await?;
    let removed = reactions::Entity::delete_many()
        .filter(reactions::Column::MessageId.eq(message.id))
        .filter(reactions::Column::UserId.eq(ctx.user_id()))
        .filter(reactions::Column::Emoji.eq(emoji))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Ok(message);
    }
    let change = EventKind::ReactionChanged {
        chat_id: message.chat_id,
        message_id: message.id,
        user_id: ctx.user_id(),
        emoji: emoji.to_owned(),
        added: false,
    };
    ctx.commit_one(txn, change).await?;
    Ok(message)
}

/// Every reaction on a message, oldest first.
pub async fn list_reactions(
    ctx: &Ctx,
    message_id: i64,
    page: PageArgs,
) -> Result<Page<reactions::Model>> {
    ctx.require(Scope::ReactionsRead)?;
    let (message, _) = visible_message(ctx, message_id).await?;
    let mut q = reactions::Entity::find().filter(reactions::Column::MessageId.eq(message.id));
    if let Some(after) = page.after {
        q = q.filter(reactions::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(reactions::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}
