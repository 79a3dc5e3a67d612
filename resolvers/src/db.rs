//! Connecting to the database with the settings Switchboard relies on.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// Open a pool for `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite files get WAL (readers alongside the writer), `synchronous = FULL` (no committed
/// transaction lost on power loss), a 5 s busy timeout and foreign keys; a missing file is
/// created. PostgreSQL uses its server settings.
///
/// A pooled connection is pinged before reuse only when it sat idle for 30 s or more: the
/// default (a ping on every checkout) costs one extra round trip per statement, and
/// sea-orm checks a connection out per statement (measured in `bench/`, P2).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Read back the durability settings of the connected database, for the startup log.
/// Returns `(name, value)` pairs.
pub async fn durability_report(db: &DatabaseConnection) -> Result<Vec<(String, String)>, DbErr> {
    let queries: &[(&str, &str)] = match db.get_database_backend() {
        DbBackend::Sqlite => &[
            ("journal_mode", "PRAGMA journal_mode"),
            ("synchronous", "PRAGMA synchronous"),
            ("foreign_keys", "PRAGMA foreign_keys"),
        ],
        DbBackend::Postgres => &[
            ("fsync", "SHOW fsync"),
            ("synchronous_commit", "SHOW synchronous_commit"),
        ],
        _ => &[],
    };
    let mut out = Vec::new();
    for (name, sql) in queries {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                (*sql).to_owned(),
            ))
            .await?;
        let value = row
            .map(|r| {
                r.try_get_by_index::<String>(0)
                    .or_else(|_| r.try_get_by_index::<i64>(0).map(|v| v.to_string()))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        out.push(((*name).to_owned(), value));
    }
    Ok(out)
}
