//! Chat members and linked group tags: `GET|POST /chats/{id}/members`,
//! `PUT|DELETE /chats/{id}/members/{user_id}`, `DELETE /chats/{id}/leave`,
//! `POST /chats/{id}/group_tags`, `DELETE /chats/{id}/group_tags/{tag_id}`.

use axum::Router;
use axum::routing::{delete, get, post, put};
use resolvers::chats::{ChatRole, MemberFilter};
use resolvers::pagination::Key;

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, Ids, RailsQuery, no_content, ok};
use super::render;
use super::wire::{AddMembersRequest, AddTagsRequest, UpdateMemberRoleRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chats/{id}/members", get(list).post(add))
        .route(
            "/chats/{id}/members/{user_id}",
            put(set_role).delete(remove),
        )
        .route("/chats/{id}/leave", delete(leave))
        .route("/chats/{id}/group_tags", post(add_tags))
        .route("/chats/{id}/group_tags/{tag_id}", delete(remove_tag))
}

fn chat_role(key: &str, text: &str) -> Result<ChatRole, Failure> {
    text.parse::<ChatRole>().map_err(|_| {
        Failure::unprocessable(key, "inclusion", "must be one of admin, editor, member")
            .with_value(text)
    })
}

/// `GET /chats/{id}/members?role=all|owner|admin|editor|member&limit=&cursor=` → list of User.
async fn list(caller: Caller, Id(id): Id, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let filter = match q.choice(
        "role",
        &["all", "owner", "admin", "editor", "member"],
        "all",
    )? {
        "all" => MemberFilter::All,
        "owner" => MemberFilter::Owner,
        other => MemberFilter::Role(chat_role("role", other)?),
    };
    let slice = resolvers::chats::list_members(&caller.ctx, id, filter, window).await?;
    let data = render::users(&caller.ctx, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, |u| Key::id(u.id), data)))
}

/// `POST /chats/{id}/members` `{member_ids*, silent?}` → 204.
async fn add(caller: Caller, Id(id): Id, Body(body): Body<AddMembersRequest>) -> Reply {
    resolvers::chats::add_chat_members(&caller.ctx, id, &body.member_ids, ChatRole::Member).await?;
    Ok(no_content())
}

/// `PUT /chats/{id}/members/{user_id}` `{role*: admin|editor|member}` → 204.
async fn set_role(
    caller: Caller,
    Ids(id, user_id): Ids,
    Body(body): Body<UpdateMemberRoleRequest>,
) -> Reply {
    let role = chat_role("role", &body.role)?;
    resolvers::chats::set_chat_member_role(&caller.ctx, id, user_id, role).await?;
    Ok(no_content())
}

/// `DELETE /chats/{id}/members/{user_id}` → 204.
async fn remove(caller: Caller, Ids(id, user_id): Ids) -> Reply {
    resolvers::chats::remove_chat_member(&caller.ctx, id, user_id).await?;
    Ok(no_content())
}

/// `DELETE /chats/{id}/leave` → 204.
async fn leave(caller: Caller, Id(id): Id) -> Reply {
    resolvers::chats::leave_chat(&caller.ctx, id).await?;
    Ok(no_content())
}

/// `POST /chats/{id}/group_tags` `{group_tag_ids*}` → 204; the tags' members join.
async fn add_tags(caller: Caller, Id(id): Id, Body(body): Body<AddTagsRequest>) -> Reply {
    resolvers::chats::link_group_tags(&caller.ctx, id, &body.group_tag_ids).await?;
    Ok(no_content())
}

/// `DELETE /chats/{id}/group_tags/{tag_id}` → 204.
async fn remove_tag(caller: Caller, Ids(id, tag_id): Ids) -> Reply {
    resolvers::chats::unlink_group_tag(&caller.ctx, id, tag_id).await?;
    Ok(no_content())
}
