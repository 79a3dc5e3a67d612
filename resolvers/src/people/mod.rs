//! Workspaces, users (people and bots), their status, departments and group tags.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use entities::{departments, group_tag_members, group_tags, users, workspaces};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;
use crate::error::OnConstraint;
use crate::events::EventKind;
use crate::pagination::{Page, PageArgs};
use crate::{Ctx, Error, Result};

mod directory;
mod roster;
pub use directory::{
    UserFields, clear_user_status, count_users_matching, create_user, delete_group_tag,
    delete_user, get_group_tag, get_user_status, group_tag_user_counts, group_tag_users,
    list_group_tags_window, list_users_window, rename_group_tag, set_user_status, update_user,
};
pub use roster::{
    DepartmentCounts, ONLINE_WITHIN_SECONDS, PeoplePage, channel_named, department_counts,
    departments_of, get_person, list_channels, list_people_page, message_counts, presence,
};

/// A user's role in their workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the workspace; everything an admin can do, plus exports and audit.
    Owner,
    /// Manages users, tags and departments.
    Admin,
    /// A regular member.
    Member,
    /// Sees only the chats they were added to; cannot create chats.
    Guest,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }

    /// The key used by the scope table.
    pub(crate) fn scope_key(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            "guest" => Ok(Role::Guest),
            other => Err(Error::invalid("role", format!("unknown role `{other}`"))),
        }
    }
}

/// A user's role as stored, tolerating nothing but the four spellings.
pub fn role_of(user: &users::Model) -> Result<Role> {
    user.role.parse().map_err(|_| {
        Error::internal(std::io::Error::other(format!(
            "bad stored role on user {}",
            user.id
        )))
    })
}

/// The display name of a user: "First Last", else the nickname, else the email.
pub fn display_name(user: &users::Model) -> String {
    let full = format!("{} {}", user.first_name.trim(), user.last_name.trim());
    let full = full.trim();
    if !full.is_empty() {
        full.to_owned()
    } else if !user.nickname.is_empty() {
        user.nickname.clone()
    } else {
        user.email.clone().unwrap_or_default()
    }
}

/// The user's status if one is set and not expired at `now`.
pub fn active_status(user: &users::Model, now: DateTime<Utc>) -> Option<Status> {
    let expired = user.status_expires_at.is_some_and(|at| at <= now);
    let set = user.status_emoji.is_some() || user.status_title.is_some() || user.status_is_away;
    (set && !expired).then(|| Status {
        emoji: user.status_emoji.clone().unwrap_or_default(),
        title: user.status_title.clone().unwrap_or_default(),
        expires_at: user.status_expires_at,
        is_away: user.status_is_away,
        away_message: user.status_away_message.clone(),
    })
}

/// A user status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// One emoji.
    pub emoji: String,
    /// Short text.
    pub title: String,
    /// When the status clears itself.
    pub expires_at: Option<DateTime<Utc>>,
    /// "Away" mode.
    pub is_away: bool,
    /// Auto-reply text while away.
    pub away_message: Option<String>,
}

/// The caller's workspace.
pub async fn get_workspace(ctx: &Ctx) -> Result<workspaces::Model> {
    workspaces::Entity::find_by_id(ctx.workspace_id())
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("workspace"))
}

/// The caller's own user row.
pub async fn get_me(ctx: &Ctx) -> Result<users::Model> {
    find_user(&ctx.db, ctx.workspace_id(), ctx.user_id())
        .await?
        .ok_or(Error::Unauthenticated)
}

