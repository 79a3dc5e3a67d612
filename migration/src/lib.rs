#![doc = include_str!("../README.md")]

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261121_000001_create_core;
mod m20261121_000002_create_search;
mod m20261121_000003_create_event_log;
mod m20261121_000004_create_tasks;
mod m20261121_000005_create_hr;
mod m20261121_000006_create_meetings;
mod m20261121_000007_pachca;
mod m20261121_000008_integrations;
mod m20261122_000009_oauth_avatars;
mod m20261122_000010_add_callbacks_and_token_limits;
mod m20261122_000011_messaging_v1;
mod m20261122_000012_create_integration_hooks;
mod m20261122_000013_create_sessions;

/// Every migration, in order. Applied migrations are frozen history: never edit one,
/// add a new file instead.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_core::Migration),
            Box::new(m20261121_000002_create_search::Migration),
            Box::new(m20261121_000003_create_event_log::Migration),
            Box::new(m20261121_000004_create_tasks::Migration),
            Box::new(m20261121_000005_create_hr::Migration),
            Box::new(m20261121_000006_create_meetings::Migration),
            Box::new(m20261121_000007_pachca::Migration),
            Box::new(m20261121_000008_integrations::Migration),
            Box::new(m20261122_000009_oauth_avatars::Migration),
            Box::new(m20261122_000010_add_callbacks_and_token_limits::Migration),
            Box::new(m20261122_000011_messaging_v1::Migration),
            Box::new(m20261122_000012_create_integration_hooks::Migration),
            Box::new(m20261122_000013_create_sessions::Migration),
        ]
    }
}
