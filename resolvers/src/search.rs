//! Full-text search over messages, chats and users with the database's own engine:
//! SQLite FTS5 (`*_fts` tables) or PostgreSQL `tsvector` columns with GIN indexes.
//!
//! Every word of the query must match (as a prefix, so "deplo" finds "deployment").
//! Results are newest first and paginate by id; a message result is only ever one the
//! caller could read in its chat.

use chrono::{DateTime, Utc};
use entities::{chats, messages, users};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Value};

use crate::auth::Scope;
use crate::pagination::{Page, PageArgs};
use crate::people::Role;
use crate::sql::stmt;
use crate::{Ctx, Error, Result};

/// Most words considered from one query.
const MAX_TERMS: usize = 16;

/// A page of results and how many there are in all (every page's filters applied).
#[derive(Clone, Debug)]
pub struct Found<T> {
    /// This page.
    pub page: Page<T>,
    /// Matching rows across every page.
    pub total: u64,
}

/// `col IN (?, ?, …)` for `ids`, its values pushed onto `values`.
fn any_of(col: &str, ids: &[i64], values: &mut Vec<Value>) -> String {
    values.extend(ids.iter().map(|id| Value::from(*id)));
    format!(" AND {col} IN ({})", vec!["?"; ids.len()].join(", "))
}

