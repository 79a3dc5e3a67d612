//! Tasks: calls, meetings, reminders, events and emails to do, with performers, an
//! optional chat link and source message, custom properties, and "B is blocked by A"
//! dependencies that keep the workspace's task graph acyclic.
//!
//! # One model for two vocabularies
//!
//! The core keeps Pachca's model — `kind`, `priority` 1–3, `status` `undone`|`done` with
//! `done_at`, `content` — because Pachca's is the richer one (kinds, all-day tasks,
//! custom properties) and the issue states it. WorkAndGo's extra distinctions are kept
//! as two optional facts instead of a second status vocabulary, so each façade is a
//! pure translation and nothing is lost in a round trip:
//!
//! | WorkAndGo `Task` | core |
//! |---|---|
//! | `title` (≤ 500) | `title` (optional; Pachca renders `content`, falling back to the title) |
//! | `description` | `content` |
//! | `status` `todo` / `in_progress` / `done` | `status` `undone` + `in_progress` false / `undone` + `in_progress` true / `done` |
//! | `priority` `low` / `medium` / `high` | `priority` 1 / 2 / 3 |
//! | `assignees` | performers |
//! | `dueAt` | `due_at` |
//! | `channelId` | `chat_id` |
//! | `sourceMessageId` | `source_message_id` |
//! | `blockedBy`, `blocking`, `isBlocked` | [`batch::blockers`], [`batch::blocking`] |
//! | `createdBy`, `completedAt` | `creator_id`, `done_at` |
//! | kind (absent) | `reminder` |
//!
//! A PATCH whose `status` crosses `done` is [`update_task`] with `status` set, which
//! applies exactly the rules of [`complete_task`] and [`reopen_task`] (and records
//! `task_completed` / `task_reopened`). Pachca's PUT with `status` and `done_at` is the
//! same call. A new task's `content` defaults to its kind's name when it has neither a
//! text nor a title (Pachca's rule).
//!
//! # Who sees and changes a task
//!
//! - **sees**: its creator, its performers, whoever can read its linked chat (the one
//!   chat visibility rule, [`crate::chats::access`]), and workspace owners and admins.
//!   To anyone else — and for another workspace's ids — a task does not exist
//!   (`NOT_FOUND`), in lookups, lists, dependency edges, `Message.tasks` and events.
//! - **changes** (update, complete, reopen, add and remove its dependencies): its
//!   creator, its performers, owners and admins. A chat reader who is none of these sees
//!   the task but gets `FORBIDDEN` (WorkAndGo keeps 403 for visible objects).
//! - **deletes**: its creator, owners and admins.
//! - **links a chat**: only a member of that chat (Pachca's rule); a chat the caller
//!   cannot see is `NOT_FOUND`. A task made from a message is linked to the message's
//!   chat; reading the message is enough there (WorkAndGo's rule).
//! - A dependency's blocker must be a task the caller sees, in the same workspace.

pub mod batch;
mod dependencies;

pub use dependencies::{
    DependencyChange, add_task_dependency, remove_task_dependency, task_dependencies,
};

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use entities::{task_performers, tasks};
use sea_orm::sea_query::{Condition, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;
use crate::ctx::Principal;
use crate::custom_properties::{self, EntityType, PropertyInput};
use crate::events::{EventKind, record};
use crate::pagination::{Page, PageArgs, Slice, Window};
use crate::{Ctx, Error, Result};

/// Longest title, in characters (WorkAndGo's limit).
pub const MAX_TITLE: usize = 500;
/// Longest text, in characters.
pub const MAX_CONTENT: usize = 10_000;
/// Most performers of one task.
pub const MAX_PERFORMERS: usize = 100;

/// The kind of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Call a contact.
    Call,
    /// A meeting.
    Meeting,
    /// A simple reminder (the default).
    Reminder,
    /// An event.
    Event,
    /// Send an email.
    Email,
}

