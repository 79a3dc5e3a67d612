//! Per-message callback URLs of interactive messages, and per-token rate limits.
//!
//! - A message's callback is a `webhook_endpoints` row of `format = 'callback'` whose
//!   `message_id` names the message (at most one per message) and whose `owner_id` is
//!   the sender, so clicks go through the one durable outbox (retries, dead letters,
//!   delivery log, replay) like every other webhook.
//! - `callback_secrets` holds one signing secret per sender (see
//!   `resolvers::messages::callbacks` for why per sender and not per message).
//! - `api_tokens.rate_limits` holds a token's own budgets as JSON text (null: the
//!   server's defaults).

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
enum WebhookEndpoints {
    Table,
    MessageId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    RateLimits,
}

#[derive(DeriveIden, Clone, Copy)]
enum CallbackSecrets {
    Table,
    UserId,
    WorkspaceId,
    Secret,
    CreatedAt,
}

const MESSAGE_INDEX: &str = "ux_webhook_endpoints_message";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEndpoints::Table)
                    .add_column(
                        ColumnDef::new(WebhookEndpoints::MessageId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(MESSAGE_INDEX)
                    .table(WebhookEndpoints::Table)
                    .col(WebhookEndpoints::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CallbackSecrets::Table)
                    .col(
                        ColumnDef::new(CallbackSecrets::UserId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CallbackSecrets::WorkspaceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CallbackSecrets::Secret).text().not_null())
                    .col(
                        ColumnDef::new(CallbackSecrets::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallbackSecrets::Table, CallbackSecrets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallbackSecrets::Table, CallbackSecrets::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(ColumnDef::new(ApiTokens::RateLimits).text().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(ApiTokens::RateLimits)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CallbackSecrets::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(MESSAGE_INDEX)
                    .table(WebhookEndpoints::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEndpoints::Table)
                    .drop_column(WebhookEndpoints::MessageId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
