//! Members: `GET /members`, `POST /members` (§6). A member is a person of the
//! workspace (bots excluded); `member_<n>` and `user_<n>` carry the same number.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use entities::users;
use resolvers::Ctx;
use resolvers::people::Role;
use serde_json::json;

use super::convert::{IdKind, date, id, parse_id, total_pages};
use super::error::{Failure, Reply};
use super::extract::{
    Caller, Problems, ReadMembers, V1Json, WriteMembers, created, ok, once, to_json,
};
use super::messages::user_ref;
use super::wire::{AddMemberRequest, MemberOut, NamedRef, Pagination};
use crate::state::AppState;

/// Routes: `GET /members` — `read:members`; `POST /members` — `write:members`;
/// standard budget.
pub fn routes() -> Router<AppState> {
    Router::new().route("/members", get(list).post(add))
}

/// Largest `limit`.
const MAX_LIMIT: u64 = 100;
/// `limit` when absent.
const DEFAULT_LIMIT: u64 = 50;

/// `GET /api/v1/members?page=&limit=&departmentId=` (document: Members › List
/// Members) → 200 `{members, pagination}`.
async fn list(caller: Caller<ReadMembers>, Query(q): Query<HashMap<String, String>>) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let number = |p: &mut Problems, key: &str, default: u64, max: u64| -> u64 {
        match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => default,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    p.add(key, format!("must be an integer from 1 to {max}"));
                    default
                }
            },
        }
    };
    let page = number(&mut p, "page", 1, 1_000_000);
    let limit = number(&mut p, "limit", DEFAULT_LIMIT, MAX_LIMIT);
    p.finish()?;
    let department = match q
        .get("departmentId")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        Some(raw) => {
            Some(parse_id(IdKind::Department, raw).ok_or_else(Failure::department_not_found)?)
        }
        None => None,
    };
    let found = resolvers::people::list_people_page(ctx, department, page, limit).await?;
    let dep_ids: Vec<i64> = found.users.iter().filter_map(|u| u.department_id).collect();
    let departments =
        resolvers::people::departments_of(&ctx.db, ctx.workspace_id(), &dep_ids).await?;
    let now = chrono::Utc::now();
    let members: Vec<MemberOut> = found
        .users
        .iter()
        .map(|u| {
            let mut m = render(u, Some(resolvers::people::presence(u, now)));
            m.department =
                Some(
                    u.department_id
                        .and_then(|d| departments.get(&d))
                        .map(|d| NamedRef {
                            id: id(IdKind::Department, d.id),
                            name: d.name.clone(),
                        }),
                );
            m
        })
        .collect();
    let pagination = Pagination {
        page,
        limit,
        total: found.total,
        total_pages: total_pages(found.total, limit),
    };
    Ok(ok(json!({
        "members": to_json(&members)?,
        "pagination": to_json(&pagination)?,
    })))
}

/// `POST /api/v1/members` (document: Members › Add Member) → 201 `{success, member}`.
async fn add(caller: Caller<WriteMembers>, V1Json(req): V1Json<AddMemberRequest>) -> Reply {
    let ctx = &caller.ctx;
    let body = once(ctx, "v1.addMember", &req, || async {
        let member = to_json(&add_member(ctx, &req).await?)?;
        Ok(json!({ "success": true, "member": member }))
    })
    .await?;
    Ok(created(body))
}

/// Validate and add a member (also the incoming webhooks' `add_member`).
pub(super) async fn add_member(ctx: &Ctx, req: &AddMemberRequest) -> Result<MemberOut, Failure> {
    let mut p = Problems::default();
    let email = p.required("email", req.email.as_deref(), 255);
    let role = p.choice(
        "role",
        req.role.as_deref(),
        &["owner", "admin", "member", "guest"],
        "member",
    );
    let title = req.title.as_deref().unwrap_or_default().trim().to_owned();
    p.max("title", &title, 255);
    let mut tag_ids = Vec::new();
    for (i, raw) in req.team_ids.iter().flatten().enumerate() {
        match parse_id(IdKind::Team, raw) {
            Some(n) => tag_ids.push(n),
            None => p.add(format!("teamIds[{i}]"), "must be a team id (`team_<n>`)"),
        }
    }
    p.finish()?;
    let department_id = match req
        .department_id
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(raw) => {
            Some(parse_id(IdKind::Department, raw).ok_or_else(Failure::department_not_found)?)
        }
        None => None,
    };
    let role: Role = role.parse()?;
    let user = resolvers::people::create_user(
        ctx,
        resolvers::people::UserFields {
            email: Some(email),
            role: Some(role),
            title: Some(title),
            department_id,
            tag_ids,
            ..Default::default()
        },
    )
    .await?;
    Ok(render(&user, None))
}

fn render(u: &users::Model, status: Option<&str>) -> MemberOut {
    MemberOut {
        id: id(IdKind::Member, u.id),
        workspace_id: id(IdKind::Workspace, u.workspace_id),
        user_id: id(IdKind::User, u.id),
        role: u.role.clone(),
        department_id: u.department_id.map(|d| id(IdKind::Department, d)),
        title: Some(u.title.clone()).filter(|t| !t.is_empty()),
        joined_at: date(u.created_at),
        user: user_ref(Some(u), u.id, status),
        department: None,
    }
}
