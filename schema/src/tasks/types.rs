//! GraphQL types of tasks and custom properties: thin wrappers over `entities` rows whose
//! fields call `resolvers` through the task loaders.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{custom_properties, tasks};
use resolvers::custom_properties::{DataType, EntityType, PropertyInput, PropertyValue};
use resolvers::tasks::{TaskKind, TaskStatus};

use super::loaders::task_loaders;
use crate::context::loaders;
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::loaders::load_err;
use crate::types::{Chat, Message, User};

/// The kind of a task.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(name = "TaskKind")]
pub enum TaskKindGql {
    /// Call a contact.
    Call,
    /// A meeting.
    Meeting,
    /// A simple reminder.
    Reminder,
    /// An event.
    Event,
    /// Send an email.
    Email,
}

impl From<TaskKindGql> for TaskKind {
    fn from(k: TaskKindGql) -> Self {
        match k {
            TaskKindGql::Call => TaskKind::Call,
            TaskKindGql::Meeting => TaskKind::Meeting,
            TaskKindGql::Reminder => TaskKind::Reminder,
            TaskKindGql::Event => TaskKind::Event,
            TaskKindGql::Email => TaskKind::Email,
        }
    }
}

impl From<TaskKind> for TaskKindGql {
    fn from(k: TaskKind) -> Self {
        match k {
            TaskKind::Call => TaskKindGql::Call,
            TaskKind::Meeting => TaskKindGql::Meeting,
            TaskKind::Reminder => TaskKindGql::Reminder,
            TaskKind::Event => TaskKindGql::Event,
            TaskKind::Email => TaskKindGql::Email,
        }
    }
}

/// Whether a task is done.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(name = "TaskStatus")]
pub enum TaskStatusGql {
    /// Still to do.
    Undone,
    /// Done.
    Done,
}

impl From<TaskStatusGql> for TaskStatus {
    fn from(s: TaskStatusGql) -> Self {
        match s {
            TaskStatusGql::Undone => TaskStatus::Undone,
            TaskStatusGql::Done => TaskStatus::Done,
        }
    }
}

impl From<TaskStatus> for TaskStatusGql {
    fn from(s: TaskStatus) -> Self {
        match s {
            TaskStatus::Undone => TaskStatusGql::Undone,
            TaskStatus::Done => TaskStatusGql::Done,
        }
    }
}

/// What a custom property belongs to.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(name = "CustomPropertyEntityType")]
pub enum EntityTypeGql {
    /// Users.
    User,
    /// Tasks.
    Task,
}

impl From<EntityTypeGql> for EntityType {
    fn from(e: EntityTypeGql) -> Self {
        match e {
            EntityTypeGql::User => EntityType::User,
            EntityTypeGql::Task => EntityType::Task,
        }
    }
}

/// The type of a custom property's values.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(name = "CustomPropertyDataType")]
pub enum DataTypeGql {
    /// Any text.
    Text,
    /// A number.
    Number,
    /// A date (`YYYY-MM-DD`, or an RFC 3339 time).
    Date,
    /// An http(s) URL.
    Link,
}

impl From<DataTypeGql> for DataType {
    fn from(d: DataTypeGql) -> Self {
        match d {
            DataTypeGql::Text => DataType::Text,
            DataTypeGql::Number => DataType::Number,
            DataTypeGql::Date => DataType::Date,
            DataTypeGql::Link => DataType::Link,
        }
    }
}

/// A custom property definition.
pub struct CustomProperty(pub custom_properties::Model);

#[Object]
impl CustomProperty {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::CustomProperty, self.0.id)
    }
    /// The row id, as the REST dialects render it.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it belongs to.
    async fn entity_type(&self) -> Result<EntityTypeGql> {
        Ok(match self.0.entity_type.parse::<EntityType>().gql()? {
            EntityType::User => EntityTypeGql::User,
            EntityType::Task => EntityTypeGql::Task,
        })
    }
    /// Its values' type.
    async fn data_type(&self) -> Result<DataTypeGql> {
        Ok(match self.0.data_type.parse::<DataType>().gql()? {
            DataType::Text => DataTypeGql::Text,
            DataType::Number => DataTypeGql::Number,
            DataType::Date => DataTypeGql::Date,
            DataType::Link => DataTypeGql::Link,
        })
    }
    /// When it was deleted (deleted properties take no values and show none).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
}

