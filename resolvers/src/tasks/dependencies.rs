//! "B is blocked by A": adding and removing edges, keeping the graph acyclic.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entities::{task_dependencies, tasks};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::{DependencyRule, TaskSnapshot, changeable_task, lock_graph, visible_task};
use crate::auth::Scope;
use crate::events::{EventKind, record};
use crate::{Ctx, Error, Result};

/// The result of adding or removing an edge.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DependencyChange {
    /// The blocked task, as it now is.
    pub task: tasks::Model,
    /// Whether the edge set changed (`false`: it already was as asked).
    pub changed: bool,
}

/// Record that `task_id` is blocked by `blocker_id` (both tasks the caller sees, of one
/// workspace; the caller may change `task_id`). An existing edge is left as it is. An
/// edge that would close a cycle is refused with `DEPENDENCY_CYCLE`, naming the path.
pub async fn add_task_dependency(
    ctx: &Ctx,
    task_id: i64,
    blocker_id: i64,
) -> Result<DependencyChange> {
    ctx.require(Scope::TasksUpdate)?;
    if task_id == blocker_id {
        return Err(Error::invalid("blockerId", "a task cannot block itself"));
    }
    let txn = ctx.write().await?;
    lock_graph(&txn, ctx.workspace_id()).await?;
    let snap = changeable_task(&txn, &ctx.principal, task_id).await?;
    visible_task(&txn, &ctx.principal, blocker_id).await?;
    let exists = task_dependencies::Entity::find_by_id((task_id, blocker_id))
        .one(&txn)
        .await?
        .is_some();
    if exists {
        return Ok(DependencyChange {
            task: snap.task,
            changed: false,
        });
    }
    if let Some(path) = blocking_path(&txn, ctx.workspace_id(), blocker_id, task_id).await? {
        let mut cycle = Vec::with_capacity(path.len() + 1);
        cycle.push(task_id);
        cycle.extend(path);
        return Err(Error::Dependency(DependencyRule::Cycle { path: cycle }));
    }
    task_dependencies::Entity::insert(task_dependencies::ActiveModel {
        task_id: Set(task_id),
        blocker_id: Set(blocker_id),
        workspace_id: Set(ctx.workspace_id()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&txn)
    .await?;
    let task = snap.task.clone();
    let event = record(
        &txn,
        ctx,
        EventKind::TaskDependencyChanged {
            task: snap,
            blocker_id,
            added: true,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(DependencyChange {
        task,
        changed: true,
    })
}

/// Remove the edge "`task_id` is blocked by `blocker_id`" (the caller may change
/// `task_id`). Removing an edge that does not exist changes nothing.
pub async fn remove_task_dependency(
    ctx: &Ctx,
    task_id: i64,
    blocker_id: i64,
) -> Result<DependencyChange> {
    ctx.require(Scope::TasksUpdate)?;
    let txn = ctx.write().await?;
    let snap = changeable_task(&txn, &ctx.principal, task_id).await?;
    let removed = task_dependencies::Entity::delete_many()
        .filter(task_dependencies::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(task_dependencies::Column::TaskId.eq(task_id))
        .filter(task_dependencies::Column::BlockerId.eq(blocker_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed == 0 {
        return Ok(DependencyChange {
            task: snap.task,
            changed: false,
        });
    }
    let task = snap.task.clone();
    let event = record(
        &txn,
        ctx,
        EventKind::TaskDependencyChanged {
            task: snap,
            blocker_id,
            added: false,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(DependencyChange {
        task,
        changed: true,
    })
}

/// A task's blockers and the tasks it blocks, as far as the caller can see them (what
/// WorkAndGo's `GET /api/tasks/{id}/dependencies` renders).
pub async fn task_dependencies(
    ctx: &Ctx,
    task_id: i64,
) -> Result<(Vec<tasks::Model>, Vec<tasks::Model>)> {
    ctx.require(Scope::TasksRead)?;
    let snap: TaskSnapshot = visible_task(&ctx.db, &ctx.principal, task_id).await?;
    let ws = ctx.workspace_id();
    let blockers: Vec<i64> = super::batch::blockers(&ctx.db, ws, &[snap.task.id])
        .await?
        .remove(&snap.task.id)
        .unwrap_or_default()
        .into_iter()
        .map(|b| b.id)
        .collect();
    let blocking = super::batch::blocking(&ctx.db, ws, &[snap.task.id])
        .await?
        .remove(&snap.task.id)
        .unwrap_or_default();
    let mut ids = blockers.clone();
    ids.extend(&blocking);
    let seen = super::batch::visible_tasks_by_ids(&ctx.db, &ctx.principal, &ids).await?;
    let pick = |ids: &[i64]| -> Vec<tasks::Model> {
        ids.iter().filter_map(|id| seen.get(id).cloned()).collect()
    };
    Ok((pick(&blockers), pick(&blocking)))
}

/// The shortest chain of "is blocked by" edges from `from` to `to`, as task ids
/// (`from` first, `to` last), or `None`. Breadth first, one statement per level.
async fn blocking_path<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    from: i64,
    to: i64,
) -> Result<Option<Vec<i64>>> {
    let mut came_from: HashMap<i64, i64> = HashMap::new();
    let mut seen: HashSet<i64> = HashSet::from([from]);
    let mut frontier = vec![from];
    while !frontier.is_empty() {
        let edges = task_dependencies::Entity::find()
            .filter(task_dependencies::Column::WorkspaceId.eq(workspace_id))
            .filter(task_dependencies::Column::TaskId.is_in(frontier.clone()))
            .all(db)
            .await?;
        let mut next = Vec::new();
        for edge in edges {
            if !seen.insert(edge.blocker_id) {
                continue;
            }
            came_from.insert(edge.blocker_id, edge.task_id);
            if edge.blocker_id == to {
                let mut path = vec![to];
                let mut at = to;
                while let Some(prev) = came_from.get(&at) {
                    path.push(*prev);
                    at = *prev;
                }
                path.reverse();
                return Ok(Some(path));
            }
            next.push(edge.blocker_id);
        }
        frontier = next;
    }
    Ok(None)
}
