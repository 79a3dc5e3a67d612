//! Group tags: `GET|POST /group_tags`, `GET|PUT|DELETE /group_tags/{id}`,
//! `GET /group_tags/{id}/users`.

use axum::Router;
use axum::routing::get;
use resolvers::pagination::Key;

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, created, no_content, ok, ok_data};
use super::render;
use super::wire::{Data, GroupTagRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (writes need an admin's token).
/// Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/group_tags", get(list).post(create))
        .route("/group_tags/{id}", get(show).put(update).delete(destroy))
        .route("/group_tags/{id}/users", get(users))
}

async fn one(
    caller: &Caller,
    tag: entities::group_tags::Model,
) -> Result<super::wire::GroupTag, Failure> {
    render::group_tags(&caller.ctx, vec![tag])
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("group_tag", "group tag"))
}

/// `GET /group_tags?names[]=&limit=&cursor=` → list of GroupTag.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let names = q.list("names");
    let slice = resolvers::people::list_group_tags_window(&caller.ctx, &names, window).await?;
    let data = render::group_tags(&caller.ctx, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, |t| Key::id(t.id), data)))
}

/// `POST /group_tags` `{group_tag: {name}}` → 201 `{data: GroupTag}`.
async fn create(caller: Caller, Body(body): Body<GroupTagRequest>) -> Reply {
    let tag = resolvers::people::create_group_tag(&caller.ctx, &body.group_tag.name).await?;
    Ok(created(Data {
        data: one(&caller, tag).await?,
    }))
}

/// `GET /group_tags/{id}` → 200 `{data: GroupTag}`.
async fn show(caller: Caller, Id(id): Id) -> Reply {
    let tag = resolvers::people::get_group_tag(&caller.ctx, id).await?;
    Ok(ok_data(one(&caller, tag).await?))
}

/// `PUT /group_tags/{id}` `{group_tag: {name}}` → 200 `{data: GroupTag}`.
async fn update(caller: Caller, Id(id): Id, Body(body): Body<GroupTagRequest>) -> Reply {
    let tag = resolvers::people::rename_group_tag(&caller.ctx, id, &body.group_tag.name).await?;
    Ok(ok_data(one(&caller, tag).await?))
}

/// `DELETE /group_tags/{id}` → 204.
async fn destroy(caller: Caller, Id(id): Id) -> Reply {
    resolvers::people::delete_group_tag(&caller.ctx, id).await?;
    Ok(no_content())
}

/// `GET /group_tags/{id}/users?limit=&cursor=` → list of User.
async fn users(caller: Caller, Id(id): Id, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let slice = resolvers::people::group_tag_users(&caller.ctx, id, window).await?;
    let data = render::users(&caller.ctx, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, |u| Key::id(u.id), data)))
}
