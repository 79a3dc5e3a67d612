//! The workspace's people and departments as a whole-workspace integration reads them
//! (the Messaging API v1's member and department lists): numbered pages with a total,
//! presence, and per-department counts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{chats, departments, users};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::auth::Scope;
use crate::sql::{distinct, id_values, placeholders, stmt};
use crate::{Ctx, Error, Result};

/// How recent a person's last activity must be for them to count as online.
pub const ONLINE_WITHIN_SECONDS: i64 = 300;

/// A person's presence at `now`: `away` when their status says so, `online` when they
/// were active in the last [`ONLINE_WITHIN_SECONDS`], else `offline`.
pub fn presence(user: &users::Model, now: DateTime<Utc>) -> &'static str {
    if super::active_status(user, now).is_some_and(|s| s.is_away) {
        "away"
    } else if user
        .last_activity_at
        .is_some_and(|at| now.signed_duration_since(at).num_seconds() <= ONLINE_WITHIN_SECONDS)
    {
        "online"
    } else {
        "offline"
    }
}

/// One numbered page of people.
#[derive(Clone, Debug)]
pub struct PeoplePage {
    /// The people on the page, by id.
    pub users: Vec<users::Model>,
    /// People matching in all.
    pub total: u64,
}

/// The workspace's people (bots and removed users excluded), by id, `limit` per page
/// from 1-based `page`, optionally only those of department `department_id` (which
/// must exist: "department not found" otherwise).
pub async fn list_people_page(
    ctx: &Ctx,
    department_id: Option<i64>,
    page: u64,
    limit: u64,
) -> Result<PeoplePage> {
    ctx.require(Scope::UsersRead)?;
    if let Some(dep) = department_id {
        super::get_department(ctx, dep).await?;
    }
    let mut q = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null())
        .filter(users::Column::IsBot.eq(false));
    if let Some(dep) = department_id {
        q = q.filter(users::Column::DepartmentId.eq(dep));
    }
    let paginator = q
        .order_by_asc(users::Column::Id)
        .paginate(&ctx.db, limit.max(1));
    let total = paginator.num_items().await?;
    let users = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok(PeoplePage { users, total })
}

/// What a department holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DepartmentCounts {
    /// People in it (bots and removed users excluded).
    pub members: i64,
    /// Chats that belong to it.
    pub channels: i64,
    /// Departments directly below it.
    pub children: i64,
}

async fn count_by<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let sql = sql.replace("{ids}", &placeholders(ids.len()));
    let mut values = vec![workspace_id.into()];
    values.extend(id_values(ids));
    let rows = db
        .query_all_raw(stmt(db.get_database_backend(), &sql, values))
        .await?;
    let mut out = HashMap::new();
    for row in rows {
        out.insert(row.try_get::<i64>("", "k")?, row.try_get::<i64>("", "n")?);
    }
    Ok(out)
}

/// Counts per department (three statements for any number of departments).
pub async fn department_counts<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    department_ids: &[i64],
) -> Result<HashMap<i64, DepartmentCounts>> {
    let ids = distinct(department_ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let members = count_by(
        db,
        "SELECT department_id AS k, COUNT(*) AS n FROM users WHERE workspace_id = ? \
         AND department_id IN ({ids}) AND deleted_at IS NULL AND is_bot = FALSE GROUP BY department_id",
        workspace_id,
        &ids,
    )
    .await?;
    let channels = count_by(
        db,
        "SELECT department_id AS k, COUNT(*) AS n FROM chats WHERE workspace_id = ? \
         AND department_id IN ({ids}) GROUP BY department_id",
        workspace_id,
        &ids,
    )
    .await?;
    let children = count_by(
        db,
        "SELECT parent_id AS k, COUNT(*) AS n FROM departments WHERE workspace_id = ? \
         AND parent_id IN ({ids}) GROUP BY parent_id",
        workspace_id,
        &ids,
    )
    .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let get = |m: &HashMap<i64, i64>| m.get(id).copied().unwrap_or(0);
            (
                *id,
                DepartmentCounts {
                    members: get(&members),
                    channels: get(&channels),
                    children: get(&children),
                },
            )
        })
        .collect())
}

/// Departments of the workspace by id (a batch; unknown ids are absent).
pub async fn departments_of<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, departments::Model>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(departments::Entity::find()
        .filter(departments::Column::WorkspaceId.eq(workspace_id))
        .filter(departments::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}

/// Every channel and group conversation the caller sees, oldest first (archived ones
/// excluded). A workspace-level token sees all of them, private ones included.
pub async fn list_channels(ctx: &Ctx) -> Result<Vec<chats::Model>> {
    ctx.require(Scope::ChatsRead)?;
    let mut q = chats::Entity::find()
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(chats::Column::Kind.is_in(["channel", "group"]))
        .filter(chats::Column::ArchivedAt.is_null());
    if !ctx.principal.is_workspace_level() {
        q = q.filter(chats::Column::Id.in_subquery(crate::chats::visible_chat_ids(&ctx.principal)));
    }
    Ok(q.order_by_asc(chats::Column::Id).all(&ctx.db).await?)
}

/// Live messages per chat (one statement).
pub async fn message_counts<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let ids = distinct(chat_ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    count_by(
        db,
        "SELECT chat_id AS k, COUNT(*) AS n FROM messages WHERE workspace_id = ? \
         AND chat_id IN ({ids}) AND deleted_at IS NULL GROUP BY chat_id",
        workspace_id,
        &ids,
    )
    .await
}

/// A person of the workspace by id, or "user not found" (also for a bot or a removed
/// user, and for another workspace's).
pub async fn get_person(ctx: &Ctx, user_id: i64) -> Result<users::Model> {
    ctx.require(Scope::UsersRead)?;
    users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null())
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// The one channel or group the caller sees named exactly `name` (archived ones
/// excluded): "chat not found" when none, a bad `field` when several share the name.
pub async fn channel_named(ctx: &Ctx, name: &str, field: &str) -> Result<chats::Model> {
    let mut matching: Vec<chats::Model> = list_channels(ctx)
        .await?
        .into_iter()
        .filter(|c| c.name == name)
        .collect();
    match matching.len() {
        0 => Err(Error::NotFound("chat")),
        1 => Ok(matching.remove(0)),
        _ => Err(Error::invalid(
            field,
            format!("several channels are named `{name}`; give its id"),
        )),
    }
}
