//! Full-text search: `GET /search/chats`, `GET /search/messages`, `GET /search/users`.
//! Envelope `{data, meta: {total, paginate: {next_page}}}`; `next_page` is never null
//! (at the end it yields `[]`).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use resolvers::pagination::PageArgs;
use resolvers::search::MessageSearch;

use super::convert::{limit, search_after, search_paginate};
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

fn meta(q: &RailsQuery, count: usize, has_next: bool, last: Option<i64>) -> SearchMeta {
    let after_this_page = if has_next { last } else { last.map(|_| 0) };
    let next = match after_this_page {
        // More rows: continue after the last one.
        Some(id) if id > 0 => Some(id),
        // The end: a cursor past every row, which yields `[]`.
        Some(_) => Some(i64::MIN + 1),
        None => None,
    };
    SearchMeta {
        total: i64::try_from(count).unwrap_or(i64::MAX) + i64::from(has_next),
        paginate: search_paginate(next, q.str("cursor")),
    }
}

/// `GET /search/chats?query*=&limit≤100&cursor=&active=&personal=`.
async fn chats(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    let text = query(&q)?;
    let args = page(&q, 100)?;
    let active = q.bool("active")?;
    let personal = q.bool("personal")?;
    let found = resolvers::search::search_chats(&caller.ctx, &text, args).await?;
    let last = found.items.last().map(|c| c.id);
    let rows: Vec<_> = found
        .items
        .into_iter()
        .filter(|c| active.is_none_or(|a| a == c.archived_at.is_none()))
        .filter(|c| personal.is_none_or(|p| p == (c.kind == "direct")))
        .collect();
    let meta = meta(&q, rows.len(), found.has_next, last);
    let data = render::chats(&caller.ctx, &state.env.public_url, rows).await?;
    Ok(ok(SearchList { data, meta }))
}

/// `GET /search/messages?query*=&limit≤200&cursor=&chat_ids[]=&user_ids[]=&created_from=&created_to=`.
async fn messages(State(state): State<AppState>, caller: Caller, q: RailsQuery) -> Reply {
    let text = query(&q)?;
    let args = page(&q, 200)?;
    let chat_ids = q.ints("chat_ids")?;
    let user_ids = q.ints("user_ids")?;
    let search = MessageSearch {
        query: text,
        chat_id: (chat_ids.len() == 1).then(|| chat_ids[0]),
        author_id: (user_ids.len() == 1).then(|| user_ids[0]),
        from: q.date("created_from")?,
        to: q.date("created_to")?,
    };
    let found = resolvers::search::search_messages(&caller.ctx, search, args).await?;
    let last = found.items.last().map(|m| m.id);
    let rows: Vec<_> = found
        .items
        .into_iter()
        .filter(|m| chat_ids.is_empty() || chat_ids.contains(&m.chat_id))
        .filter(|m| user_ids.is_empty() || user_ids.contains(&m.author_id))
        .collect();
    let meta = meta(&q, rows.len(), found.has_next, last);
    let data = render::messages(&caller.ctx, &state.env.public_url, rows).await?;
    Ok(ok(SearchList { data, meta }))
}

/// `GET /search/users?query*=&limit≤200&cursor=&company_roles[]=`.
async fn users(caller: Caller, q: RailsQuery) -> Reply {
    let text = query(&q)?;
    let args = page(&q, 200)?;
    let roles = q.list("company_roles");
    let found = resolvers::search::search_users(&caller.ctx, &text, args).await?;
    let last = found.items.last().map(|u| u.id);
    let data: Vec<_> = render::users(&caller.ctx, found.items)
        .await?
        .into_iter()
        .filter(|u| roles.is_empty() || roles.iter().any(|r| r == u.role))
        .collect();
    let meta = meta(&q, data.len(), found.has_next, last);
    Ok(ok(SearchList { data, meta }))
}