/// A custom property set on a user or task.
pub struct CustomPropertyValue(pub PropertyValue);

#[Object]
impl CustomPropertyValue {
    /// The definition.
    async fn property(&self) -> CustomProperty {
        CustomProperty(self.0.property.clone())
    }
    /// The value, as text.
    async fn value(&self) -> &str {
        &self.0.value
    }
}

/// A value to set: a property id and its value (an empty value clears it).
#[derive(InputObject, serde::Serialize, Clone)]
pub struct CustomPropertyInput {
    /// The property.
    pub id: ID,
    /// The value, checked against the property's data type.
    pub value: String,
}

/// Decode custom property inputs.
pub fn property_inputs(values: Vec<CustomPropertyInput>) -> Result<Vec<PropertyInput>> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let field = format!("customProperties[{i}].id");
            Ok(PropertyInput {
                id: ids::decode(&v.id, Kind::CustomProperty, &field)?,
                value: v.value,
            })
        })
        .collect()
}

/// Input of `createCustomProperty`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateCustomPropertyInput {
    /// What it belongs to.
    pub entity_type: EntityTypeGql,
    /// 1 to 32 characters.
    pub name: String,
    /// Its values' type.
    pub data_type: DataTypeGql,
}

/// A task: a call, meeting, reminder, event or email to do.
pub struct Task(pub tasks::Model);

