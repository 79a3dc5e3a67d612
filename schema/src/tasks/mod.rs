//! Tasks and custom properties over GraphQL: the `tasks`/`task`/`customProperties`
//! queries, the task and custom property mutations, and the `taskChanged` subscription.
//! Every field calls one `resolvers` operation; rules live there.

pub mod loaders;
pub mod types;

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject, Subscription};
use futures::Stream;
use futures::stream;
use resolvers::auth::Scope;
use resolvers::events::{Event, EventKind};
use resolvers::idempotency::once;
use resolvers::pagination::PageArgs;

pub use loaders::{TaskLoaders, prefetch_tasks};
pub use types::*;

use crate::context::rctx;
use crate::error::{GqlResult, to_gql};
use crate::feed::Feed;
use crate::ids::{self, Kind};
use crate::types::{User, page_cost};

/// Tasks, newest last.
pub type TaskConnection = async_graphql::connection::Connection<String, Task>;

/// Queries of tasks and custom properties.
#[derive(Default)]
pub struct TaskQuery;

#[Object]
impl TaskQuery {
    /// Tasks you can see (yours, those you perform, those of chats you read; admins: all),
    /// by id.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        filter: Option<TaskFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TaskConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let rows = resolvers::tasks::list_tasks(rctx(ctx)?, filter, page)
            .await
            .gql()?;
        prefetch_tasks(ctx, &rows.items).await?;
        Ok(crate::types::connection(rows, |t| t.id, Task))
    }
    /// One task; null when it does not exist or you cannot see it.
    async fn task(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Task>> {
        let id = ids::decode(&id, Kind::Task, "id")?;
        match resolvers::tasks::get_task(rctx(ctx)?, id).await {
            Ok(t) => Ok(Some(Task(t))),
            Err(resolvers::Error::NotFound(_)) => Ok(None),
            Err(e) => Err(to_gql(e)),
        }
    }
    /// The workspace's custom property definitions for users or tasks.
    async fn custom_properties(
        &self,
        ctx: &Context<'_>,
        entity_type: EntityTypeGql,
    ) -> Result<Vec<CustomProperty>> {
        let rows =
            resolvers::custom_properties::list_custom_properties(rctx(ctx)?, entity_type.into())
                .await
                .gql()?;
        Ok(rows.into_iter().map(CustomProperty).collect())
    }
}

/// Mutations of tasks and custom properties.
#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Create a task (you perform it unless others are named; linking a chat needs
    /// membership of it).
    async fn create_task(
        &self,
        ctx: &Context<'_>,
        input: CreateTaskInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Task> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = input.into_domain()?;
        let task = once(c, None, "createTask", &fingerprint, || {
            resolvers::tasks::create_task(c, input)
        })
        .await
        .gql()?;
        Ok(Task(task))
    }
    /// Create a task from a message you can read: linked to the message and its chat.
    async fn create_task_from_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        input: Option<TaskFromMessageInput>,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Task> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([message_id, input]);
        let message_id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let input = input.unwrap_or_default().into_domain()?;
        let task = once(c, None, "createTaskFromMessage", &fingerprint, || {
            resolvers::tasks::create_task_from_message(c, message_id, input)
        })
        .await
        .gql()?;
        Ok(Task(task))
    }
    /// Change a task (its creator, performers or an admin). `status: DONE` completes it,
    /// `UNDONE` reopens it.
    async fn update_task(&self, ctx: &Context<'_>, id: ID, input: UpdateTaskInput) -> Result<Task> {
        let id = ids::decode(&id, Kind::Task, "id")?;
        let input = input.into_domain()?;
        Ok(Task(
            resolvers::tasks::update_task(rctx(ctx)?, id, input)
                .await
                .gql()?,
        ))
    }
    /// Mark a task done; refused with `TASK_BLOCKED` while one of its blockers is undone.
    async fn complete_task(&self, ctx: &Context<'_>, id: ID) -> Result<Task> {
        let id = ids::decode(&id, Kind::Task, "id")?;
        Ok(Task(
            resolvers::tasks::complete_task(rctx(ctx)?, id)
                .await
                .gql()?,
        ))
    }
    /// Mark a done task undone again.
    async fn reopen_task(&self, ctx: &Context<'_>, id: ID) -> Result<Task> {
        let id = ids::decode(&id, Kind::Task, "id")?;
        Ok(Task(
            resolvers::tasks::reopen_task(rctx(ctx)?, id).await.gql()?,
        ))
    }
    /// Delete a task (its creator or an admin), with its dependency edges.
    async fn delete_task(&self, ctx: &Context<'_>, id: ID) -> Result<DeletedTask> {
        let id = ids::decode(&id, Kind::Task, "id")?;
        let task = resolvers::tasks::delete_task(rctx(ctx)?, id).await.gql()?;
        Ok(DeletedTask {
            id: ids::encode(Kind::Task, task.id),
        })
    }
    /// Record that `taskId` is blocked by `blockerId`. An edge that would close a cycle is
    /// refused with `DEPENDENCY_CYCLE` (the path is in the message and in
    /// `extensions.path`). Returns the blocked task.
    async fn add_task_dependency(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        blocker_id: ID,
    ) -> Result<Task> {
        let task_id = ids::decode(&task_id, Kind::Task, "taskId")?;
        let blocker_id = ids::decode(&blocker_id, Kind::Task, "blockerId")?;
        let change = resolvers::tasks::add_task_dependency(rctx(ctx)?, task_id, blocker_id)
            .await
            .gql()?;
        Ok(Task(change.task))
    }
    /// Remove the edge "`taskId` is blocked by `blockerId`". Returns the blocked task.
    async fn remove_task_dependency(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        blocker_id: ID,
    ) -> Result<Task> {
        let task_id = ids::decode(&task_id, Kind::Task, "taskId")?;
        let blocker_id = ids::decode(&blocker_id, Kind::Task, "blockerId")?;
        let change = resolvers::tasks::remove_task_dependency(rctx(ctx)?, task_id, blocker_id)
            .await
            .gql()?;
        Ok(Task(change.task))
    }
    /// Define a custom property for users or tasks (admins).
    async fn create_custom_property(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomPropertyInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CustomProperty> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = resolvers::custom_properties::CreatePropertyInput {
            entity_type: input.entity_type.into(),
            name: input.name,
            data_type: input.data_type.into(),
        };
        let property = once(c, None, "createCustomProperty", &fingerprint, || {
            resolvers::custom_properties::create_custom_property(c, input)
        })
        .await
        .gql()?;
        Ok(CustomProperty(property))
    }
    /// Delete a custom property definition (admins): its values disappear and setting
    /// it is refused.
    async fn delete_custom_property(&self, ctx: &Context<'_>, id: ID) -> Result<CustomProperty> {
        let id = ids::decode(&id, Kind::CustomProperty, "id")?;
        Ok(CustomProperty(
            resolvers::custom_properties::delete_custom_property(rctx(ctx)?, id)
                .await
                .gql()?,
        ))
    }
    /// Set custom properties on a user (admins); an empty value clears one.
    async fn set_user_custom_properties(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        values: Vec<CustomPropertyInput>,
    ) -> Result<User> {
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        let values = property_inputs(values)?;
        Ok(User(
            resolvers::custom_properties::set_user_custom_properties(rctx(ctx)?, user_id, values)
                .await
                .gql()?,
        ))
    }
}