impl TaskKind {
    /// The stored spelling (Pachca's).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Call => "call",
            TaskKind::Meeting => "meeting",
            TaskKind::Reminder => "reminder",
            TaskKind::Event => "event",
            TaskKind::Email => "email",
        }
    }
}

impl FromStr for TaskKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "call" => Ok(TaskKind::Call),
            "meeting" => Ok(TaskKind::Meeting),
            "reminder" => Ok(TaskKind::Reminder),
            "event" => Ok(TaskKind::Event),
            "email" => Ok(TaskKind::Email),
            other => Err(Error::invalid(
                "kind",
                format!("unknown task kind `{other}`"),
            )),
        }
    }
}

/// Whether a task is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Still to do (WorkAndGo's `todo` and `in_progress`).
    Undone,
    /// Done.
    Done,
}

impl TaskStatus {
    /// The stored spelling (Pachca's).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Undone => "undone",
            TaskStatus::Done => "done",
        }
    }

    /// The status of a stored task.
    pub fn of(task: &tasks::Model) -> TaskStatus {
        if task.status == TaskStatus::Done.as_str() {
            TaskStatus::Done
        } else {
            TaskStatus::Undone
        }
    }
}

/// A task with its performers: what events carry, so a consumer can decide who may see
/// it without a query (and even after it was deleted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSnapshot {
    /// The row.
    pub task: tasks::Model,
    /// Its performers' user ids, ascending.
    pub performer_ids: Vec<i64>,
}

/// A dependency rule that refused a change (see [`Error::Dependency`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DependencyRule {
    /// The task cannot be marked done: these blockers are undone.
    Blocked {
        /// The task.
        task_id: i64,
        /// Its undone blockers, ascending.
        blocker_ids: Vec<i64>,
    },
    /// The edge would close a cycle: `path` runs from the blocked task through the
    /// "is blocked by" edges back to itself.
    Cycle {
        /// Task ids, first and last equal.
        path: Vec<i64>,
    },
}

impl DependencyRule {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            DependencyRule::Blocked { .. } => "TASK_BLOCKED",
            DependencyRule::Cycle { .. } => "DEPENDENCY_CYCLE",
        }
    }

    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            DependencyRule::Blocked { .. } => "status",
            DependencyRule::Cycle { .. } => "blockerId",
        }
    }

    /// The task ids involved: the undone blockers, or the cycle's path.
    pub fn task_ids(&self) -> &[i64] {
        match self {
            DependencyRule::Blocked { blocker_ids, .. } => blocker_ids,
            DependencyRule::Cycle { path } => path,
        }
    }
}

fn join(ids: &[i64], sep: &str) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(sep)
}

impl fmt::Display for DependencyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DependencyRule::Blocked {
                task_id,
                blocker_ids,
            } => write!(
                f,
                "task {task_id} is blocked by undone task(s) {}: complete them first",
                join(blocker_ids, ", ")
            ),
            DependencyRule::Cycle { path } => write!(
                f,
                "this dependency would close a cycle: {}",
                join(path, " → ")
            ),
        }
    }
}

/// Input of [`create_task`] and [`create_task_from_message`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct CreateTaskInput {
    /// Default `reminder`.
    pub kind: Option<TaskKind>,
    /// Optional title, up to 500 characters.
    pub title: Option<String>,
    /// The text, up to 10,000 characters (default: the kind's name, when untitled).
    pub content: Option<String>,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
    /// A whole-day task (default false).
    pub all_day: Option<bool>,
    /// 1–3 (default 1).
    pub priority: Option<i32>,
    /// Default `undone`.
    pub status: Option<TaskStatus>,
    /// When it was done (only with `status: done`; default now).
    pub done_at: Option<DateTime<Utc>>,
    /// Started (only while undone; default false).
    pub in_progress: Option<bool>,
    /// Users of the workspace (default: the creator).
    pub performer_ids: Option<Vec<i64>>,
    /// A chat the creator is a member of.
    pub chat_id: Option<i64>,
    /// `Task` custom property values.
    pub custom_properties: Vec<PropertyInput>,
}

