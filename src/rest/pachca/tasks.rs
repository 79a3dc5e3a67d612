//! Tasks: `GET|POST /tasks`, `GET|PUT|DELETE /tasks/{id}`.

use std::str::FromStr;

use axum::Router;
use axum::routing::get;
use resolvers::custom_properties::PropertyInput;
use resolvers::pagination::Key;
use resolvers::tasks::{CreateTaskInput, TaskFilter, TaskKind, TaskStatus, UpdateTaskInput};

use super::convert::parse_date_field;
use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, created, no_content, ok, ok_data};
use super::render;
use super::wire::{Data, PropertyValueInput, TaskCreateRequest, TaskUpdateRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (scopes `tasks:*`). Rate class:
/// standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list).post(create))
        .route("/tasks/{id}", get(show).put(update).delete(destroy))
}

fn kind(text: &str) -> Result<TaskKind, Failure> {
    TaskKind::from_str(text).map_err(|_| {
        Failure::unprocessable(
            "task.kind",
            "inclusion",
            "must be one of call, meeting, reminder, event, email",
        )
        .with_value(text)
    })
}

fn status(text: &str) -> Result<TaskStatus, Failure> {
    match text {
        "done" => Ok(TaskStatus::Done),
        "undone" => Ok(TaskStatus::Undone),
        other => Err(
            Failure::unprocessable("task.status", "inclusion", "must be done or undone")
                .with_value(other),
        ),
    }
}

fn properties(values: Vec<PropertyValueInput>) -> Vec<PropertyInput> {
    values
        .into_iter()
        .map(|v| PropertyInput {
            id: v.id,
            value: v.value,
        })
        .collect()
}

/// A resolver's field error, keyed under the request's `task` root.
fn in_task(err: resolvers::Error) -> Failure {
    let mut failure = Failure::from(err);
    if let Failure::Api { status, items, .. } = &mut failure
        && *status == axum::http::StatusCode::UNPROCESSABLE_ENTITY
    {
        for item in items {
            item.key = format!("task.{}", item.key);
        }
    }
    failure
}

/// `GET /tasks?limit=&cursor=` (limit ≤ 50) → list of Task, by id ascending; the SDK also
/// filters by `status`, `chat_ids[]`, `performer_ids[]` (any of) and `author_id`.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let status = match q.choice("status", &["done", "undone"], "")? {
        "done" => Some(TaskStatus::Done),
        "undone" => Some(TaskStatus::Undone),
        _ => None,
    };
    let filter = TaskFilter {
        status,
        chat_ids: q.ints("chat_ids")?,
        performer_ids: q.ints("performer_ids")?,
        creator_id: q.int("author_id")?,
        ..Default::default()
    };
    let slice = resolvers::tasks::list_tasks_window(&caller.ctx, filter, window).await?;
    let data = render::tasks(&caller.ctx, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, |t| Key::id(t.id), data)))
}

/// `POST /tasks` `{task: {kind*, content?, due_at?, priority?, performer_ids?, chat_id?,
/// all_day?, custom_properties?}}` → 201 `{data: Task}`.
async fn create(caller: Caller, Body(body): Body<TaskCreateRequest>) -> Reply {
    let t = body.task;
    let input = CreateTaskInput {
        kind: Some(kind(&t.kind)?),
        content: t.content,
        due_at: t
            .due_at
            .as_deref()
            .map(|d| parse_date_field("task.due_at", d))
            .transpose()?,
        all_day: t.all_day,
        priority: t.priority,
        performer_ids: t.performer_ids,
        chat_id: t.chat_id,
        custom_properties: properties(t.custom_properties.unwrap_or_default()),
        ..Default::default()
    };
    let task = resolvers::tasks::create_task(&caller.ctx, input)
        .await
        .map_err(in_task)?;
    Ok(created(Data {
        data: render::task(&caller.ctx, task).await?,
    }))
}

/// `GET /tasks/{id}` → 200 `{data: Task}`.
async fn show(caller: Caller, Id(id): Id) -> Reply {
    let task = resolvers::tasks::get_task(&caller.ctx, id).await?;
    Ok(ok_data(render::task(&caller.ctx, task).await?))
}

/// `PUT /tasks/{id}` `{task: {kind?, content?, due_at?, priority?, performer_ids?,
/// status?, all_day?, done_at?, custom_properties?}}` → 200 `{data: Task}`.
async fn update(caller: Caller, Id(id): Id, Body(body): Body<TaskUpdateRequest>) -> Reply {
    let t = body.task;
    let input = UpdateTaskInput {
        kind: t.kind.as_deref().map(kind).transpose()?,
        content: t.content,
        due_at: t
            .due_at
            .as_deref()
            .map(|d| parse_date_field("task.due_at", d).map(Some))
            .transpose()?,
        all_day: t.all_day,
        priority: t.priority,
        status: t.status.as_deref().map(status).transpose()?,
        done_at: t
            .done_at
            .as_deref()
            .map(|d| parse_date_field("task.done_at", d))
            .transpose()?,
        performer_ids: t.performer_ids,
        custom_properties: t.custom_properties.map(properties),
        ..Default::default()
    };
    let task = resolvers::tasks::update_task(&caller.ctx, id, input)
        .await
        .map_err(in_task)?;
    Ok(ok_data(render::task(&caller.ctx, task).await?))
}

/// `DELETE /tasks/{id}` → 204.
async fn destroy(caller: Caller, Id(id): Id) -> Reply {
    resolvers::tasks::delete_task(&caller.ctx, id).await?;
    Ok(no_content())
}
