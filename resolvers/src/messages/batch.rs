//! One-statement batch lookups keyed by message or chat id, for GraphQL DataLoaders.
//!
//! Each function turns a whole batch of keys into exactly one SQL statement, so a page of
//! messages costs the same number of statements at page size 1 and 100. Every statement
//! is filtered by workspace as well as by key.

use std::collections::HashMap;

use entities::{attachments, messages};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::Result;
use crate::sql::{distinct, id_values, placeholders, stmt};

/// Reactions on one message with one emoji.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReactionGroup {
    /// The emoji.
    pub emoji: String,
    /// How many users reacted with it.
    pub count: i64,
    /// Whether the viewer is one of them.
    pub viewer_reacted: bool,
}

/// A thread's summary as seen from its root message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSummary {
    /// The thread chat.
    pub chat_id: i64,
    /// Live replies in it.
    pub reply_count: i64,
}

/// Reaction groups per message, in order of first use.
pub async fn reaction_groups<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    viewer_id: i64,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<ReactionGroup>>> {
    let ids = distinct(message_ids);
    let sql = format!(
        "SELECT message_id, emoji, COUNT(*) AS n, \
         SUM(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS mine, MIN(id) AS first_id \
         FROM reactions WHERE workspace_id = ? AND message_id IN ({}) \
         GROUP BY message_id, emoji ORDER BY message_id, first_id",
        placeholders(ids.len())
    );
    let mut values = vec![viewer_id.into(), workspace_id.into()];
    values.extend(id_values(&ids));
    let rows = db
        .query_all_raw(stmt(db.get_database_backend(), &sql, values))
        .await?;
    let mut out: HashMap<i64, Vec<ReactionGroup>> = HashMap::new();
    for row in rows {
        out.entry(row.try_get::<i64>("", "message_id")?)
            .or_default()
            .push(ReactionGroup {
                emoji: row.try_get("", "emoji")?,
                count: row.try_get("", "n")?,
                viewer_reacted: row.try_get::<i64>("", "mine")? > 0,
            });
    }
    Ok(out)
}

/// Attachments per message, in upload order.
pub async fn attachments<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<attachments::Model>>> {
    let rows = attachments::Entity::find()
        .filter(attachments::Column::WorkspaceId.eq(workspace_id))
        .filter(attachments::Column::MessageId.is_in(distinct(message_ids)))
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<attachments::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.message_id).or_default().push(row);
    }
    Ok(out)
}

/// Thread summaries per root message (only messages that have a thread appear).
pub async fn thread_summaries<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_ids: &[i64],
) -> Result<HashMap<i64, ThreadSummary>> {
    let ids = distinct(message_ids);
    let sql = format!(
        // A count per thread chat through the `(chat_id, id)` index: as a join with
        // GROUP BY, PostgreSQL's planner scanned every message of the database.
        "SELECT c.root_message_id AS root_id, c.id AS chat_id, \
           (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.deleted_at IS NULL) AS n \
         FROM chats c \
         WHERE c.workspace_id = ? AND c.root_message_id IN ({})",
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
            row.try_get::<i64>("", "root_id")?,
            ThreadSummary {
                chat_id: row.try_get("", "chat_id")?,
                reply_count: row.try_get("", "n")?,
            },
        );
    }
    Ok(out)
}

/// How many members (author excluded) have read each message.
pub async fn read_counts<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let ids = distinct(message_ids);
    let sql = format!(
        "SELECT m.id AS message_id, COUNT(cm.user_id) AS n FROM messages m \
         JOIN chat_members cm ON cm.chat_id = m.chat_id \
           AND cm.last_read_message_id >= m.id AND cm.user_id <> m.author_id \
         WHERE m.workspace_id = ? AND m.id IN ({}) GROUP BY m.id",
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
            row.try_get::<i64>("", "message_id")?,
            row.try_get::<i64>("", "n")?,
        );
    }
    Ok(out)
}

/// The viewer's unread count per chat (chats they are not a member of are absent).
pub async fn unread_counts<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    viewer_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let ids = distinct(chat_ids);
    let sql = format!(
        "SELECT cm.chat_id AS chat_id, COUNT(m.id) AS n FROM chat_members cm \
         LEFT JOIN messages m ON m.chat_id = cm.chat_id AND m.id > cm.last_read_message_id \
           AND m.author_id <> cm.user_id AND m.deleted_at IS NULL \
         WHERE cm.workspace_id = ? AND cm.user_id = ? AND cm.chat_id IN ({}) GROUP BY cm.chat_id",
        placeholders(ids.len())
    );
    let mut values = vec![workspace_id.into(), viewer_id.into()];
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

/// Live messages by id within one workspace (no visibility check: callers check).
pub async fn messages_by_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, messages::Model>> {
    let rows = messages::Entity::find()
        .filter(messages::Column::WorkspaceId.eq(workspace_id))
        .filter(messages::Column::Id.is_in(distinct(ids)))
        .filter(messages::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}