/// Input of [`update_task`]: `None` leaves a part unchanged; for the clearable parts,
/// `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct UpdateTaskInput {
    /// New kind.
    pub kind: Option<TaskKind>,
    /// New title, or `Some(None)` to remove it.
    pub title: Option<Option<String>>,
    /// New text.
    pub content: Option<String>,
    /// New due time, or `Some(None)` to remove it.
    pub due_at: Option<Option<DateTime<Utc>>>,
    /// Whole-day or not.
    pub all_day: Option<bool>,
    /// 1–3.
    pub priority: Option<i32>,
    /// Crossing to `done` completes the task (refused while a blocker is undone);
    /// crossing back reopens it.
    pub status: Option<TaskStatus>,
    /// The completion time of a done (or now completed) task.
    pub done_at: Option<DateTime<Utc>>,
    /// Started or not (undone tasks only).
    pub in_progress: Option<bool>,
    /// Replace the performers (at least one).
    pub performer_ids: Option<Vec<i64>>,
    /// Link to another chat (the caller must be a member), or `Some(None)` to unlink.
    pub chat_id: Option<Option<i64>>,
    /// Set (or, with an empty value, clear) these custom properties; others are kept.
    pub custom_properties: Option<Vec<PropertyInput>>,
}

/// Filters of [`list_tasks`]; every one narrows the list.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    /// Only tasks with this status.
    pub status: Option<TaskStatus>,
    /// Only undone tasks started (`true`) or not started (`false`).
    pub in_progress: Option<bool>,
    /// Only tasks this user performs.
    pub performer_id: Option<i64>,
    /// Only tasks this user created.
    pub creator_id: Option<i64>,
    /// Only tasks linked to this chat.
    pub chat_id: Option<i64>,
    /// Only tasks any of these users performs (empty: no condition).
    pub performer_ids: Vec<i64>,
    /// Only tasks linked to any of these chats (empty: no condition).
    pub chat_ids: Vec<i64>,
    /// Only tasks of this priority.
    pub priority: Option<i32>,
    /// `true`: only tasks ready to work on (undone, no undone blocker); `false`: only
    /// the others (done, or blocked).
    pub ready: Option<bool>,
    /// Only tasks due at or after this time.
    pub due_from: Option<DateTime<Utc>>,
    /// Only tasks due before this time.
    pub due_to: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------
// Visibility

/// The condition on `tasks` rows that `p` may see (see the module docs).
pub(crate) fn visible(p: &Principal) -> Condition {
    if p.is_admin() {
        return Condition::all().add(tasks::Column::WorkspaceId.eq(p.workspace_id));
    }
    let performs = Query::select()
        .column(task_performers::Column::TaskId)
        .from(task_performers::Entity)
        .and_where(task_performers::Column::UserId.eq(p.user_id))
        .and_where(task_performers::Column::WorkspaceId.eq(p.workspace_id))
        .to_owned();
    Condition::all()
        .add(tasks::Column::WorkspaceId.eq(p.workspace_id))
        .add(
            Condition::any()
                .add(tasks::Column::CreatorId.eq(p.user_id))
                .add(tasks::Column::Id.in_subquery(performs))
                .add(tasks::Column::ChatId.in_subquery(crate::chats::visible_chat_ids(p))),
        )
}

/// Whether `p` may see the task (as of `snap`).
pub async fn can_see<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    snap: &TaskSnapshot,
) -> Result<bool> {
    if snap.task.workspace_id != p.workspace_id {
        return Ok(false);
    }
    if can_change(p, snap) {
        return Ok(true);
    }
    match snap.task.chat_id {
        Some(chat_id) => crate::chats::can_read(db, p, chat_id).await,
        None => Ok(false),
    }
}

