//! The workspace directory as administrators manage it: adding, changing and removing
//! users, other users' statuses, and group tags with their members. A group tag linked
//! to chats keeps its members in those chats (see `crate::chats::tags`).

use std::collections::HashMap;

use chrono::Utc;
use entities::{departments, group_tag_members, group_tags, users};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use super::{Role, SetStatusInput, Status, active_status, find_user, validate_name};
use crate::auth::Scope;
use crate::error::OnConstraint;
use crate::events::{EventKind, record};
use crate::pagination::{Slice, Window};
use crate::{Ctx, Error, Result};

/// Profile fields of [`create_user`] and [`update_user`]; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserFields {
    /// Email, unique in the workspace (required on create).
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Handle.
    pub nickname: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Department, by name (created when new; empty clears it).
    pub department: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Workspace role (never `owner`).
    pub role: Option<Role>,
    /// Suspended users cannot sign in.
    pub suspended: Option<bool>,
    /// Group tags, by name (created when new); replaces the user's tags.
    pub tags: Option<Vec<String>>,
    /// Chats to add the user to (create only).
    pub chat_ids: Vec<i64>,
    /// Department, by id (create only; an unknown id is refused, never created).
    pub department_id: Option<i64>,
    /// Group tags, by id (create only; unknown ids are refused), besides `tags`.
    pub tag_ids: Vec<i64>,
}

fn ensure_admin(ctx: &Ctx) -> Result<()> {
    if ctx.principal.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden("only workspace admins can do this".into()))
    }
}

fn limited(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn valid_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(Error::invalid("email", "must not be empty"));
    }
    let ok = email.len() <= 255
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
        && !email.chars().any(char::is_whitespace);
    if !ok {
        return Err(Error::invalid("email", "must be an email address"));
    }
    Ok(email)
}

async fn department_named(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    name: &str,
) -> Result<Option<i64>> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let name = limited("department", name, 255)?;
    if let Some(dep) = departments::Entity::find()
        .filter(departments::Column::WorkspaceId.eq(workspace_id))
        .filter(departments::Column::Name.eq(name.clone()))
        .one(txn)
        .await?
    {
        return Ok(Some(dep.id));
    }
    let dep = departments::ActiveModel {
        workspace_id: Set(workspace_id),
        name: Set(name),
        parent_id: Set(None),
        manager_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(Some(dep.id))
}

