//! Departments: `GET /departments`, `POST /departments` (§6).

use std::collections::HashMap;

use axum::Router;
use axum::routing::get;
use entities::{departments, users};
use resolvers::Ctx;
use serde_json::json;

use super::convert::{IdKind, date, id, parse_id};
use super::error::{Failure, Reply};
use super::extract::{
    Caller, Problems, ReadDepartments, V1Json, WriteDepartments, created, ok, once, to_json,
};
use super::messages::user_ref;
use super::wire::{CreateDepartmentRequest, DepartmentCount, DepartmentOut, NamedRef};
use crate::state::AppState;

/// Routes: `GET /departments` — `read:departments`; `POST /departments` —
/// `write:departments`; standard budget.
pub fn routes() -> Router<AppState> {
    Router::new().route("/departments", get(list).post(create))
}

/// `GET /api/v1/departments` (document: Departments › List Departments) → 200
/// `{departments}` with managers, parents and `_count`s.
async fn list(caller: Caller<ReadDepartments>) -> Reply {
    let ctx = &caller.ctx;
    let rows = resolvers::people::list_departments(ctx).await?;
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let counts = resolvers::people::department_counts(&ctx.db, ctx.workspace_id(), &ids).await?;
    let managers = managers_of(ctx, &rows).await?;
    let by_id: HashMap<i64, &departments::Model> = rows.iter().map(|d| (d.id, d)).collect();
    let out: Vec<DepartmentOut> = rows
        .iter()
        .map(|d| {
            let mut o = render(d, &managers);
            o.parent = Some(d.parent_id.and_then(|p| by_id.get(&p)).map(|p| NamedRef {
                id: id(IdKind::Department, p.id),
                name: p.name.clone(),
            }));
            let c = counts.get(&d.id).copied().unwrap_or_default();
            o.count = Some(DepartmentCount {
                members: c.members,
                channels: c.channels,
                children: c.children,
            });
            o
        })
        .collect();
    Ok(ok(json!({ "departments": to_json(&out)? })))
}

/// `POST /api/v1/departments` (document: Departments › Create Department) → 201
/// `{success, department}`.
async fn create(
    caller: Caller<WriteDepartments>,
    V1Json(req): V1Json<CreateDepartmentRequest>,
) -> Reply {
    let ctx = &caller.ctx;
    let body = once(ctx, "v1.createDepartment", &req, || async {
        let department = to_json(&create_department(ctx, &req).await?)?;
        Ok(json!({ "success": true, "department": department }))
    })
    .await?;
    Ok(created(body))
}

/// Validate and create a department (also the incoming webhooks' `create_department`).
pub(super) async fn create_department(
    ctx: &Ctx,
    req: &CreateDepartmentRequest,
) -> Result<DepartmentOut, Failure> {
    let mut p = Problems::default();
    let name = p.required("name", req.name.as_deref(), 100);
    let description = req
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if let Some(d) = &description {
        p.max("description", d, 500);
    }
    p.finish()?;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let manager_id = match given(&req.manager_id) {
        Some(raw) => Some(parse_id(IdKind::User, &raw).ok_or_else(Failure::manager_not_found)?),
        None => None,
    };
    let parent_id = match given(&req.parent_id) {
        Some(raw) => {
            Some(parse_id(IdKind::Department, &raw).ok_or_else(Failure::department_not_found)?)
        }
        None => None,
    };
    let row = resolvers::people::create_department(
        ctx,
        resolvers::people::CreateDepartmentInput {
            name,
            parent_id,
            manager_id,
            description,
        },
    )
    .await?;
    let managers = managers_of(ctx, std::slice::from_ref(&row)).await?;
    Ok(render(&row, &managers))
}

async fn managers_of(
    ctx: &Ctx,
    rows: &[departments::Model],
) -> Result<HashMap<i64, users::Model>, Failure> {
    let ids: Vec<i64> = rows.iter().filter_map(|d| d.manager_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?)
}

fn render(d: &departments::Model, managers: &HashMap<i64, users::Model>) -> DepartmentOut {
    DepartmentOut {
        id: id(IdKind::Department, d.id),
        name: d.name.clone(),
        description: d.description.clone(),
        workspace_id: id(IdKind::Workspace, d.workspace_id),
        manager_id: d.manager_id.map(|m| id(IdKind::User, m)),
        parent_id: d.parent_id.map(|p| id(IdKind::Department, p)),
        created_at: date(d.created_at),
        manager: d.manager_id.map(|m| user_ref(managers.get(&m), m, None)),
        parent: None,
        count: None,
    }
}
