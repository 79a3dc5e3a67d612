//! Every migration has a working `down`: up → down → up leaves the same schema, on
//! SQLite always and on PostgreSQL when `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

async fn dump(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY type, name"
        }
        _ => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || \
               COALESCE(column_default, '') || ' ' || COALESCE(generation_expression, '') AS line \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'seaql_migrations' \
             UNION ALL SELECT indexname || ': ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename <> 'seaql_migrations' \
             UNION ALL SELECT conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = current_schema()::regnamespace AND conname <> 'seaql_migrations_pkey' \
             ORDER BY 1"
        }
    };
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|row| row.try_get::<String>("", "line").unwrap())
    .collect()
}

async fn round_trip(db: &DatabaseConnection) {
    Migrator::up(db, None).await.unwrap();
    let first = dump(db).await;
    assert!(
        first.iter().any(|l| l.contains("messages")),
        "no schema after up: {first:?}"
    );
    Migrator::down(db, None).await.unwrap();
    assert!(
        dump(db).await.is_empty(),
        "down left objects behind: {:?}",
        dump(db).await
    );
    Migrator::up(db, None).await.unwrap();
    assert_eq!(first, dump(db).await, "up → down → up changed the schema");
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_up_down_up_is_identical() {
    let path = std::env::temp_dir().join(format!(
        "switchboard-migration-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    round_trip(&db).await;
    db.close().await.unwrap();
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn postgres_up_down_up_is_identical() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL round trip skipped");
        return;
    };
    let name = format!("sbtest_migration_{}", std::process::id());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
    let db = Database::connect(format!("{base}/{name}")).await.unwrap();
    round_trip(&db).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .await
        .unwrap();
}
