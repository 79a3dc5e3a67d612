//! Full-text search: `GET /search/chats`, `GET /search/messages`, `GET /search/users`.
//! Envelope `{data, meta: {total, paginate: {next_page}}}`; `next_page` is never null
//! (at the end it yields `[]`).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use resolvers::pagination::PageArgs;
use resolvers::people::Role;
use resolvers::search::{ChatSearch, Found, MessageSearch, UserSearch};

use super::convert::{limit, parse_role, search_after, search_paginate};
use super::error::{Failure, Reply};
use super::extract::{Caller, RailsQuery, ok};
use super::render;
use super::wire::{SearchList, SearchMeta};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: search (counted by
/// `resolvers::search`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search/chats", get(chats))
        .route("/search/messages", get(messages))
        .route("/search/users", get(users))
}

fn page(q: &RailsQuery, max: u64) -> Result<PageArgs, Failure> {
    let first = limit(q.int("limit")?, max)?;
    Ok(PageArgs {
        first,
        after: search_after(q.str("cursor"))?,
    })
}

fn query(q: &RailsQuery) -> Result<String, Failure> {
    q.str("query")
        .map(str::to_owned)
        .ok_or_else(|| Failure::bad_request("query", "is required"))
}

/// `{total, paginate}`: the cursor continues after this page's last row; at the end it
/// is a cursor past every row, which yields `[]` (never null).
fn meta<T>(q: &RailsQuery, found: &Found<T>, id: impl Fn(&T) -> i64) -> SearchMeta {
    let next = match found.page.items.last().map(&id) {
        Some(last) if found.page.has_next => Some(last),
        Some(_) => Some(i64::MIN + 1),
        None => None,
    };
    SearchMeta {
        total: i64::try_from(found.total).unwrap_or(i64::MAX),
        paginate: search_paginate(next, q.str("cursor")),
    }
}

/// `GET /search/chats?query*=&limit≤100&cursor=&active=&personal=`.
async fn chats(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    let search = ChatSearch {
        query: query(&q)?,
        active: q.bool("active")?,
        personal: q.bool("personal")?,
    };
    let found = resolvers::search::search_chats(&caller.ctx, &search, page(&q, 100)?).await?;
    let meta = meta(&q, &found, |c| c.id);
    let data = render::chats(&caller.ctx, &state.env.public_url, found.page.items).await?;
    Ok(ok(SearchList { data, meta }))
}

/// `GET /search/messages?query*=&limit≤200&cursor=&chat_ids[]=&user_ids[]=&created_from=&created_to=`.
async fn messages(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    let search = MessageSearch {
        query: query(&q)?,
        chat_ids: q.ints("chat_ids")?,
        author_ids: q.ints("user_ids")?,
        from: q.date("created_from")?,
        to: q.date("created_to")?,
        ..Default::default()
    };
    let found = resolvers::search::search_messages(&caller.ctx, search, page(&q, 200)?).await?;
    let meta = meta(&q, &found, |m| m.id);
    let data = render::messages(&caller.ctx, &state.env.public_url, found.page.items).await?;
    Ok(ok(SearchList { data, meta }))
}

/// `GET /search/users?query*=&limit≤200&cursor=&company_roles[]=`.
async fn users(caller: Caller, q: RailsQuery) -> Reply {
    let mut roles = Vec::new();
    for name in q.list("company_roles") {
        let role = parse_role("company_roles", &name)?;
        // Pachca's `admin` is Switchboard's owner and admins alike.
        if role == Role::Admin {
            roles.push(Role::Owner);
        }
        roles.push(role);
    }
    let search = UserSearch {
        query: query(&q)?,
        roles,
    };
    let found = resolvers::search::search_users(&caller.ctx, &search, page(&q, 200)?).await?;
    let meta = meta(&q, &found, |u| u.id);
    let data = render::users(&caller.ctx, found.page.items).await?;
    Ok(ok(SearchList { data, meta }))
}
