//! Integration clients and their hooks (the Hook API, `/hooks/{id}/{secret}/message`).
//!
//! - `integration_clients`: one per client an admin creates, each with its own bot
//!   account (a `users` row with `is_bot`), through which all its hooks act.
//! - `integration_hooks`: a hook binds a client to one internal Desktop (a chat). The
//!   URL's id is `public_id` (an opaque, unique string); of the secret only its SHA-256
//!   is kept, with its last four characters for display.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Chats {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum IntegrationClients {
    Table,
    Id,
    WorkspaceId,
    BotUserId,
    Name,
    CreatorId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IntegrationHooks {
    Table,
    Id,
    WorkspaceId,
    ClientId,
    ChatId,
    PublicId,
    SecretHash,
    SecretLastFour,
    CreatorId,
    CreatedAt,
    SecretRotatedAt,
}

const PUBLIC_ID_INDEX: &str = "ux_integration_hooks_public_id";
const CLIENT_INDEX: &str = "ix_integration_hooks_client";
const WORKSPACE_INDEX: &str = "ix_integration_clients_workspace";

fn id_col<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntegrationClients::Table)
                    .col(id_col(IntegrationClients::Id))
                    .col(
                        ColumnDef::new(IntegrationClients::WorkspaceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationClients::BotUserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntegrationClients::Name).text().not_null())
                    .col(
                        ColumnDef::new(IntegrationClients::CreatorId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationClients::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntegrationClients::Table, IntegrationClients::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntegrationClients::Table, IntegrationClients::BotUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(WORKSPACE_INDEX)
                    .table(IntegrationClients::Table)
                    .col(IntegrationClients::WorkspaceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntegrationHooks::Table)
                    .col(id_col(IntegrationHooks::Id))
                    .col(
                        ColumnDef::new(IntegrationHooks::WorkspaceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::ClientId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::ChatId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::PublicId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::SecretHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::SecretLastFour)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::CreatorId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntegrationHooks::SecretRotatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntegrationHooks::Table, IntegrationHooks::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntegrationHooks::Table, IntegrationHooks::ClientId)
                            .to(IntegrationClients::Table, IntegrationClients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntegrationHooks::Table, IntegrationHooks::ChatId)
                            .to(Chats::Table, Chats::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PUBLIC_ID_INDEX)
                    .table(IntegrationHooks::Table)
                    .col(IntegrationHooks::PublicId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CLIENT_INDEX)
                    .table(IntegrationHooks::Table)
                    .col(IntegrationHooks::ClientId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IntegrationHooks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(IntegrationClients::Table).to_owned())
            .await?;
        Ok(())
    }
}