/// Tags by name, created when missing.
async fn tags_named(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    names: &[String],
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for name in names {
        let name = validate_name(name, "list_tags")?;
        let existing = group_tags::Entity::find()
            .filter(group_tags::Column::WorkspaceId.eq(workspace_id))
            .filter(group_tags::Column::Name.eq(name.clone()))
            .one(txn)
            .await?;
        let id = match existing {
            Some(tag) => tag.id,
            None => {
                group_tags::ActiveModel {
                    workspace_id: Set(workspace_id),
                    name: Set(name),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(txn)
                .await?
                .id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Replace a user's tags; the user joins the chats linked to tags gained.
async fn set_user_tags(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    user_id: i64,
    tag_ids: &[i64],
) -> Result<Vec<crate::events::Event>> {
    group_tag_members::Entity::delete_many()
        .filter(group_tag_members::Column::UserId.eq(user_id))
        .filter(group_tag_members::Column::TagId.is_not_in(tag_ids.to_vec()))
        .exec(txn)
        .await?;
    let now = Utc::now();
    for tag in tag_ids {
        group_tag_members::Entity::insert(group_tag_members::ActiveModel {
            tag_id: Set(*tag),
            user_id: Set(user_id),
            workspace_id: Set(ctx.workspace_id()),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                group_tag_members::Column::TagId,
                group_tag_members::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    crate::chats::sync_tag_members(txn, ctx, tag_ids, &[user_id]).await
}

/// Add a user to the workspace (admins; scope `users:create`).
pub async fn create_user(ctx: &Ctx, input: UserFields) -> Result<users::Model> {
    ctx.require(Scope::UsersCreate)?;
    ensure_admin(ctx)?;
    let email = valid_email(input.email.as_deref().unwrap_or_default())?;
    let role = input.role.unwrap_or(Role::Member);
    if role == Role::Owner {
        return Err(Error::invalid("role", "a workspace has one owner"));
    }
    let nickname = match input.nickname.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => limited("nickname", n, 255)?,
        _ => email.split('@').next().unwrap_or_default().to_owned(),
    };
    if let Some(dep) = input.department_id {
        super::get_department(ctx, dep)
            .await
            .map_err(|_| Error::invalid("departmentId", "no such department"))?;
    }
    let tag_ids = crate::sql::distinct(&input.tag_ids);
    if !tag_ids.is_empty() {
        let found = group_tags::Entity::find()
            .filter(group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
            .filter(group_tags::Column::Id.is_in(tag_ids.clone()))
            .all(&ctx.db)
            .await?;
        if let Some(missing) = tag_ids
            .iter()
            .find(|id| !found.iter().any(|t| t.id == **id))
        {
            return Err(Error::invalid(
                "tagIds",
                format!("no such group tag: {missing}"),
            ));
        }
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    let department_id = match (&input.department, input.department_id) {
        (_, Some(id)) => Some(id),
        (Some(name), None) => department_named(&txn, ctx.workspace_id(), name).await?,
        (None, None) => None,
    };
    let user = users::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        email: Set(Some(email)),
        first_name: Set(limited(
            "first_name",
            input.first_name.as_deref().unwrap_or(""),
            255,
        )?),
        last_name: Set(limited(
            "last_name",
            input.last_name.as_deref().unwrap_or(""),
            255,
        )?),
        nickname: Set(nickname),
        is_bot: Set(false),
        role: Set(role.as_str().to_owned()),
        title: Set(limited("title", input.title.as_deref().unwrap_or(""), 255)?),
        department_id: Set(department_id),
        suspended: Set(input.suspended.unwrap_or(false)),
        phone: Set(limited(
            "phone_number",
            input.phone.as_deref().unwrap_or(""),
            255,
        )?),
        avatar_url: Set(None),
        time_zone: Set("UTC".to_owned()),
        status_emoji: Set(None),
        status_title: Set(None),
        status_expires_at: Set(None),
        status_is_away: Set(false),
        status_away_message: Set(None),
        last_activity_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_unique("email", "a user with this email already exists")?;
    let mut events =
        vec![record(&txn, ctx, EventKind::UserCreated { user_id: user.id }, None).await?];
    if input.tags.is_some() || !tag_ids.is_empty() {
        let mut all = match &input.tags {
            Some(names) => tags_named(&txn, ctx.workspace_id(), names).await?,
            None => Vec::new(),
        };
        all.extend(tag_ids);
        let all = crate::sql::distinct(&all);
        events.extend(set_user_tags(&txn, ctx, user.id, &all).await?);
    }
    ctx.commit(txn, events).await?;
    for chat_id in crate::sql::distinct(&input.chat_ids) {
        crate::chats::add_chat_members(ctx, chat_id, &[user.id], crate::chats::ChatRole::Member)
            .await?;
    }
    Ok(user)
}

/// Change a user's profile, role, tags or suspension (admins; scope `users:update`).
pub async fn update_user(ctx: &Ctx, user_id: i64, input: UserFields) -> Result<users::Model> {
    ctx.require(Scope::UsersUpdate)?;
    ensure_admin(ctx)?;
    let user = find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let current = super::role_of(&user)?;
    if let Some(role) = input.role {
        if role == Role::Owner {
            return Err(Error::invalid("role", "a workspace has one owner"));
        }
        if current == Role::Owner && role != Role::Owner {
            return Err(Error::Forbidden("the owner's role cannot change".into()));
        }
    }
    if input.suspended == Some(true) && (current == Role::Owner || user.id == ctx.user_id()) {
        return Err(Error::Forbidden(
            "the owner and oneself cannot be suspended".into(),
        ));
    }
    let before = serde_json::json!({ "role": user.role, "suspended": user.suspended });
    let txn = ctx.write().await?;
    let mut am: users::ActiveModel = user.into();
    if let Some(email) = &input.email {
        am.email = Set(Some(valid_email(email)?));
    }
    if let Some(v) = &input.first_name {
        am.first_name = Set(limited("first_name", v, 255)?);
    }
    if let Some(v) = &input.last_name {
        am.last_name = Set(limited("last_name", v, 255)?);
    }
    if let Some(v) = &input.nickname {
        am.nickname = Set(limited("nickname", v, 255)?);
    }
    if let Some(v) = &input.phone {
        am.phone = Set(limited("phone_number", v, 255)?);
    }
    if let Some(v) = &input.title {
        am.title = Set(limited("title", v, 255)?);
    }
    if let Some(name) = &input.department {
        am.department_id = Set(department_named(&txn, ctx.workspace_id(), name).await?);
    }
    if let Some(role) = input.role
        && current != Role::Owner
    {
        am.role = Set(role.as_str().to_owned());
    }
    if let Some(s) = input.suspended {
        am.suspended = Set(s);
    }
    am.updated_at = Set(Utc::now());
    let user = am
        .update(&txn)
        .await
        .on_unique("email", "a user with this email already exists")?;
    let summary = serde_json::json!({
        "before": before,
        "after": { "role": user.role, "suspended": user.suspended },
    });
    let mut events = vec![
        record(
            &txn,
            ctx,
            EventKind::UserUpdated { user_id: user.id },
            Some(summary),
        )
        .await?,
    ];
    if let Some(names) = &input.tags {
        let tag_ids = tags_named(&txn, ctx.workspace_id(), names).await?;
        events.extend(set_user_tags(&txn, ctx, user.id, &tag_ids).await?);
    }
    ctx.commit(txn, events).await?;
    Ok(user)
}

/// Remove a user from the workspace (admins; scope `users:delete`). The row stays, so
/// their messages keep an author; they can no longer sign in, and leave every chat and
/// tag. The owner and oneself cannot be removed.
pub async fn delete_user(ctx: &Ctx, user_id: i64) -> Result<()> {
    ctx.require(Scope::UsersDelete)?;
    ensure_admin(ctx)?;
    let user = find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if super::role_of(&user)? == Role::Owner || user.id == ctx.user_id() {
        return Err(Error::Forbidden(
            "the owner and oneself cannot be removed".into(),
        ));
    }
    let txn = ctx.write().await?;
    group_tag_members::Entity::delete_many()
        .filter(group_tag_members::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    entities::chat_members::Entity::delete_many()
        .filter(entities::chat_members::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    let mut am: users::ActiveModel = user.into();
    am.suspended = Set(true);
    am.deleted_at = Set(Some(Utc::now()));
    am.email = Set(None);
    am.updated_at = Set(Utc::now());
    let user = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::UserDeleted { user_id: user.id })
        .await?;
    Ok(())
}

/// Another user's status (scope `user_status:read`).
pub async fn get_user_status(ctx: &Ctx, user_id: i64) -> Result<Option<Status>> {
    ctx.require(Scope::UserStatusRead)?;
    let user = find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(active_status(&user, Utc::now()))
}

/// Set another user's status (admins; scope `user_status:write`).
pub async fn set_user_status(
    ctx: &Ctx,
    user_id: i64,
    input: SetStatusInput,
) -> Result<users::Model> {
    ctx.require(Scope::UserStatusWrite)?;
    ensure_admin(ctx)?;
    let user = find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    super::write_status(ctx, user, Some(input)).await
}

/// Clear another user's status (admins; scope `user_status:write`).
pub async fn clear_user_status(ctx: &Ctx, user_id: i64) -> Result<users::Model> {
    ctx.require(Scope::UserStatusWrite)?;
    ensure_admin(ctx)?;
    let user = find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    super::write_status(ctx, user, None).await
}

/// Users of the workspace by id (removed users excluded), optionally matching `query`
/// in name, nickname or email.
pub async fn list_users_window(
    ctx: &Ctx,
    query: Option<&str>,
    window: Window,
) -> Result<Slice<users::Model>> {
    ctx.require(Scope::UsersRead)?;
    let mut q = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null());
    if let Some(text) = query.map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(super::matches_text(text));
    }
    let q = window.apply(q, users::Column::Id, users::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

// ---- group tags ------------------------------------------------------------------------

async fn find_tag<C: ConnectionTrait>(db: &C, ctx: &Ctx, tag_id: i64) -> Result<group_tags::Model> {
    group_tags::Entity::find_by_id(tag_id)
        .filter(group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("group tag"))
}

/// Group tags by id, optionally only those named in `names`.
pub async fn list_group_tags_window(
    ctx: &Ctx,
    names: &[String],
    window: Window,
) -> Result<Slice<group_tags::Model>> {
    ctx.require(Scope::GroupTagsRead)?;
    let mut q =
        group_tags::Entity::find().filter(group_tags::Column::WorkspaceId.eq(ctx.workspace_id()));
    if !names.is_empty() {
        q = q.filter(group_tags::Column::Name.is_in(names.to_vec()));
    }
    let q = window.apply(q, group_tags::Column::Id, group_tags::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// One group tag.
pub async fn get_group_tag(ctx: &Ctx, tag_id: i64) -> Result<group_tags::Model> {
    ctx.require(Scope::GroupTagsRead)?;
    find_tag(&ctx.db, ctx, tag_id).await
}

/// Rename a group tag (admins).
pub async fn rename_group_tag(ctx: &Ctx, tag_id: i64, name: &str) -> Result<group_tags::Model> {
    ctx.require(Scope::GroupTagsWrite)?;
    ensure_admin(ctx)?;
    let name = validate_name(name, "name")?;
    let tag = find_tag(&ctx.db, ctx, tag_id).await?;
    let txn = ctx.write().await?;
    let mut am: group_tags::ActiveModel = tag.into();
    am.name = Set(name);
    let tag = am
        .update(&txn)
        .await
        .on_unique("name", "a group tag with this name already exists")?;
    let change = EventKind::GroupTagUpdated {
        tag_id: tag.id,
        removed_user_ids: Vec::new(),
    };
    ctx.commit_one(txn, change).await?;
    Ok(tag)
}

/// Delete a group tag (admins). Its members stay in the chats it was linked to.
pub async fn delete_group_tag(ctx: &Ctx, tag_id: i64) -> Result<()> {
    ctx.require(Scope::GroupTagsWrite)?;
    ensure_admin(ctx)?;
    let tag = find_tag(&ctx.db, ctx, tag_id).await?;
    let txn = ctx.write().await?;
    group_tags::Entity::delete_by_id(tag.id).exec(&txn).await?;
    ctx.commit_one(txn, EventKind::GroupTagDeleted { tag_id: tag.id })
        .await?;
    Ok(())
}

/// The users of a group tag, by id.
pub async fn group_tag_users(
    ctx: &Ctx,
    tag_id: i64,
    window: Window,
) -> Result<Slice<users::Model>> {
    ctx.require(Scope::GroupTagsRead)?;
    let tag = find_tag(&ctx.db, ctx, tag_id).await?;
    let members = sea_orm::sea_query::Query::select()
        .column(group_tag_members::Column::UserId)
        .from(group_tag_members::Entity)
        .and_where(group_tag_members::Column::TagId.eq(tag.id))
        .to_owned();
    let q = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null())
        .filter(users::Column::Id.in_subquery(members));
    let q = window.apply(q, users::Column::Id, users::Column::Id, false);
    Ok(window.finish(q.all(&ctx.db).await?))
}

/// Members per group tag (a batch).
pub async fn group_tag_user_counts<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    tag_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = group_tag_members::Entity::find()
        .select_only()
        .column(group_tag_members::Column::TagId)
        .column_as(group_tag_members::Column::UserId.count(), "n")
        .filter(group_tag_members::Column::WorkspaceId.eq(workspace_id))
        .filter(group_tag_members::Column::TagId.is_in(crate::sql::distinct(tag_ids)))
        .group_by(group_tag_members::Column::TagId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How many users (removed ones excluded) match `query` (scope `users:read`).
pub async fn count_users_matching(ctx: &Ctx, query: &str) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    ctx.require(Scope::UsersRead)?;
    Ok(users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null())
        .filter(super::matches_text(query.trim()))
        .count(&ctx.db)
        .await?)
}