/// Run a search: `COUNT(*)` over `from_where`, then the page of it newest first.
async fn run<E: EntityTrait>(
    ctx: &Ctx,
    select: &str,
    id_col: &str,
    from_where: String,
    mut values: Vec<Value>,
    page: &PageArgs,
) -> Result<Found<E::Model>> {
    let backend = ctx.db.get_database_backend();
    let total = ctx
        .db
        .query_one_raw(stmt(
            backend,
            &format!("SELECT COUNT(*) AS n {from_where}"),
            values.clone(),
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let mut sql = format!("SELECT {select} {from_where}");
    if let Some(after) = page.after {
        sql.push_str(&format!(" AND {id_col} < ?"));
        values.push(after.into());
    }
    sql.push_str(&format!(" ORDER BY {id_col} DESC LIMIT ?"));
    values.push(i64::try_from(page.fetch()).unwrap_or(i64::MAX).into());
    let rows = E::find()
        .from_raw_sql(stmt(backend, &sql, values))
        .all(&ctx.db)
        .await?;
    Ok(Found {
        page: Page::from_probe(rows, page),
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// Filters of [`search_messages`].
#[derive(Clone, Debug, Default)]
pub struct MessageSearch {
    /// The words to find.
    pub query: String,
    /// Only in this chat.
    pub chat_id: Option<i64>,
    /// Only by this author.
    pub author_id: Option<i64>,
    /// Only in any of these chats (empty: no condition).
    pub chat_ids: Vec<i64>,
    /// Only by any of these authors (empty: no condition).
    pub author_ids: Vec<i64>,
    /// Only messages sent at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only messages sent before this time.
    pub to: Option<DateTime<Utc>>,
}

/// The engine-specific match expression for `query`, and its bound value.
fn matcher(
    backend: DbBackend,
    column_sql: &str,
    fts_table: &str,
    query: &str,
) -> Result<(String, Value)> {
    let terms: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(str::to_lowercase)
        .collect();
    if terms.is_empty() {
        return Err(Error::invalid(
            "query",
            "must contain at least one letter or digit",
        ));
    }
    Ok(match backend {
        DbBackend::Postgres => (
            format!("{column_sql}.search @@ to_tsquery('simple', ?)"),
            terms
                .iter()
                .map(|t| format!("{t}:*"))
                .collect::<Vec<_>>()
                .join(" & ")
                .into(),
        ),
        _ => (
            format!("{column_sql}.id IN (SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ?)"),
            terms
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
        ),
    })
}

/// Messages matching the query in chats the caller can read.
pub async fn search_messages(
    ctx: &Ctx,
    search: MessageSearch,
    page: PageArgs,
) -> Result<Found<messages::Model>> {
    ctx.require(Scope::SearchMessages)?;
    ctx.env
        .rate
        .check(&ctx.principal, crate::rate::Category::Search, None)?;
    if let (Some(from), Some(to)) = (search.from, search.to)
        && from >= to
    {
        return Err(Error::invalid("from", "must be before `to`"));
    }
    let backend = ctx.db.get_database_backend();
    let (matches, term) = matcher(backend, "m", "messages_fts", &search.query)?;
    let me = ctx.user_id();
    let guest = ctx.principal.role == Role::Guest;
    let mut values: Vec<Value> = vec![term, ctx.workspace_id().into(), me.into()];
    let public_branch = if guest {
        String::new()
    } else {
        "OR (c.kind IN ('channel', 'group') AND c.is_public = ?)".to_owned()
    };
    if !guest {
        values.push(true.into());
    }
    let thread_public = if guest {
        String::new()
    } else {
        "OR (pc.kind IN ('channel', 'group') AND pc.is_public = ?)".to_owned()
    };
    values.push(me.into());
    if !guest {
        values.push(true.into());
    }
    let mut sql = format!(
        "FROM messages m \
         JOIN chats c ON c.id = m.chat_id \
         LEFT JOIN messages rm ON rm.id = c.root_message_id \
         LEFT JOIN chats pc ON pc.id = rm.chat_id \
         WHERE {matches} AND m.workspace_id = ? AND m.deleted_at IS NULL AND ( \
           (c.kind <> 'thread' AND EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = m.chat_id AND cm.user_id = ?)) \
           {public_branch} \
           OR (c.kind = 'thread' AND rm.deleted_at IS NULL AND ( \
             EXISTS (SELECT 1 FROM chat_members pm WHERE pm.chat_id = pc.id AND pm.user_id = ?) \
             {thread_public})))"
    );
    if let Some(chat) = search.chat_id {
        sql.push_str(" AND m.chat_id = ?");
        values.push(chat.into());
    }
    if let Some(author) = search.author_id {
        sql.push_str(" AND m.author_id = ?");
        values.push(author.into());
    }
    if !search.chat_ids.is_empty() {
        sql.push_str(&any_of("m.chat_id", &search.chat_ids, &mut values));
    }
    if !search.author_ids.is_empty() {
        sql.push_str(&any_of("m.author_id", &search.author_ids, &mut values));
    }
    if let Some(from) = search.from {
        sql.push_str(" AND m.created_at >= ?");
        values.push(from.into());
    }
    if let Some(to) = search.to {
        sql.push_str(" AND m.created_at < ?");
        values.push(to.into());
    }
    run::<messages::Entity>(ctx, "m.*", "m.id", sql, values, &page).await
}

/// Filters of [`search_chats`].
#[derive(Clone, Debug, Default)]
pub struct ChatSearch {
    /// The words to find.
    pub query: String,
    /// `true`: only active chats; `false`: only archived ones.
    pub active: Option<bool>,
    /// `true`: only direct chats; `false`: only channels and groups.
    pub personal: Option<bool>,
}

/// Filters of [`search_users`].
#[derive(Clone, Debug, Default)]
pub struct UserSearch {
    /// The words to find.
    pub query: String,
    /// Only people of any of these roles (empty: no condition).
    pub roles: Vec<Role>,
}

/// Chats (not threads) matching the query that the caller can see.
pub async fn search_chats(
    ctx: &Ctx,
    search: &ChatSearch,
    page: PageArgs,
) -> Result<Found<chats::Model>> {
    ctx.require(Scope::SearchChats)?;
    ctx.env
        .rate
        .check(&ctx.principal, crate::rate::Category::Search, None)?;
    let backend = ctx.db.get_database_backend();
    let (matches, term) = matcher(backend, "c", "chats_fts", &search.query)?;
    let guest = ctx.principal.role == Role::Guest;
    let mut values: Vec<Value> = vec![term, ctx.workspace_id().into(), ctx.user_id().into()];
    let public_branch = if guest {
        ""
    } else {
        values.push(true.into());
        "OR (c.kind IN ('channel', 'group') AND c.is_public = ?)"
    };
    let mut sql = format!(
        "FROM chats c WHERE {matches} AND c.workspace_id = ? AND c.kind <> 'thread' AND ( \
           EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = c.id AND cm.user_id = ?) {public_branch})"
    );
    match search.active {
        Some(true) => sql.push_str(" AND c.archived_at IS NULL"),
        Some(false) => sql.push_str(" AND c.archived_at IS NOT NULL"),
        None => {}
    }
    match search.personal {
        Some(true) => sql.push_str(" AND c.kind = 'direct'"),
        Some(false) => sql.push_str(" AND c.kind <> 'direct'"),
        None => {}
    }
    run::<chats::Entity>(ctx, "c.*", "c.id", sql, values, &page).await
}

/// Active users of the workspace matching the query (name, nickname, email, title).
pub async fn search_users(
    ctx: &Ctx,
    search: &UserSearch,
    page: PageArgs,
) -> Result<Found<users::Model>> {
    ctx.require(Scope::SearchUsers)?;
    ctx.env
        .rate
        .check(&ctx.principal, crate::rate::Category::Search, None)?;
    let backend = ctx.db.get_database_backend();
    let (matches, term) = matcher(backend, "u", "users_fts", &search.query)?;
    let mut values: Vec<Value> = vec![term, ctx.workspace_id().into(), false.into()];
    let mut sql = format!(
        "FROM users u WHERE {matches} AND u.workspace_id = ? AND u.suspended = ? AND u.deleted_at IS NULL"
    );
    if !search.roles.is_empty() {
        values.extend(search.roles.iter().map(|r| Value::from(r.as_str())));
        sql.push_str(&format!(
            " AND u.role IN ({})",
            vec!["?"; search.roles.len()].join(", ")
        ));
    }
    run::<users::Entity>(ctx, "u.*", "u.id", sql, values, &page).await
}

/// Filters of [`search_transcripts`].
#[derive(Clone, Debug, Default)]
pub struct TranscriptSearch {
    /// The words to find.
    pub query: String,
    /// Only in this meeting's calls.
    pub meeting_id: Option<i64>,
    /// Only in this call.
    pub call_id: Option<i64>,
}

/// Transcript segments matching the query in calls the caller can see (the meetings
/// visibility rule), newest first.
pub async fn search_transcripts(
    ctx: &Ctx,
    search: TranscriptSearch,
    page: PageArgs,
) -> Result<Page<entities::transcript_segments::Model>> {
    ctx.require(Scope::SearchMessages)?;
    ctx.require(Scope::MeetingsRead)?;
    ctx.env
        .rate
        .check(&ctx.principal, crate::rate::Category::Search, None)?;
    let backend = ctx.db.get_database_backend();
    let (matches, term) = matcher(backend, "s", "transcript_segments_fts", &search.query)?;
    let (visible, visible_values) =
        crate::meetings::transcripts::visible_segment_sql(&ctx.principal);
    let mut values: Vec<Value> = vec![term, ctx.workspace_id().into()];
    values.extend(visible_values);
    let mut sql = format!(
        "SELECT s.* FROM transcript_segments s WHERE {matches} AND s.workspace_id = ? AND {visible}"
    );
    if let Some(meeting) = search.meeting_id {
        sql.push_str(" AND s.meeting_id = ?");
        values.push(meeting.into());
    }
    if let Some(call) = search.call_id {
        sql.push_str(" AND s.call_id = ?");
        values.push(call.into());
    }
    if let Some(after) = page.after {
        sql.push_str(" AND s.id < ?");
        values.push(after.into());
    }
    sql.push_str(" ORDER BY s.id DESC LIMIT ?");
    values.push(i64::try_from(page.fetch()).unwrap_or(i64::MAX).into());
    let rows = entities::transcript_segments::Entity::find()
        .from_raw_sql(stmt(backend, &sql, values))
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_safe_prefix_terms() {
        let (_, v) = matcher(
            DbBackend::Sqlite,
            "m",
            "messages_fts",
            "Deploy \"OR\" x*; DROP",
        )
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(v, Value::from("\"deploy\"* \"or\"* \"x\"* \"drop\"*"));
        let (_, v) = matcher(DbBackend::Postgres, "m", "messages_fts", "релиз v2")
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(v, Value::from("релиз:* & v2:*"));
        assert!(matcher(DbBackend::Sqlite, "m", "f", " !! ").is_err());
    }
}
