//! One-statement batch lookups for tasks, keyed by task, message or chat id, for
//! GraphQL's DataLoaders: a page of tasks costs the same number of statements at page
//! size 1 and 100. Every statement is filtered by workspace; the `visible_*` ones apply
//! the principal's visibility rule in the same statement.

use std::collections::HashMap;

use entities::{chats, messages, task_dependencies, task_performers, tasks};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{TaskStatus, visible};
use crate::Result;
use crate::ctx::Principal;
use crate::sql::{distinct, id_values, placeholders, stmt};

/// A blocker of a task: its id and whether it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockerRef {
    /// The blocking task.
    pub id: i64,
    /// Whether it is done (an undone blocker blocks).
    pub done: bool,
}

/// Performer user ids per task, ascending.
pub async fn performer_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    task_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>> {
    let rows = task_performers::Entity::find()
        .filter(task_performers::Column::WorkspaceId.eq(workspace_id))
        .filter(task_performers::Column::TaskId.is_in(distinct(task_ids)))
        .order_by_asc(task_performers::Column::TaskId)
        .order_by_asc(task_performers::Column::UserId)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        out.entry(row.task_id).or_default().push(row.user_id);
    }
    Ok(out)
}

/// The blockers of each task (with their status), by blocker id.
pub async fn blockers<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    task_ids: &[i64],
) -> Result<HashMap<i64, Vec<BlockerRef>>> {
    let ids = distinct(task_ids);
    let sql = format!(
        "SELECT d.task_id AS task_id, d.blocker_id AS blocker_id, b.status AS status \
         FROM task_dependencies d JOIN tasks b ON b.id = d.blocker_id \
         WHERE d.workspace_id = ? AND d.task_id IN ({}) ORDER BY d.task_id, d.blocker_id",
        placeholders(ids.len())
    );
    let mut values = vec![workspace_id.into()];
    values.extend(id_values(&ids));
    let rows = db
        .query_all_raw(stmt(db.get_database_backend(), &sql, values))
        .await?;
    let mut out: HashMap<i64, Vec<BlockerRef>> = HashMap::new();
    for row in rows {
        let status: String = row.try_get("", "status")?;
        out.entry(row.try_get::<i64>("", "task_id")?)
            .or_default()
            .push(BlockerRef {
                id: row.try_get("", "blocker_id")?,
                done: status == TaskStatus::Done.as_str(),
            });
    }
    Ok(out)
}

/// The tasks each task blocks, by id.
pub async fn blocking<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    task_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>> {
    let rows = task_dependencies::Entity::find()
        .filter(task_dependencies::Column::WorkspaceId.eq(workspace_id))
        .filter(task_dependencies::Column::BlockerId.is_in(distinct(task_ids)))
        .order_by_asc(task_dependencies::Column::BlockerId)
        .order_by_asc(task_dependencies::Column::TaskId)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        out.entry(row.blocker_id).or_default().push(row.task_id);
    }
    Ok(out)
}

/// The undone blockers of one task, ascending.
pub(crate) async fn undone_blocker_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    task_id: i64,
) -> Result<Vec<i64>> {
    Ok(blockers(db, workspace_id, &[task_id])
        .await?
        .remove(&task_id)
        .unwrap_or_default()
        .into_iter()
        .filter(|b| !b.done)
        .map(|b| b.id)
        .collect())
}

/// The ids of a workspace's tasks that have an undone blocker (a subquery).
pub(crate) fn blocked_ids(workspace_id: i64) -> SelectStatement {
    let undone = Query::select()
        .column(tasks::Column::Id)
        .from(tasks::Entity)
        .and_where(tasks::Column::WorkspaceId.eq(workspace_id))
        .and_where(tasks::Column::Status.eq(TaskStatus::Undone.as_str()))
        .to_owned();
    Query::select()
        .column(task_dependencies::Column::TaskId)
        .from(task_dependencies::Entity)
        .and_where(task_dependencies::Column::WorkspaceId.eq(workspace_id))
        .and_where(task_dependencies::Column::BlockerId.in_subquery(undone))
        .to_owned()
}

/// Tasks by id that `p` may see (others are absent).
pub async fn visible_tasks_by_ids<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    ids: &[i64],
) -> Result<HashMap<i64, tasks::Model>> {
    let rows = tasks::Entity::find()
        .filter(visible(p))
        .filter(tasks::Column::Id.is_in(distinct(ids)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

/// The tasks made from each message that `p` may see, by id.
pub async fn visible_tasks_by_message<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<tasks::Model>>> {
    let rows = tasks::Entity::find()
        .filter(visible(p))
        .filter(tasks::Column::SourceMessageId.is_in(distinct(message_ids)))
        .order_by_asc(tasks::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<tasks::Model>> = HashMap::new();
    for row in rows {
        if let Some(m) = row.source_message_id {
            out.entry(m).or_default().push(row);
        }
    }
    Ok(out)
}

/// Chats by id that `p` may see (a task's chat is shown only to its readers).
pub async fn visible_chats_by_ids<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    ids: &[i64],
) -> Result<HashMap<i64, chats::Model>> {
    let rows = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(p.workspace_id))
        .filter(chats::Column::Id.is_in(distinct(ids)))
        .filter(chats::Column::Id.in_subquery(crate::chats::visible_chat_ids(p)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// Live messages by id in chats `p` may see (a task's source message).
pub async fn visible_messages_by_ids<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    ids: &[i64],
) -> Result<HashMap<i64, messages::Model>> {
    let rows = messages::Entity::find()
        .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
        .filter(messages::Column::Id.is_in(distinct(ids)))
        .filter(messages::Column::DeletedAt.is_null())
        .filter(messages::Column::ChatId.in_subquery(crate::chats::visible_chat_ids(p)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}
