//! What the Messaging API v1 façade needs beyond the core.
//!
//! - `departments.description`: v1 departments carry a description (≤ 500 characters).
//! - `attachments.content_type`: the MIME type a v1 sender gives (`type`), echoed back.
//! - `workspace_callback_secrets`: one secret per workspace signing the
//!   `X-Webhook-Signature` of v1 interactive-message callbacks (rotatable, shown once).
//! - `incoming_webhooks`: v1 incoming webhooks — a name, an optional target chat, the
//!   allowed actions, the HMAC secret, and the bot user and hidden API token they act
//!   through (so their writes carry a principal, an audit prefix and a rate budget like
//!   any token's).

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
enum ApiTokens {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Departments {
    Table,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
enum Attachments {
    Table,
    ContentType,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkspaceCallbackSecrets {
    Table,
    WorkspaceId,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IncomingWebhooks {
    Table,
    Id,
    WorkspaceId,
    Name,
    ChatId,
    Actions,
    Secret,
    UserId,
    TokenId,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .add_column(ColumnDef::new(Departments::Description).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Attachments::Table)
                    .add_column(ColumnDef::new(Attachments::ContentType).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceCallbackSecrets::Table)
                    .col(
                        ColumnDef::new(WorkspaceCallbackSecrets::WorkspaceId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WorkspaceCallbackSecrets::Secret)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkspaceCallbackSecrets::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                WorkspaceCallbackSecrets::Table,
                                WorkspaceCallbackSecrets::WorkspaceId,
                            )
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncomingWebhooks::Table)
                    .col(
                        ColumnDef::new(IncomingWebhooks::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(IncomingWebhooks::WorkspaceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IncomingWebhooks::Name).text().not_null())
                    .col(
                        ColumnDef::new(IncomingWebhooks::ChatId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(IncomingWebhooks::Actions).text().not_null())
                    .col(ColumnDef::new(IncomingWebhooks::Secret).text().not_null())
                    .col(
                        ColumnDef::new(IncomingWebhooks::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IncomingWebhooks::TokenId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IncomingWebhooks::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(IncomingWebhooks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IncomingWebhooks::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncomingWebhooks::Table, IncomingWebhooks::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncomingWebhooks::Table, IncomingWebhooks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncomingWebhooks::Table, IncomingWebhooks::TokenId)
                            .to(ApiTokens::Table, ApiTokens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_incoming_webhooks_workspace")
                    .table(IncomingWebhooks::Table)
                    .col(IncomingWebhooks::WorkspaceId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IncomingWebhooks::Table).to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(WorkspaceCallbackSecrets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Attachments::Table)
                    .drop_column(Attachments::ContentType)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .drop_column(Departments::Description)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
