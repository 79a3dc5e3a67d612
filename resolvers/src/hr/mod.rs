//! HR: workplaces with geofences and attendance ([`sites`], [`attendance`]), leave types,
//! balances and requests ([`leave`]), rosters ([`roster`]) and the document vault
//! ([`vault`]).
//!
//! Who may do what is decided here, once:
//! - **HR administrator** ("hr"): a workspace owner or admin, or a member whose
//!   `users.hr_admin` flag is set. Manages sites, leave types, rosters and every vault.
//! - **Manager** of a member: the manager of the member's department, or any HR
//!   administrator. Sees the member's attendance and leave and decides their requests.
//! - Everyone sees their own items. Another member's item that the caller may not see
//!   answers NOT_FOUND, exactly like a missing one.

pub mod attendance;
mod events;
pub mod geo;
pub mod leave;
pub mod roster;
pub mod sites;
pub mod vault;

pub use events::HrEvent;

use chrono::Utc;
use entities::{departments, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::people::{Role, role_of};
use crate::{Ctx, Error, Result};

/// Whether `user` is an HR administrator (owner, admin, or the HR-admin flag).
pub fn is_hr_admin(user: &users::Model) -> bool {
    user.hr_admin || matches!(role_of(user), Ok(Role::Owner | Role::Admin))
}

/// The caller's own row (the HR flag and department are read fresh, not from the
/// credential, so a change applies from the next request).
pub(crate) async fn me<C: ConnectionTrait>(db: &C, ctx: &Ctx) -> Result<users::Model> {
    crate::people::find_user(db, ctx.workspace_id(), ctx.user_id())
        .await?
        .ok_or(Error::Unauthenticated)
}

/// Whether the caller is an HR administrator.
pub async fn caller_is_hr(ctx: &Ctx) -> Result<bool> {
    Ok(is_hr_admin(&me(&ctx.db, ctx).await?))
}

/// Fails with FORBIDDEN unless the caller is an HR administrator; returns their row.
pub(crate) async fn require_hr(ctx: &Ctx) -> Result<users::Model> {
    let me = me(&ctx.db, ctx).await?;
    if is_hr_admin(&me) {
        Ok(me)
    } else {
        Err(Error::Forbidden(
            "only HR administrators (owners, admins or members with the HR-admin flag) may do this"
                .into(),
        ))
    }
}

/// Whether `manager` manages `member`: an HR administrator, or the manager of the
/// member's department.
pub(crate) async fn manages<C: ConnectionTrait>(
    db: &C,
    manager: &users::Model,
    member: &users::Model,
) -> Result<bool> {
    if is_hr_admin(manager) {
        return Ok(true);
    }
    let Some(dep) = member.department_id else {
        return Ok(false);
    };
    Ok(departments::Entity::find_by_id(dep)
        .filter(departments::Column::WorkspaceId.eq(member.workspace_id))
        .one(db)
        .await?
        .is_some_and(|d| d.manager_id == Some(manager.id)))
}

/// Whether the caller may see `member_id`'s HR items (themselves, their manager, HR).
pub async fn can_see_member(ctx: &Ctx, member_id: i64) -> Result<bool> {
    if member_id == ctx.user_id() {
        return Ok(true);
    }
    let me = me(&ctx.db, ctx).await?;
    let Some(member) = crate::people::find_user(&ctx.db, ctx.workspace_id(), member_id).await?
    else {
        return Ok(false);
    };
    manages(&ctx.db, &me, &member).await
}

/// The member `user_id` of the caller's workspace, or BAD_USER_INPUT on `field`.
pub(crate) async fn member<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    user_id: i64,
    field: &str,
) -> Result<users::Model> {
    crate::people::find_user(db, ctx.workspace_id(), user_id)
        .await?
        .ok_or_else(|| Error::invalid(field, "no such user"))
}

/// Resolve whose items a read is about: the caller by default; another member only for
/// their manager or HR (FORBIDDEN otherwise; NOT_FOUND for an unknown id).
pub(crate) async fn subject_member(ctx: &Ctx, user_id: Option<i64>) -> Result<users::Model> {
    let me = me(&ctx.db, ctx).await?;
    let Some(id) = user_id.filter(|id| *id != me.id) else {
        return Ok(me);
    };
    let member = crate::people::find_user(&ctx.db, ctx.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if manages(&ctx.db, &me, &member).await? {
        Ok(member)
    } else {
        Err(Error::Forbidden(
            "only the member, their department manager or HR may see this".into(),
        ))
    }
}

/// Grant or revoke the HR-admin flag of a member (workspace owners and admins).
pub async fn set_hr_admin(ctx: &Ctx, user_id: i64, hr_admin: bool) -> Result<users::Model> {
    ctx.require(Scope::UsersUpdate)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace owners and admins may appoint HR administrators".into(),
        ));
    }
    let user = crate::people::find_user(&ctx.db, ctx.workspace_id(), user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if user.hr_admin == hr_admin {
        return Ok(user);
    }
    let txn = ctx.write().await?;
    let mut am: users::ActiveModel = user.into();
    am.hr_admin = Set(hr_admin);
    am.updated_at = Set(Utc::now());
    let user = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::Hr {
            event: HrEvent::HrAdminChanged {
                user_id: user.id,
                hr_admin,
            },
        },
    )
    .await?;
    Ok(user)
}

/// Validate a short free text (`max` characters).
pub(crate) fn short_text(value: &str, field: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Validate a required name (1–`max` characters).
pub(crate) fn required_text(value: &str, field: &str, max: usize) -> Result<String> {
    let value = short_text(value, field, max)?;
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(value)
}

/// Lock `user_id`'s row for the rest of `txn` on PostgreSQL, so concurrent requests
/// about one member (leave, shifts) are checked one after the other. SQLite write
/// transactions are already serialised (`BEGIN IMMEDIATE`).
pub(crate) async fn lock_member<C: ConnectionTrait>(txn: &C, user_id: i64) -> Result<()> {
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        use sea_orm::QuerySelect;
        users::Entity::find_by_id(user_id)
            .lock_exclusive()
            .one(txn)
            .await?;
    }
    Ok(())
}