#[Object]
impl Task {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Task, self.0.id)
    }
    /// The row id, as the REST dialects render it (and as dependency errors name it).
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Kind.
    async fn kind(&self) -> Result<TaskKindGql> {
        Ok(self.0.kind.parse::<TaskKind>().gql()?.into())
    }
    /// Short title, if any.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    /// The task's text.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// When it is due.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }
    /// A whole-day task, without a time.
    async fn all_day(&self) -> bool {
        self.0.all_day
    }
    /// 1 (normal), 2 (important) or 3 (very important).
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// Done or not.
    async fn status(&self) -> TaskStatusGql {
        TaskStatus::of(&self.0).into()
    }
    /// An undone task someone has started.
    async fn in_progress(&self) -> bool {
        self.0.in_progress
    }
    /// When it was done.
    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.0.done_at
    }
    /// Who created it.
    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.creator_id)
            .await
            .map_err(load_err)?
            .map(User))
    }
    /// Who performs it.
    async fn performers(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let ids = task_loaders(ctx)?
            .performers
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        let users = loaders(ctx)?
            .users
            .load_many(ids.iter().copied())
            .await
            .map_err(load_err)?;
        Ok(ids
            .iter()
            .filter_map(|id| users.get(id).cloned().map(User))
            .collect())
    }
    /// The linked chat's global id.
    async fn chat_id(&self) -> Option<ID> {
        self.0.chat_id.map(|id| ids::encode(Kind::Chat, id))
    }
    /// The linked chat, when you can see it.
    async fn chat(&self, ctx: &Context<'_>) -> Result<Option<Chat>> {
        let Some(id) = self.0.chat_id else {
            return Ok(None);
        };
        Ok(task_loaders(ctx)?
            .chats
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(Chat))
    }
    /// The global id of the message it was created from.
    async fn message_id(&self) -> Option<ID> {
        self.0
            .source_message_id
            .map(|id| ids::encode(Kind::Message, id))
    }
    /// The message it was created from, when you can see it.
    async fn message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let Some(id) = self.0.source_message_id else {
            return Ok(None);
        };
        Ok(task_loaders(ctx)?
            .messages
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(Message))
    }
    /// The tasks that must be done first (those you can see).
    async fn blockers(&self, ctx: &Context<'_>) -> Result<Vec<Task>> {
        let l = task_loaders(ctx)?;
        let ids: Vec<i64> = l
            .blockers
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default()
            .into_iter()
            .map(|b| b.id)
            .collect();
        related(ctx, ids).await
    }
    /// The tasks waiting for this one (those you can see).
    async fn blocking(&self, ctx: &Context<'_>) -> Result<Vec<Task>> {
        let ids = task_loaders(ctx)?
            .blocking
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        related(ctx, ids).await
    }
    /// Whether one of its blockers is undone.
    async fn is_blocked(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(task_loaders(ctx)?
            .blockers
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default()
            .iter()
            .any(|b| !b.done))
    }
    /// Its custom properties (live definitions with a value), in definition order.
    async fn custom_properties(&self, ctx: &Context<'_>) -> Result<Vec<CustomPropertyValue>> {
        Ok(task_loaders(ctx)?
            .task_props
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default()
            .into_iter()
            .map(CustomPropertyValue)
            .collect())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

async fn related(ctx: &Context<'_>, ids: Vec<i64>) -> Result<Vec<Task>> {
    let found = task_loaders(ctx)?
        .tasks
        .load_many(ids.iter().copied())
        .await
        .map_err(load_err)?;
    Ok(ids
        .iter()
        .filter_map(|id| found.get(id).cloned().map(Task))
        .collect())
}

/// Filters of `tasks`; each one narrows the list.
#[derive(InputObject, Default)]
pub struct TaskFilter {
    /// Only tasks with this status.
    pub status: Option<TaskStatusGql>,
    /// Only undone tasks that are (or are not) in progress.
    pub in_progress: Option<bool>,
    /// Only tasks this user performs.
    pub performer_id: Option<ID>,
    /// Only tasks this user created.
    pub creator_id: Option<ID>,
    /// Only tasks linked to this chat.
    pub chat_id: Option<ID>,
    /// Only tasks of this priority (1–3).
    pub priority: Option<i32>,
    /// `true`: only tasks ready to work on (undone, with no undone blocker); `false`:
    /// only the others.
    pub ready: Option<bool>,
    /// Only tasks due at or after this time.
    pub due_from: Option<DateTime<Utc>>,
    /// Only tasks due before this time.
    pub due_to: Option<DateTime<Utc>>,
}

/// Input of `createTask`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateTaskInput {
    /// Kind (default `REMINDER`).
    pub kind: Option<TaskKindGql>,
    /// Short title, up to 500 characters.
    pub title: Option<String>,
    /// The text, up to 10,000 characters (default: the kind's name, when untitled).
    pub content: Option<String>,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
    /// A whole-day task (default false).
    pub all_day: Option<bool>,
    /// 1, 2 (important) or 3 (very important); default 1.
    pub priority: Option<i32>,
    /// Default `UNDONE`.
    pub status: Option<TaskStatusGql>,
    /// When it was done (with `status: DONE`; default now).
    pub done_at: Option<DateTime<Utc>>,
    /// Started (undone tasks only).
    pub in_progress: Option<bool>,
    /// Performers (default: you).
    pub performer_ids: Option<Vec<ID>>,
    /// A chat you are a member of.
    pub chat_id: Option<ID>,
    /// Task custom property values.
    #[graphql(default)]
    pub custom_properties: Vec<CustomPropertyInput>,
}

/// Input of `createTaskFromMessage`: like `CreateTaskInput`, linked to the message's chat.
#[derive(InputObject, serde::Serialize, Default)]
pub struct TaskFromMessageInput {
    /// Kind (default `REMINDER`).
    pub kind: Option<TaskKindGql>,
    /// Short title (default: the message's text, cut at 500 characters, unless
    /// `content` is given).
    pub title: Option<String>,
    /// The text.
    pub content: Option<String>,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
    /// A whole-day task.
    pub all_day: Option<bool>,
    /// 1–3; default 1.
    pub priority: Option<i32>,
    /// Performers (default: you).
    pub performer_ids: Option<Vec<ID>>,
    /// Task custom property values.
    #[graphql(default)]
    pub custom_properties: Vec<CustomPropertyInput>,
}