fn can_change(p: &Principal, snap: &TaskSnapshot) -> bool {
    p.is_admin() || snap.task.creator_id == p.user_id || snap.performer_ids.contains(&p.user_id)
}

async fn snapshot<C: ConnectionTrait>(db: &C, task: tasks::Model) -> Result<TaskSnapshot> {
    let performer_ids = batch::performer_ids(db, task.workspace_id, &[task.id])
        .await?
        .remove(&task.id)
        .unwrap_or_default();
    Ok(TaskSnapshot {
        task,
        performer_ids,
    })
}

/// The task `task_id` if `p` may see it; "task not found" otherwise (missing, foreign
/// and invisible alike).
pub(crate) async fn visible_task<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    task_id: i64,
) -> Result<TaskSnapshot> {
    let task = tasks::Entity::find_by_id(task_id)
        .filter(tasks::Column::WorkspaceId.eq(p.workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("task"))?;
    let snap = snapshot(db, task).await?;
    if !can_see(db, p, &snap).await? {
        return Err(Error::NotFound("task"));
    }
    Ok(snap)
}

/// The task `task_id` if `p` may change it (see the module docs).
pub(crate) async fn changeable_task<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    task_id: i64,
) -> Result<TaskSnapshot> {
    let snap = visible_task(db, p, task_id).await?;
    if !can_change(p, &snap) {
        return Err(Error::Forbidden(
            "only the task's creator, its performers and workspace admins can change it".into(),
        ));
    }
    Ok(snap)
}

