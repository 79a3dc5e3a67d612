//! Users: `GET|POST /users`, `GET|PUT|DELETE /users/{id}`,
//! `GET|PUT|DELETE /users/{id}/status`.

use axum::Router;
use axum::routing::get;
use resolvers::pagination::Key;
use resolvers::people::UserFields;

use super::convert::{self, parse_role};
use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, created, no_content, ok, ok_data};
use super::render;
use super::wire::{self, StatusUpdateRequest, UserCreateRequest, UserUpdateRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (writes need an admin's token).
/// Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(show).put(update).delete(destroy))
        .route(
            "/users/{id}/status",
            get(get_status).put(put_status).delete(delete_status),
        )
}

fn fields(user: wire::UserFields) -> Result<UserFields, Failure> {
    Ok(UserFields {
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        nickname: user.nickname,
        phone: user.phone_number,
        department: user.department,
        title: user.title,
        role: user
            .role
            .as_deref()
            .map(|r| parse_role("user.role", r))
            .transpose()?,
        suspended: user.suspended,
        tags: user.list_tags,
        chat_ids: user.chat_ids.unwrap_or_default(),
        ..UserFields::default()
    })
}

/// `GET /users?query=&limit=&cursor=` (limit ≤ 50) → the list envelope, or with `query`
/// the search envelope (`meta.total`, `meta.paginate.next_page`).
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let query = q.str("query");
    let slice = resolvers::people::list_users_window(&caller.ctx, query, window).await?;
    let key = |u: &entities::users::Model| Key::id(u.id);
    if let Some(text) = query {
        let total = resolvers::people::count_users_matching(&caller.ctx, text).await?;
        let paginate = convert::paginate(&window, &slice, key);
        let data = render::users(&caller.ctx, slice.items).await?;
        return Ok(ok(wire::SearchList {
            data,
            meta: wire::SearchMeta {
                total: i64::try_from(total).unwrap_or(i64::MAX),
                paginate: wire::SearchPaginate {
                    next_page: paginate.next_page,
                },
            },
        }));
    }
    let data = render::users(&caller.ctx, slice.items.clone()).await?;
    Ok(ok(render::list(&window, &slice, key, data)))
}

/// `POST /users` `{user: {...}, skip_email_notify?}` → 201 `{data: User}`.
async fn create(caller: Caller, Body(body): Body<UserCreateRequest>) -> Reply {
    let user = resolvers::people::create_user(&caller.ctx, fields(body.user)?).await?;
    Ok(created(wire::Data {
        data: render::user(&caller.ctx, user).await?,
    }))
}

/// `GET /users/{id}` → 200 `{data: User}`.
async fn show(caller: Caller, Id(id): Id) -> Reply {
    let user = resolvers::people::get_user(&caller.ctx, id).await?;
    Ok(ok_data(render::user(&caller.ctx, user).await?))
}

/// `PUT /users/{id}` `{user: {...}}` → 200 `{data: User}`.
async fn update(caller: Caller, Id(id): Id, Body(body): Body<UserUpdateRequest>) -> Reply {
    let user = resolvers::people::update_user(&caller.ctx, id, fields(body.user)?).await?;
    Ok(ok_data(render::user(&caller.ctx, user).await?))
}

/// `DELETE /users/{id}` → 204.
async fn destroy(caller: Caller, Id(id): Id) -> Reply {
    resolvers::people::delete_user(&caller.ctx, id).await?;
    Ok(no_content())
}

/// `GET /users/{id}/status` → 200 `{data: UserStatus|null}`.
async fn get_status(caller: Caller, Id(id): Id) -> Reply {
    let status = resolvers::people::get_user_status(&caller.ctx, id).await?;
    Ok(ok_data(status.map(render::status)))
}

/// `PUT /users/{id}/status` `{status: {...}}` → 200 `{data: UserStatus}`.
async fn put_status(caller: Caller, Id(id): Id, Body(body): Body<StatusUpdateRequest>) -> Reply {
    let input = super::profile::status_input(body)?;
    let user = resolvers::people::set_user_status(&caller.ctx, id, input).await?;
    let status = resolvers::people::active_status(&user, chrono::Utc::now());
    Ok(ok_data(status.map(render::status)))
}

/// `DELETE /users/{id}/status` → 204.
async fn delete_status(caller: Caller, Id(id): Id) -> Reply {
    resolvers::people::clear_user_status(&caller.ctx, id).await?;
    Ok(no_content())
}