/// Input of `updateTask`: absent fields stay as they are; `null` clears `title`,
/// `dueAt` and `chatId`.
#[derive(InputObject)]
pub struct UpdateTaskInput {
    /// New kind.
    pub kind: Option<TaskKindGql>,
    /// New title (`null` removes it).
    pub title: MaybeUndefined<String>,
    /// New text.
    pub content: Option<String>,
    /// New due time (`null` removes it).
    pub due_at: MaybeUndefined<DateTime<Utc>>,
    /// Whole-day or not.
    pub all_day: Option<bool>,
    /// 1–3.
    pub priority: Option<i32>,
    /// `DONE` completes the task (refused with `TASK_BLOCKED` while a blocker is
    /// undone), `UNDONE` reopens it.
    pub status: Option<TaskStatusGql>,
    /// The completion time of a done task.
    pub done_at: Option<DateTime<Utc>>,
    /// Started or not (undone tasks only).
    pub in_progress: Option<bool>,
    /// Replace the performers (at least one).
    pub performer_ids: Option<Vec<ID>>,
    /// Link to another chat you are a member of (`null` unlinks).
    pub chat_id: MaybeUndefined<ID>,
    /// Set these custom properties (an empty value clears one); others are kept.
    pub custom_properties: Option<Vec<CustomPropertyInput>>,
}

/// A deleted task.
#[derive(SimpleObject)]
pub struct DeletedTask {
    /// Its global id.
    pub id: ID,
}

fn maybe<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn decode_opt(id: Option<ID>, kind: Kind, field: &str) -> Result<Option<i64>> {
    id.map(|id| ids::decode(&id, kind, field)).transpose()
}

impl TaskFilter {
    /// The domain filter.
    pub fn into_domain(self) -> Result<resolvers::tasks::TaskFilter> {
        Ok(resolvers::tasks::TaskFilter {
            status: self.status.map(Into::into),
            in_progress: self.in_progress,
            performer_id: decode_opt(self.performer_id, Kind::User, "filter.performerId")?,
            creator_id: decode_opt(self.creator_id, Kind::User, "filter.creatorId")?,
            chat_id: decode_opt(self.chat_id, Kind::Chat, "filter.chatId")?,
            priority: self.priority,
            ready: self.ready,
            due_from: self.due_from,
            due_to: self.due_to,
            ..Default::default()
        })
    }
}

impl CreateTaskInput {
    /// The domain input.
    pub fn into_domain(self) -> Result<resolvers::tasks::CreateTaskInput> {
        Ok(resolvers::tasks::CreateTaskInput {
            kind: self.kind.map(Into::into),
            title: self.title,
            content: self.content,
            due_at: self.due_at,
            all_day: self.all_day,
            priority: self.priority,
            status: self.status.map(Into::into),
            done_at: self.done_at,
            in_progress: self.in_progress,
            performer_ids: self
                .performer_ids
                .map(|ids| ids::decode_all(&ids, Kind::User, "performerIds"))
                .transpose()?,
            chat_id: decode_opt(self.chat_id, Kind::Chat, "chatId")?,
            custom_properties: property_inputs(self.custom_properties)?,
        })
    }
}

impl TaskFromMessageInput {
    /// The domain input.
    pub fn into_domain(self) -> Result<resolvers::tasks::CreateTaskInput> {
        Ok(resolvers::tasks::CreateTaskInput {
            kind: self.kind.map(Into::into),
            title: self.title,
            content: self.content,
            due_at: self.due_at,
            all_day: self.all_day,
            priority: self.priority,
            performer_ids: self
                .performer_ids
                .map(|ids| ids::decode_all(&ids, Kind::User, "performerIds"))
                .transpose()?,
            custom_properties: property_inputs(self.custom_properties)?,
            ..Default::default()
        })
    }
}

impl UpdateTaskInput {
    /// The domain input.
    pub fn into_domain(self) -> Result<resolvers::tasks::UpdateTaskInput> {
        let chat_id = match maybe(self.chat_id) {
            None => None,
            Some(None) => Some(None),
            Some(Some(id)) => Some(Some(ids::decode(&id, Kind::Chat, "chatId")?)),
        };
        Ok(resolvers::tasks::UpdateTaskInput {
            kind: self.kind.map(Into::into),
            title: maybe(self.title),
            content: self.content,
            due_at: maybe(self.due_at),
            all_day: self.all_day,
            priority: self.priority,
            status: self.status.map(Into::into),
            done_at: self.done_at,
            in_progress: self.in_progress,
            performer_ids: self
                .performer_ids
                .map(|ids| ids::decode_all(&ids, Kind::User, "performerIds"))
                .transpose()?,
            chat_id,
            custom_properties: self.custom_properties.map(property_inputs).transpose()?,
        })
    }
}