/// Serialise changes to a workspace's task graph (dependency edges and completions)
/// on PostgreSQL; SQLite's write transactions are serial already.
pub(crate) async fn lock_graph(txn: &DatabaseTransaction, workspace_id: i64) -> Result<()> {
    let backend = txn.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        txn.execute_raw(crate::sql::stmt(
            backend,
            "SELECT id FROM workspaces WHERE id = ? FOR NO KEY UPDATE",
            vec![workspace_id.into()],
        ))
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reads

/// One task the caller can see.
pub async fn get_task(ctx: &Ctx, task_id: i64) -> Result<tasks::Model> {
    ctx.require(Scope::TasksRead)?;
    Ok(visible_task(&ctx.db, &ctx.principal, task_id).await?.task)
}

/// The tasks the caller can see, by id ascending (keyset pages: one statement each).
pub async fn list_tasks(
    ctx: &Ctx,
    filter: TaskFilter,
    page: PageArgs,
) -> Result<Page<tasks::Model>> {
    let mut q = filtered(ctx, filter)?;
    if let Some(after) = page.after {
        q = q.filter(tasks::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(tasks::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

/// The tasks the caller can see, by id ascending, through a two-way [`Window`].
pub async fn list_tasks_window(
    ctx: &Ctx,
    filter: TaskFilter,
    window: Window,
) -> Result<Slice<tasks::Model>> {
    let q = filtered(ctx, filter)?;
    let q = window.apply(q, tasks::Column::Id, tasks::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// The visible tasks narrowed by `filter` (unordered, unpaged).
fn filtered(ctx: &Ctx, filter: TaskFilter) -> Result<sea_orm::Select<tasks::Entity>> {
    ctx.require(Scope::TasksRead)?;
    if let Some(p) = filter.priority {
        check_priority(p)?;
    }
    let mut q = tasks::Entity::find().filter(visible(&ctx.principal));
    if let Some(status) = filter.status {
        q = q.filter(tasks::Column::Status.eq(status.as_str()));
    }
    if let Some(started) = filter.in_progress {
        q = q
            .filter(tasks::Column::Status.eq(TaskStatus::Undone.as_str()))
            .filter(tasks::Column::InProgress.eq(started));
    }
    let performers: Vec<i64> = filter
        .performer_id
        .into_iter()
        .chain(filter.performer_ids)
        .collect();
    if !performers.is_empty() {
        let performs = Query::select()
            .column(task_performers::Column::TaskId)
            .from(task_performers::Entity)
            .and_where(task_performers::Column::UserId.is_in(performers))
            .and_where(task_performers::Column::WorkspaceId.eq(ctx.workspace_id()))
            .to_owned();
        q = q.filter(tasks::Column::Id.in_subquery(performs));
    }
    if let Some(user) = filter.creator_id {
        q = q.filter(tasks::Column::CreatorId.eq(user));
    }
    if let Some(chat) = filter.chat_id {
        q = q.filter(tasks::Column::ChatId.eq(chat));
    }
    if !filter.chat_ids.is_empty() {
        q = q.filter(tasks::Column::ChatId.is_in(filter.chat_ids));
    }
    if let Some(p) = filter.priority {
        q = q.filter(tasks::Column::Priority.eq(p));
    }
    if let Some(ready) = filter.ready {
        let undone = tasks::Column::Status.eq(TaskStatus::Undone.as_str());
        let blocked = tasks::Column::Id.in_subquery(batch::blocked_ids(ctx.workspace_id()));
        q = if ready {
            q.filter(undone).filter(blocked.not())
        } else {
            q.filter(Condition::any().add(undone.not()).add(blocked))
        };
    }
    if let Some(from) = filter.due_from {
        q = q.filter(tasks::Column::DueAt.gte(from));
    }
    if let Some(to) = filter.due_to {
        q = q.filter(tasks::Column::DueAt.lt(to));
    }
    Ok(q)
}

// ---------------------------------------------------------------------------------------
// Writes

fn check_priority(priority: i32) -> Result<()> {
    if (1..=3).contains(&priority) {
        Ok(())
    } else {
        Err(Error::invalid(
            "priority",
            format!("must be 1, 2 or 3, got {priority}"),
        ))
    }
}

fn clean_title(title: Option<String>) -> Result<Option<String>> {
    let Some(title) = title else { return Ok(None) };
    let title = title.trim().to_owned();
    if title.is_empty() {
        return Ok(None);
    }
    if title.chars().count() > MAX_TITLE {
        return Err(Error::invalid(
            "title",
            format!("must be at most {MAX_TITLE} characters"),
        ));
    }
    Ok(Some(title))
}

fn clean_content(content: String) -> Result<String> {
    let content = content.trim().to_owned();
    if content.chars().count() > MAX_CONTENT {
        return Err(Error::invalid(
            "content",
            format!("must be at most {MAX_CONTENT} characters"),
        ));
    }
    Ok(content)
}

/// Check performer ids: active users of the workspace, at least one, at most 100.
async fn check_performers<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>> {
    let ids = crate::sql::distinct(ids);
    if ids.is_empty() {
        return Err(Error::invalid(
            "performerIds",
            "a task needs at least one performer",
        ));
    }
    if ids.len() > MAX_PERFORMERS {
        return Err(Error::invalid(
            "performerIds",
            format!("at most {MAX_PERFORMERS} performers"),
        ));
    }
    let found = crate::people::users_by_ids(db, workspace_id, &ids).await?;
    for id in &ids {
        match found.get(id) {
            Some(u) if !u.suspended => {}
            _ => {
                return Err(Error::invalid(
                    "performerIds",
                    format!("no active user with id {id} in this workspace"),
                ));
            }
        }
    }
    Ok(ids)
}

/// The caller must be a member of a chat to link a task to it.
async fn check_chat_link<C: ConnectionTrait>(db: &C, p: &Principal, chat_id: i64) -> Result<()> {
    let acc = crate::chats::access(db, p, chat_id).await?;
    if acc.membership.is_none() {
        return Err(Error::Forbidden(
            "only members of a chat can link a task to it".into(),
        ));
    }
    Ok(())
}

async fn replace_performers(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    task_id: i64,
    ids: &[i64],
) -> Result<()> {
    task_performers::Entity::delete_many()
        .filter(task_performers::Column::TaskId.eq(task_id))
        .exec(txn)
        .await?;
    let rows = ids.iter().map(|user_id| task_performers::ActiveModel {
        task_id: Set(task_id),
        user_id: Set(*user_id),
        workspace_id: Set(workspace_id),
    });
    task_performers::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Create a task. The creator is its performer unless others are named; linking a chat
/// needs membership of it.
pub async fn create_task(ctx: &Ctx, input: CreateTaskInput) -> Result<tasks::Model> {
    ctx.require(Scope::TasksCreate)?;
    if let Some(chat_id) = input.chat_id {
        check_chat_link(&ctx.db, &ctx.principal, chat_id).await?;
    }
    insert(ctx, input, None).await
}

/// Create a task from a chat message the caller can read: it is linked to the message
/// and its chat, and titled with the message's text (cut at 500 characters) unless a
/// title or text is given. The message lists it in `Message.tasks`.
pub async fn create_task_from_message(
    ctx: &Ctx,
    message_id: i64,
    mut input: CreateTaskInput,
) -> Result<tasks::Model> {
    ctx.require(Scope::TasksCreate)?;
    ctx.require(Scope::MessagesRead)?;
    if input.chat_id.is_some() {
        return Err(Error::invalid(
            "chatId",
            "a task made from a message is linked to the message's chat",
        ));
    }
    let (message, _) = crate::messages::visible_message(ctx, message_id).await?;
    if input.title.is_none() && input.content.is_none() {
        let text: String = message.content.trim().chars().take(MAX_TITLE).collect();
        input.title = Some(text);
    }
    input.chat_id = Some(message.chat_id);
    insert(ctx, input, Some(message.id)).await
}

async fn insert(
    ctx: &Ctx,
    input: CreateTaskInput,
    source_message_id: Option<i64>,
) -> Result<tasks::Model> {
    let kind = input.kind.unwrap_or(TaskKind::Reminder);
    let title = clean_title(input.title)?;
    let mut content = clean_content(input.content.unwrap_or_default())?;
    if content.is_empty() && title.is_none() {
        content = kind.as_str().to_owned();
    }
    let priority = input.priority.unwrap_or(1);
    check_priority(priority)?;
    let status = input.status.unwrap_or(TaskStatus::Undone);
    let in_progress = input.in_progress.unwrap_or(false);
    let now = Utc::now();
    let done_at = match status {
        TaskStatus::Done if in_progress => {
            return Err(Error::invalid(
                "inProgress",
                "a done task is not in progress",
            ));
        }
        TaskStatus::Done => Some(input.done_at.unwrap_or(now)),
        TaskStatus::Undone if input.done_at.is_some() => {
            return Err(Error::invalid(
                "doneAt",
                "only a done task has a completion time",
            ));
        }
        TaskStatus::Undone => None,
    };
    let performers = match input.performer_ids {
        Some(ids) if !ids.is_empty() => check_performers(&ctx.db, ctx.workspace_id(), &ids).await?,
        _ => vec![ctx.user_id()],
    };
    let txn = ctx.write().await?;
    let props = custom_properties::validate(
        &txn,
        ctx.workspace_id(),
        EntityType::Task,
        &input.custom_properties,
    )
    .await?;
    let task = tasks::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        creator_id: Set(ctx.user_id()),
        kind: Set(kind.as_str().to_owned()),
        title: Set(title),
        content: Set(content),
        due_at: Set(input.due_at),
        all_day: Set(input.all_day.unwrap_or(false)),
        priority: Set(priority),
        status: Set(status.as_str().to_owned()),
        in_progress: Set(in_progress),
        done_at: Set(done_at),
        chat_id: Set(input.chat_id),
        source_message_id: Set(source_message_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    replace_performers(&txn, ctx.workspace_id(), task.id, &performers).await?;
    custom_properties::apply(&txn, ctx.workspace_id(), task.id, props).await?;
    let snap = TaskSnapshot {
        task: task.clone(),
        performer_ids: performers,
    };
    let event = record(&txn, ctx, EventKind::TaskCreated { task: snap }, None).await?;
    ctx.commit(txn, [event]).await?;
    Ok(task)
}

/// Change a task (its creator, performers, or an admin). A `status` crossing `done`
/// completes or reopens it, with the rules of [`complete_task`] and [`reopen_task`].
pub async fn update_task(ctx: &Ctx, task_id: i64, input: UpdateTaskInput) -> Result<tasks::Model> {
    ctx.require(Scope::TasksUpdate)?;
    if let Some(p) = input.priority {
        check_priority(p)?;
    }
    let title = input.title.map(clean_title).transpose()?;
    let content = input.content.map(clean_content).transpose()?;
    let txn = ctx.write().await?;
    let before = changeable_task(&txn, &ctx.principal, task_id).await?;
    if let Some(Some(chat_id)) = input.chat_id
        && before.task.chat_id != Some(chat_id)
    {
        check_chat_link(&txn, &ctx.principal, chat_id).await?;
    }
    let performers = match &input.performer_ids {
        Some(ids) => Some(check_performers(&txn, ctx.workspace_id(), ids).await?),
        None => None,
    };
    let was = TaskStatus::of(&before.task);
    let now_status = input.status.unwrap_or(was);
    if was == TaskStatus::Undone && now_status == TaskStatus::Done {
        lock_graph(&txn, ctx.workspace_id()).await?;
        let undone = batch::undone_blocker_ids(&txn, ctx.workspace_id(), task_id).await?;
        if !undone.is_empty() {
            return Err(Error::Dependency(DependencyRule::Blocked {
                task_id,
                blocker_ids: undone,
            }));
        }
    }
    let props = match &input.custom_properties {
        Some(values) => Some(
            custom_properties::validate(&txn, ctx.workspace_id(), EntityType::Task, values).await?,
        ),
        None => None,
    };
    let now = chrono::Utc::now();
    let mut am: tasks::ActiveModel = before.task.clone().into();
    if let Some(kind) = input.kind {
        am.kind = Set(kind.as_str().to_owned());
    }
    if let Some(title) = title {
        am.title = Set(title);
    }
    if let Some(content) = content {
        am.content = Set(content);
    }
    if let Some(due_at) = input.due_at {
        am.due_at = Set(due_at);
    }
    if let Some(all_day) = input.all_day {
        am.all_day = Set(all_day);
    }
    if let Some(priority) = input.priority {
        am.priority = Set(priority);
    }
    if let Some(chat_id) = input.chat_id {
        am.chat_id = Set(chat_id);
    }
    match (was, now_status) {
        (_, TaskStatus::Done) => {
            if input.in_progress == Some(true) {
                return Err(Error::invalid(
                    "inProgress",
                    "a done task is not in progress",
                ));
            }
            am.status = Set(TaskStatus::Done.as_str().to_owned());
            am.in_progress = Set(false);
            // Completing stamps now unless told otherwise; a done task keeps its time.
            let kept = match was {
                TaskStatus::Done => before.task.done_at,
                TaskStatus::Undone => None,
            };
            am.done_at = Set(Some(input.done_at.or(kept).unwrap_or(now)));
        }
        (_, TaskStatus::Undone) => {
            if input.done_at.is_some() {
                return Err(Error::invalid(
                    "doneAt",
                    "only a done task has a completion time",
                ));
            }
            am.status = Set(TaskStatus::Undone.as_str().to_owned());
            am.done_at = Set(None);
            let started = if was == TaskStatus::Done {
                input.in_progress.unwrap_or(false)
            } else {
                input.in_progress.unwrap_or(before.task.in_progress)
            };
            am.in_progress = Set(started);
        }
    }
    am.updated_at = Set(now);
    let task = am.update(&txn).await?;
    let performer_ids = match performers {
        Some(ids) => {
            replace_performers(&txn, ctx.workspace_id(), task.id, &ids).await?;
            ids
        }
        None => before.performer_ids.clone(),
    };
    if let Some(props) = props {
        custom_properties::apply(&txn, ctx.workspace_id(), task.id, props).await?;
    }
    let snap = TaskSnapshot {
        task: task.clone(),
        performer_ids,
    };
    let kind = match (was, now_status) {
        (TaskStatus::Undone, TaskStatus::Done) => EventKind::TaskCompleted { task: snap },
        (TaskStatus::Done, TaskStatus::Undone) => EventKind::TaskReopened { task: snap },
        _ => EventKind::TaskUpdated { task: snap },
    };
    let summary = serde_json::json!({
        "before": { "status": before.task.status, "content": before.task.content, "title": before.task.title },
        "after": { "status": task.status, "content": task.content, "title": task.title },
    });
    let event = record(&txn, ctx, kind, Some(summary)).await?;
    ctx.commit(txn, [event]).await?;
    Ok(task)
}

/// Mark a task done (now). Refused with `TASK_BLOCKED` while one of its blockers is
/// undone. Completing a done task changes nothing.
pub async fn complete_task(ctx: &Ctx, task_id: i64) -> Result<tasks::Model> {
    ctx.require(Scope::TasksUpdate)?;
    let current = changeable_task(&ctx.db, &ctx.principal, task_id).await?;
    if TaskStatus::of(&current.task) == TaskStatus::Done {
        return Ok(current.task);
    }
    let input = UpdateTaskInput {
        status: Some(TaskStatus::Done),
        ..Default::default()
    };
    update_task(ctx, task_id, input).await
}

/// Mark a done task undone again. Reopening an undone task changes nothing.
pub async fn reopen_task(ctx: &Ctx, task_id: i64) -> Result<tasks::Model> {
    ctx.require(Scope::TasksUpdate)?;
    let current = changeable_task(&ctx.db, &ctx.principal, task_id).await?;
    if TaskStatus::of(&current.task) == TaskStatus::Undone {
        return Ok(current.task);
    }
    let input = UpdateTaskInput {
        status: Some(TaskStatus::Undone),
        ..Default::default()
    };
    update_task(ctx, task_id, input).await
}

/// Delete a task (its creator, or an admin), with its performers, dependency edges and
/// custom property values.
pub async fn delete_task(ctx: &Ctx, task_id: i64) -> Result<tasks::Model> {
    ctx.require(Scope::TasksDelete)?;
    let txn = ctx.write().await?;
    let snap = visible_task(&txn, &ctx.principal, task_id).await?;
    if !(ctx.principal.is_admin() || snap.task.creator_id == ctx.user_id()) {
        return Err(Error::Forbidden(
            "only the task's creator and workspace admins can delete it".into(),
        ));
    }
    custom_properties::clear(&txn, ctx.workspace_id(), EntityType::Task, task_id).await?;
    // Explicit rather than left to the foreign keys' cascades.
    entities::task_dependencies::Entity::delete_many()
        .filter(
            Condition::any()
                .add(entities::task_dependencies::Column::TaskId.eq(task_id))
                .add(entities::task_dependencies::Column::BlockerId.eq(task_id)),
        )
        .exec(&txn)
        .await?;
    task_performers::Entity::delete_many()
        .filter(task_performers::Column::TaskId.eq(task_id))
        .exec(&txn)
        .await?;
    tasks::Entity::delete_by_id(task_id).exec(&txn).await?;
    let task = snap.task.clone();
    let event = record(&txn, ctx, EventKind::TaskDeleted { task: snap }, None).await?;
    ctx.commit(txn, [event]).await?;
    Ok(task)
}