/// What happened to a task.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaskChangeKind {
    /// Created.
    Created,
    /// Attributes changed.
    Updated,
    /// Marked done.
    Completed,
    /// Marked undone again.
    Reopened,
    /// Deleted.
    Deleted,
    /// A blocker was added.
    DependencyAdded,
    /// A blocker was removed.
    DependencyRemoved,
}

/// A change of a task you can see.
#[derive(SimpleObject)]
pub struct TaskChange {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// What happened.
    pub change: TaskChangeKind,
    /// The task's global id.
    pub task_id: ID,
    /// The task as of the change (null once deleted).
    pub task: Option<Task>,
    /// For dependency changes: the blocker's global id.
    pub blocker_id: Option<ID>,
}

fn task_change(
    ev: &Event,
) -> Option<(TaskChangeKind, &resolvers::tasks::TaskSnapshot, Option<i64>)> {
    Some(match &ev.kind {
        EventKind::TaskCreated { task } => (TaskChangeKind::Created, task, None),
        EventKind::TaskUpdated { task } => (TaskChangeKind::Updated, task, None),
        EventKind::TaskCompleted { task } => (TaskChangeKind::Completed, task, None),
        EventKind::TaskReopened { task } => (TaskChangeKind::Reopened, task, None),
        EventKind::TaskDeleted { task } => (TaskChangeKind::Deleted, task, None),
        EventKind::TaskDependencyChanged {
            task,
            blocker_id,
            added,
        } => {
            let kind = if *added {
                TaskChangeKind::DependencyAdded
            } else {
                TaskChangeKind::DependencyRemoved
            };
            (kind, task, Some(*blocker_id))
        }
        _ => return None,
    })
}

/// Live task changes.
#[derive(Default)]
pub struct TaskSubscription;

#[Subscription]
impl TaskSubscription {
    /// Changes of the tasks you can see (as of each change), across the workspace.
    async fn task_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<TaskChange>>> {
        let after = after
            .map(|a| resolvers::events::decode_event_cursor(&a, "after"))
            .transpose()
            .gql()?;
        let rc = rctx(ctx)?.clone();
        rc.require(Scope::TasksRead).gql()?;
        let feed = Feed::start(rc, after).await.gql()?;
        Ok(stream::unfold(Some(feed), |state| async move {
            let mut feed = state?;
            loop {
                let ev: Arc<Event> = match feed.next().await {
                    Ok(Some(ev)) => ev,
                    Ok(None) => return None,
                    Err(e) => return Some((Err(to_gql(e)), None)),
                };
                let Some((change, snap, blocker)) = task_change(&ev) else {
                    continue;
                };
                let rc = feed.ctx();
                match resolvers::tasks::can_see(&rc.db, &rc.principal, snap).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => return Some((Err(to_gql(e)), None)),
                }
                let item = TaskChange {
                    event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                    change,
                    task_id: ids::encode(Kind::Task, snap.task.id),
                    task: (change != TaskChangeKind::Deleted).then(|| Task(snap.task.clone())),
                    blocker_id: blocker.map(|id| ids::encode(Kind::Task, id)),
                };
                return Some((Ok(item), Some(feed)));
            }
        }))
    }
}