pub(crate) async fn find_user<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    user_id: i64,
) -> Result<Option<users::Model>> {
    Ok(users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// One user of the caller's workspace.
pub async fn get_user(ctx: &Ctx, user_id: i64) -> Result<users::Model> {
    ctx.require(Scope::UsersRead)?;
    find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// Filters for [`list_users`].
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Only users whose name, nickname or email contains this text (case-insensitive).
    pub query: Option<String>,
    /// Only users of this department.
    pub department_id: Option<i64>,
    /// Include suspended users (default: no).
    pub include_suspended: bool,
}

/// Users of the caller's workspace, by id ascending.
pub async fn list_users(
    ctx: &Ctx,
    filter: UserFilter,
    page: PageArgs,
) -> Result<Page<users::Model>> {
    ctx.require(Scope::UsersRead)?;
    let mut q = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::DeletedAt.is_null());
    if let Some(after) = page.after {
        q = q.filter(users::Column::Id.gt(after));
    }
    if !filter.include_suspended {
        q = q.filter(users::Column::Suspended.eq(false));
    }
    if let Some(dep) = filter.department_id {
        q = q.filter(users::Column::DepartmentId.eq(dep));
    }
    if let Some(text) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q = q.filter(matches_text(text));
    }
    let rows = q
        .order_by_asc(users::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

/// Input of [`set_status`].
#[derive(Clone, Debug, Default)]
pub struct SetStatusInput {
    /// One emoji (required unless clearing).
    pub emoji: String,
    /// Short text, up to 50 characters.
    pub title: String,
    /// When the status clears itself; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// "Away" mode.
    pub is_away: bool,
    /// Auto-reply text while away, up to 1,024 characters.
    pub away_message: Option<String>,
}

/// Set the caller's own status.
pub async fn set_status(ctx: &Ctx, input: SetStatusInput) -> Result<users::Model> {
    ctx.require(Scope::ProfileStatusWrite)?;
    let me = get_me(ctx).await?;
    write_status(ctx, me, Some(input)).await
}

/// Write `user`'s status (`None` clears it), validated as [`set_status`] does; callers
/// check who may.
pub(crate) async fn write_status(
    ctx: &Ctx,
    user: users::Model,
    input: Option<SetStatusInput>,
) -> Result<users::Model> {
    let mut am: users::ActiveModel = user.into();
    match input {
        Some(input) => {
            let emoji = input.emoji.trim();
            if emoji.is_empty() {
                return Err(Error::invalid("emoji", "must not be empty"));
            }
            if emoji.chars().count() > 16 {
                return Err(Error::invalid(
                    "emoji",
                    "must be one emoji (at most 16 characters)",
                ));
            }
            if input.title.chars().count() > 50 {
                return Err(Error::invalid("title", "must be at most 50 characters"));
            }
            if input
                .away_message
                .as_ref()
                .is_some_and(|m| m.chars().count() > 1024)
            {
                return Err(Error::invalid(
                    "awayMessage",
                    "must be at most 1024 characters",
                ));
            }
            if input.expires_at.is_some_and(|at| at <= Utc::now()) {
                return Err(Error::invalid("expiresAt", "must be in the future"));
            }
            am.status_emoji = Set(Some(emoji.to_owned()));
            am.status_title = Set(Some(input.title.trim().to_owned()));
            am.status_expires_at = Set(input.expires_at);
            am.status_is_away = Set(input.is_away);
            am.status_away_message = Set(input.away_message);
        }
        None => {
            am.status_emoji = Set(None);
            am.status_title = Set(None);
            am.status_expires_at = Set(None);
            am.status_is_away = Set(false);
            am.status_away_message = Set(None);
        }
    }
    am.updated_at = Set(Utc::now());
    save_user(ctx, am).await
}

/// Users whose first or last name, nickname or email contains `text` (case-insensitive).
pub(crate) fn matches_text(text: &str) -> sea_orm::Condition {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let like = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
    let lower =
        |c: users::Column, pat: String| ExprTrait::like(Expr::expr(Func::lower(Expr::col(c))), pat);
    sea_orm::Condition::any()
        .add(lower(users::Column::FirstName, like.clone()))
        .add(lower(users::Column::LastName, like.clone()))
        .add(lower(users::Column::Nickname, like.clone()))
        .add(lower(users::Column::Email, like))
}

/// Clear the caller's own status.
pub async fn clear_status(ctx: &Ctx) -> Result<users::Model> {
    ctx.require(Scope::ProfileStatusWrite)?;
    let me = get_me(ctx).await?;
    let mut am: users::ActiveModel = me.into();
    am.status_emoji = Set(None);
    am.status_title = Set(None);
    am.status_expires_at = Set(None);
    am.status_is_away = Set(false);
    am.status_away_message = Set(None);
    am.updated_at = Set(Utc::now());
    save_user(ctx, am).await
}

/// Record activity of a user, at most once a minute (avoids a write per request).
pub async fn touch_activity(db: &DatabaseConnection, user: &users::Model) -> Result<()> {
    let now = Utc::now();
    if user
        .last_activity_at
        .is_some_and(|at| now.signed_duration_since(at).num_seconds() < 60)
    {
        return Ok(());
    }
    users::Entity::update_many()
        .col_expr(
            users::Column::LastActivityAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(users::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Users by id within one workspace (a batch: one statement).
pub async fn users_by_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, users::Model>> {
    let ids = crate::sql::distinct(ids);
    let rows = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|u| (u.id, u)).collect())
}

/// The departments of the caller's workspace, by name.
pub async fn list_departments(ctx: &Ctx) -> Result<Vec<departments::Model>> {
    ctx.require(Scope::UsersRead)?;
    Ok(departments::Entity::find()
        .filter(departments::Column::WorkspaceId.eq(ctx.workspace_id()))
        .order_by_asc(departments::Column::Name)
        .all(&ctx.db)
        .await?)
}

/// One department of the caller's workspace.
pub async fn get_department(ctx: &Ctx, id: i64) -> Result<departments::Model> {
    departments::Entity::find_by_id(id)
        .filter(departments::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("department"))
}

/// Input of [`create_department`].
#[derive(Clone, Debug, Default)]
pub struct CreateDepartmentInput {
    /// Name, 1–255 characters.
    pub name: String,
    /// Parent department, same workspace.
    pub parent_id: Option<i64>,
    /// Manager, a user of the same workspace.
    pub manager_id: Option<i64>,
    /// Free text, up to 4,000 characters.
    pub description: Option<String>,
}

/// Create a department (admins).
pub async fn create_department(
    ctx: &Ctx,
    input: CreateDepartmentInput,
) -> Result<departments::Model> {
    ctx.require(Scope::DepartmentsWrite)?;
    let name = validate_name(&input.name, "name")?;
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 4_000)
    {
        return Err(Error::invalid(
            "description",
            "must be at most 4000 characters",
        ));
    }
    if let Some(parent) = input.parent_id {
        get_department(ctx, parent)
            .await
            .map_err(|_| Error::invalid("parentId", "no such department"))?;
    }
    if let Some(manager) = input.manager_id {
        find_user(&ctx.db, ctx.workspace_id(), manager)
            .await?
            .ok_or_else(|| Error::invalid("managerId", "no such user"))?;
    }
    let txn = ctx.write().await?;
    let row = departments::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        name: Set(name),
        parent_id: Set(input.parent_id),
        manager_id: Set(input.manager_id),
        description: Set(description),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(
        txn,
        EventKind::DepartmentChanged {
            department_id: row.id,
        },
    )
    .await?;
    Ok(row)
}

/// Put a user in a department (or none) and set their title (admins).
pub async fn set_user_department(
    ctx: &Ctx,
    user_id: i64,
    department_id: Option<i64>,
    title: Option<String>,
) -> Result<users::Model> {
    ctx.require(Scope::UsersUpdate)?;
    let user = get_user(ctx, user_id).await?;
    if let Some(dep) = department_id {
        get_department(ctx, dep)
            .await
            .map_err(|_| Error::invalid("departmentId", "no such department"))?;
    }
    let mut am: users::ActiveModel = user.into();
    am.department_id = Set(department_id);
    if let Some(title) = title {
        if title.chars().count() > 255 {
            return Err(Error::invalid("title", "must be at most 255 characters"));
        }
        am.title = Set(title);
    }
    am.updated_at = Set(Utc::now());
    save_user(ctx, am).await
}

/// Save a user row and record that it changed.
async fn save_user(ctx: &Ctx, am: users::ActiveModel) -> Result<users::Model> {
    let txn = ctx.write().await?;
    let user = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::UserUpdated { user_id: user.id })
        .await?;
    Ok(user)
}

/// The group tags of the caller's workspace, by name.
pub async fn list_group_tags(ctx: &Ctx) -> Result<Vec<group_tags::Model>> {
    ctx.require(Scope::GroupTagsRead)?;
    Ok(group_tags::Entity::find()
        .filter(group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
        .order_by_asc(group_tags::Column::Name)
        .all(&ctx.db)
        .await?)
}

/// Create a group tag (admins). Names are unique per workspace.
pub async fn create_group_tag(ctx: &Ctx, name: &str) -> Result<group_tags::Model> {
    ctx.require(Scope::GroupTagsWrite)?;
    let name = validate_name(name, "name")?;
    let txn = ctx.write().await?;
    let tag = group_tags::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        name: Set(name),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_unique("name", "a group tag with this name already exists")?;
    let change = EventKind::GroupTagChanged {
        tag_id: tag.id,
        added_user_ids: Vec::new(),
    };
    ctx.commit_one(txn, change).await?;
    Ok(tag)
}

/// Add users to a group tag (admins). Adding a member twice is a no-op.
pub async fn add_group_tag_members(
    ctx: &Ctx,
    tag_id: i64,
    user_ids: &[i64],
) -> Result<group_tags::Model> {
    ctx.require(Scope::GroupTagsWrite)?;
    let tag = group_tags::Entity::find_by_id(tag_id)
        .filter(group_tags::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("group tag"))?;
    let found = users_by_ids(&ctx.db, ctx.workspace_id(), user_ids).await?;
    if let Some(missing) = user_ids.iter().find(|id| !found.contains_key(id)) {
        return Err(Error::invalid(
            "userIds",
            format!("no such user: {missing}"),
        ));
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    let added = crate::sql::distinct(user_ids);
    for id in added.iter().copied() {
        group_tag_members::Entity::insert(group_tag_members::ActiveModel {
            tag_id: Set(tag.id),
            user_id: Set(id),
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
        .exec_without_returning(&txn)
        .await?;
    }
    let mut events = crate::chats::sync_tag_members(&txn, ctx, &[tag.id], &added).await?;
    let change = EventKind::GroupTagChanged {
        tag_id: tag.id,
        added_user_ids: added,
    };
    events.push(crate::events::record(&txn, ctx, change, None).await?);
    ctx.commit(txn, events).await?;
    Ok(tag)
}

/// The members of group tags (a batch).
pub async fn group_tag_member_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    tag_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>> {
    let rows = group_tag_members::Entity::find()
        .filter(group_tag_members::Column::WorkspaceId.eq(workspace_id))
        .filter(group_tag_members::Column::TagId.is_in(crate::sql::distinct(tag_ids)))
        .order_by_asc(group_tag_members::Column::UserId)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        out.entry(row.tag_id).or_default().push(row.user_id);
    }
    Ok(out)
}

/// Number of active users in the caller's workspace.
pub async fn count_users(ctx: &Ctx) -> Result<u64> {
    Ok(users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(users::Column::Suspended.eq(false))
        .count(&ctx.db)
        .await?)
}

pub(crate) fn validate_name(name: &str, field: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > 255 {
        return Err(Error::invalid(field, "must be at most 255 characters"));
    }
    Ok(name.to_owned())
}

/// Find a workspace by slug, or create it.
pub async fn ensure_workspace(
    db: &DatabaseConnection,
    slug: &str,
    name: &str,
) -> Result<workspaces::Model> {
    let slug = slug.trim();
    if slug.is_empty()
        || slug.len() > 63
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(Error::invalid(
            "workspace",
            "a slug is 1–63 characters of a-z, 0-9 and '-'",
        ));
    }
    if let Some(ws) = workspaces::Entity::find()
        .filter(workspaces::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        return Ok(ws);
    }
    workspaces::Entity::insert(workspaces::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(workspaces::Column::Slug)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    workspaces::Entity::find()
        .filter(workspaces::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(Error::NotFound("workspace"))
}

/// A new user for [`ensure_user`].
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    /// Email, unique in the workspace.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Handle.
    pub nickname: String,
    /// Role when created; the first user of a workspace is always its owner.
    pub role: Option<Role>,
    /// Whether this is a bot.
    pub is_bot: bool,
    /// Job title.
    pub title: String,
}

/// Find a user by email in a workspace, or create them. The first user of a workspace
/// becomes its owner; later ones get `role` (default member). Used by the CLI and the
/// demo seed, which act as the operator rather than as a principal.
pub async fn ensure_user(
    db: &DatabaseConnection,
    workspace_id: i64,
    new: NewUser,
) -> Result<users::Model> {
    let email = new.email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 255 {
        return Err(Error::invalid("user", "must be an email address"));
    }
    if let Some(user) = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Email.eq(email.clone()))
        .one(db)
        .await?
    {
        return Ok(user);
    }
    let txn = crate::ctx::write_txn(db).await?;
    let existing = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .count(&txn)
        .await?;
    let role = if existing == 0 {
        Role::Owner
    } else {
        new.role.unwrap_or(Role::Member)
    };
    let nickname = if new.nickname.is_empty() {
        email.split('@').next().unwrap_or_default().to_owned()
    } else {
        new.nickname
    };
    let now = Utc::now();
    let user = users::ActiveModel {
        workspace_id: Set(workspace_id),
        email: Set(Some(email)),
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        nickname: Set(nickname),
        is_bot: Set(new.is_bot),
        role: Set(role.as_str().to_owned()),
        title: Set(new.title),
        department_id: Set(None),
        suspended: Set(false),
        phone: Set(String::new()),
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
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_unique("user", "a user with this email already exists")?;
    txn.commit().await?;
    Ok(user)
}

/// Departments by id within one workspace (a batch).
pub async fn departments_by_ids<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, departments::Model>> {
    let rows = departments::Entity::find()
        .filter(departments::Column::WorkspaceId.eq(workspace_id))
        .filter(departments::Column::Id.is_in(crate::sql::distinct(ids)))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|d| (d.id, d)).collect())
}

// ---- Profile, user lifecycle and group tags as REST façades need them ----------------

/// The caller's own profile (scope `profile:read`).
pub async fn get_profile(ctx: &Ctx) -> Result<users::Model> {
    ctx.require(Scope::ProfileRead)?;
    get_me(ctx).await
}

/// Changes to the caller's own profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    /// The whole display name (1–255 characters), kept as the given name.
    pub name: Option<String>,
    /// An http(s) picture URL; `Some(None)` clears it.
    pub avatar_url: Option<Option<String>>,
    /// Job title (empty clears it).
    pub title: Option<String>,
    /// Phone number (empty clears it).
    pub phone: Option<String>,
    /// IANA time zone (`Europe/Paris`).
    pub time_zone: Option<String>,
}

/// Change the caller's own profile (scope `profile:read`: a person edits what they
/// read of themselves; e-mail and role are not theirs to change).
pub async fn update_profile(ctx: &Ctx, changes: ProfileChanges) -> Result<users::Model> {
    ctx.require(Scope::ProfileRead)?;
    let user = get_me(ctx).await?;
    let short = |field: &str, v: &str, max: usize| -> Result<String> {
        let v = v.trim();
        if v.chars().count() > max {
            return Err(Error::invalid(
                field,
                format!("must be at most {max} characters"),
            ));
        }
        Ok(v.to_owned())
    };
    let mut am: users::ActiveModel = user.into();
    if let Some(name) = &changes.name {
        let name = short("name", name, 255)?;
        if name.is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        am.first_name = sea_orm::Set(name);
        am.last_name = sea_orm::Set(String::new());
    }
    if let Some(url) = &changes.avatar_url {
        let url = match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => {
                let ok = u.len() <= 2048
                    && url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"));
                if !ok {
                    return Err(Error::invalid("avatarUrl", "must be an http(s) URL"));
                }
                Some(u.to_owned())
            }
        };
        am.avatar_url = sea_orm::Set(url);
    }
    if let Some(title) = &changes.title {
        am.title = sea_orm::Set(short("title", title, 255)?);
    }
    if let Some(phone) = &changes.phone {
        am.phone = sea_orm::Set(short("phone", phone, 255)?);
    }
    if let Some(tz) = &changes.time_zone {
        let tz = tz.trim();
        if tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(Error::invalid("timezone", "must be an IANA time zone name"));
        }
        am.time_zone = sea_orm::Set(tz.to_owned());
    }
    am.updated_at = sea_orm::Set(Utc::now());
    let txn = ctx.write().await?;
    let user = sea_orm::ActiveModelTrait::update(am, &txn).await?;
    ctx.commit_one(txn, EventKind::UserUpdated { user_id: user.id })
        .await?;
    Ok(user)
}

/// The caller's own status, if set and not expired (scope `profile_status:read`).
pub async fn get_my_status(ctx: &Ctx) -> Result<Option<Status>> {
    ctx.require(Scope::ProfileStatusRead)?;
    Ok(active_status(&get_me(ctx).await?, Utc::now()))
}

/// The names of the group tags of each user (a batch), by tag name.
pub async fn group_tag_names_of_users<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    let links = group_tag_members::Entity::find()
        .filter(group_tag_members::Column::WorkspaceId.eq(workspace_id))
        .filter(group_tag_members::Column::UserId.is_in(crate::sql::distinct(user_ids)))
        .all(db)
        .await?;
    let tag_ids: Vec<i64> = links.iter().map(|l| l.tag_id).collect();
    let tags: HashMap<i64, String> = group_tags::Entity::find()
        .filter(group_tags::Column::WorkspaceId.eq(workspace_id))
        .filter(group_tags::Column::Id.is_in(crate::sql::distinct(&tag_ids)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for link in links {
        if let Some(name) = tags.get(&link.tag_id) {
            out.entry(link.user_id).or_default().push(name.clone());
        }
    }
    for names in out.values_mut() {
        names.sort();
    }
    Ok(out)
}
