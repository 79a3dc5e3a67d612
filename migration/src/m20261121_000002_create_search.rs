//! Full-text search over messages, chats and users, with each database's own engine.
//!
//! SQLite: external-content FTS5 tables (`messages_fts`, `chats_fts`, `users_fts`) whose
//! rowid is the source row's id, kept in sync by triggers. PostgreSQL: a generated
//! `search` tsvector column on each table with a GIN index. Both use a language-neutral
//! tokenizer (`unicode61` / the `simple` configuration), because workspaces write in
//! many languages and stemming one of them would mangle the others.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, FTS columns as SQLite sees them, the PostgreSQL document expression).
const SOURCES: [(&str, &[&str], &str); 3] = [
    ("messages", &["content"], "coalesce(content, '')"),
    (
        "chats",
        &["name", "description"],
        "coalesce(name, '') || ' ' || coalesce(description, '')",
    ),
    (
        "users",
        &["first_name", "last_name", "nickname", "email", "title"],
        "coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(nickname, '') || ' ' || translate(coalesce(email, ''), '@.', '  ') || ' ' || coalesce(title, '')",
    ),
];

fn sqlite_up(table: &str, cols: &[&str]) -> Vec<String> {
    let list = cols.join(", ");
    let new_vals = cols
        .iter()
        .map(|c| format!("new.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let old_vals = cols
        .iter()
        .map(|c| format!("old.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let fts = format!("{table}_fts");
    vec![
        format!(
            "CREATE VIRTUAL TABLE {fts} USING fts5({list}, content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        ),
        format!(
            "CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN INSERT INTO {fts}(rowid, {list}) VALUES (new.id, {new_vals}); END"
        ),
        format!(
            "CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN INSERT INTO {fts}({fts}, rowid, {list}) VALUES ('delete', old.id, {old_vals}); END"
        ),
        format!(
            "CREATE TRIGGER {fts}_au AFTER UPDATE OF {list} ON {table} BEGIN INSERT INTO {fts}({fts}, rowid, {list}) VALUES ('delete', old.id, {old_vals}); INSERT INTO {fts}(rowid, {list}) VALUES (new.id, {new_vals}); END"
        ),
        // Index rows that existed before this migration.
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]
}

fn sqlite_down(table: &str) -> Vec<String> {
    let fts = format!("{table}_fts");
    vec![
        format!("DROP TRIGGER IF EXISTS {fts}_ai"),
        format!("DROP TRIGGER IF EXISTS {fts}_ad"),
        format!("DROP TRIGGER IF EXISTS {fts}_au"),
        format!("DROP TABLE IF EXISTS {fts}"),
    ]
}

fn postgres_up(table: &str, document: &str) -> Vec<String> {
    vec![
        format!(
            "ALTER TABLE {table} ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {document})) STORED"
        ),
        format!("CREATE INDEX ix_{table}_search ON {table} USING GIN (search)"),
    ]
}

fn postgres_down(table: &str) -> Vec<String> {
    vec![
        format!("DROP INDEX IF EXISTS ix_{table}_search"),
        format!("ALTER TABLE {table} DROP COLUMN IF EXISTS search"),
    ]
}

async fn run(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = Vec::new();
        for (table, cols, document) in SOURCES {
            statements.extend(match backend {
                DbBackend::Sqlite => sqlite_up(table, cols),
                DbBackend::Postgres => postgres_up(table, document),
                other => {
                    return Err(DbErr::Migration(format!(
                        "full-text search is implemented for SQLite and PostgreSQL, not {other:?}"
                    )));
                }
            });
        }
        run(manager, statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = Vec::new();
        for (table, _, _) in SOURCES {
            statements.extend(match backend {
                DbBackend::Postgres => postgres_down(table),
                _ => sqlite_down(table),
            });
        }
        run(manager, statements).await
    }
}
