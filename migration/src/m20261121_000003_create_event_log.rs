//! The durable event log (which is also the audit trail), idempotency records and the
//! outgoing-webhook outbox.
//!
//! Every committed change appends one row to `events` in the same transaction, with a
//! per-workspace sequence number taken from `workspace_cursors` (a row lock per
//! workspace makes the sequence gapless and equal to commit order). Consumers —
//! subscriptions resuming from a cursor, webhook delivery, polling, audit — read it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WorkspaceCursors {
    Table,
    WorkspaceId,
    LastSeq,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    WorkspaceId,
    Seq,
    Kind,
    ChatId,
    SubjectType,
    SubjectId,
    ActorId,
    Dialect,
    TokenPrefix,
    Ip,
    IdempotencyKey,
    Payload,
    Summary,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    WorkspaceId,
    Principal,
    Key,
    Fingerprint,
    Status,
    Response,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    WorkspaceId,
    Url,
    EventTypes,
    Secret,
    Active,
    DisabledReason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WorkspaceId,
    EndpointId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    LastStatusCode,
    LastError,
    LastLatencyMs,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    LatencyMs,
    Error,
}

fn pk<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn cascade<F: IntoIden, C: IntoIden, T: IntoIden, K: IntoIden>(
    from: F,
    col: C,
    to: T,
    key: K,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, key)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceCursors::Table)
                    .col(
                        ColumnDef::new(WorkspaceCursors::WorkspaceId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(WorkspaceCursors::LastSeq))
                    .foreign_key(&mut cascade(
                        WorkspaceCursors::Table,
                        WorkspaceCursors::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk(Events::Id))
                    .col(big(Events::WorkspaceId))
                    .col(big(Events::Seq))
                    .col(text(Events::Kind))
                    .col(big_null(Events::ChatId))
                    .col(text(Events::SubjectType))
                    .col(big_null(Events::SubjectId))
                    .col(big(Events::ActorId))
                    .col(text(Events::Dialect))
                    .col(text_null(Events::TokenPrefix))
                    .col(text_null(Events::Ip))
                    .col(text_null(Events::IdempotencyKey))
                    .col(ColumnDef::new(Events::Payload).json_binary().not_null())
                    .col(ColumnDef::new(Events::Summary).json_binary().null())
                    .col(at(Events::CreatedAt))
                    .foreign_key(&mut cascade(
                        Events::Table,
                        Events::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_events_workspace_seq")
                    .table(Events::Table)
                    .col(Events::WorkspaceId)
                    .col(Events::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_workspace_chat_seq")
                    .table(Events::Table)
                    .col(Events::WorkspaceId)
                    .col(Events::ChatId)
                    .col(Events::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_workspace_kind_seq")
                    .table(Events::Table)
                    .col(Events::WorkspaceId)
                    .col(Events::Kind)
                    .col(Events::Seq)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(pk(IdempotencyKeys::Id))
                    .col(big(IdempotencyKeys::WorkspaceId))
                    .col(text(IdempotencyKeys::Principal))
                    .col(text(IdempotencyKeys::Key))
                    .col(text(IdempotencyKeys::Fingerprint))
                    .col(text(IdempotencyKeys::Status))
                    .col(
                        ColumnDef::new(IdempotencyKeys::Response)
                            .json_binary()
                            .null(),
                    )
                    .col(at(IdempotencyKeys::CreatedAt))
                    .col(at(IdempotencyKeys::ExpiresAt))
                    .foreign_key(&mut cascade(
                        IdempotencyKeys::Table,
                        IdempotencyKeys::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_keys_scope")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::WorkspaceId)
                    .col(IdempotencyKeys::Principal)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(pk(WebhookEndpoints::Id))
                    .col(big(WebhookEndpoints::WorkspaceId))
                    .col(text(WebhookEndpoints::Url))
                    .col(text(WebhookEndpoints::EventTypes))
                    .col(text(WebhookEndpoints::Secret))
                    .col(
                        ColumnDef::new(WebhookEndpoints::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(text_null(WebhookEndpoints::DisabledReason))
                    .col(at(WebhookEndpoints::CreatedAt))
                    .foreign_key(&mut cascade(
                        WebhookEndpoints::Table,
                        WebhookEndpoints::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(pk(WebhookDeliveries::Id))
                    .col(big(WebhookDeliveries::WorkspaceId))
                    .col(big(WebhookDeliveries::EndpointId))
                    .col(big(WebhookDeliveries::EventId))
                    .col(text(WebhookDeliveries::Status))
                    .col(
                        ColumnDef::new(WebhookDeliveries::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(WebhookDeliveries::NextAttemptAt))
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastStatusCode)
                            .integer()
                            .null(),
                    )
                    .col(text_null(WebhookDeliveries::LastError))
                    .col(big_null(WebhookDeliveries::LastLatencyMs))
                    .col(at_null(WebhookDeliveries::DeliveredAt))
                    .col(at(WebhookDeliveries::CreatedAt))
                    .foreign_key(&mut cascade(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::EndpointId,
                        WebhookEndpoints::Table,
                        WebhookEndpoints::Id,
                    ))
                    .foreign_key(&mut cascade(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::EventId,
                        Events::Table,
                        Events::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_webhook_deliveries_event_endpoint")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EventId)
                    .col(WebhookDeliveries::EndpointId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(pk(WebhookAttempts::Id))
                    .col(big(WebhookAttempts::DeliveryId))
                    .col(at(WebhookAttempts::AttemptedAt))
                    .col(ColumnDef::new(WebhookAttempts::StatusCode).integer().null())
                    .col(big(WebhookAttempts::LatencyMs))
                    .col(text_null(WebhookAttempts::Error))
                    .foreign_key(&mut cascade(
                        WebhookAttempts::Table,
                        WebhookAttempts::DeliveryId,
                        WebhookDeliveries::Table,
                        WebhookDeliveries::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            Events::Table.into_iden(),
            WorkspaceCursors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
